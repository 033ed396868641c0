package cli

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/foreign"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/trust"
	"github.com/ocopvn/estamp/internal/verdict"
)

// ErrNotAllGenuine is an intake with any code that is not genuine.
var ErrNotAllGenuine = errors.New("not every code of the delivery is genuine")

// ErrNotAllSold is a sale with any code that was not sold cleanly: not
// genuine, sold before, or twice in the list.
var ErrNotAllSold = errors.New("not every code was sold")

func (a *app) retailers(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usage(sayWantSub, "retailers", "list | show | add")
	}
	fs := a.flags("retailers " + args[0])
	switch args[0] {
	case "list":
		_, err := a.connect(fs, args[1:], 0, "retailers list")
		if err != nil {
			return err
		}
		all, err := everyPage(a.pageSize, 0, func(size int32, token string) ([]*estampv1.Retailer, string, error) {
			resp, err := a.Registry.ListRetailers(ctx, &estampv1.ListRetailersRequest{PageSize: size, PageToken: token})
			return resp.GetRetailers(), resp.GetNextPageToken(), err
		})
		if err != nil {
			return err
		}
		if a.json {
			return a.printJSON(&estampv1.ListRetailersResponse{Retailers: all})
		}
		return a.table(headRetailers, func(w *tabwriter.Writer) {
			for _, r := range all {
				fmt.Fprintf(w, "%s\t%s\t%s\n", r.Id, r.Name, a.address(r.Address))
			}
		})
	case "show":
		pos, err := a.connect(fs, args[1:], 1, "retailers show ID")
		if err != nil {
			return err
		}
		resp, err := a.Registry.GetRetailer(ctx, &estampv1.GetRetailerRequest{Id: pos[0]})
		if err != nil {
			return err
		}
		return a.showRetailer(resp.Retailer)
	case "add":
		r := &estampv1.Retailer{Address: &estampv1.Address{}}
		fs.StringVar(&r.Id, "id", "", "retailer id")
		fs.StringVar(&r.Name, "name", "", "shop name")
		fs.StringVar(&r.TaxCode, "tax-code", "", "tax code (optional)")
		fs.StringVar(&r.Address.Province, "province", "", "province")
		fs.StringVar(&r.Address.Commune, "commune", "", "commune or ward")
		fs.StringVar(&r.Address.Street, "street", "", "street (optional)")
		fs.StringVar(&r.Gln, "gln", "", "GS1 GLN of the shop, 13 digits (optional)")
		_, err := a.connect(fs, args[1:], 0, "retailers add --id ID --name TEXT --province TEXT --commune TEXT")
		if err != nil {
			return err
		}
		resp, err := a.Registry.CreateRetailer(ctx, &estampv1.CreateRetailerRequest{Retailer: r})
		if err != nil {
			return err
		}
		return a.showRetailer(resp.Retailer)
	}
	return wantWord("retailers", args[0], "list", "show", "add")
}

func (a *app) showRetailer(r *estampv1.Retailer) error {
	if a.json {
		return a.printJSON(r)
	}
	return a.fields(field{fieldID, r.Id}, field{fieldName, r.Name}, field{fieldTaxCode, orDash(r.TaxCode)}, field{fieldGLN, orDash(r.Gln)}, field{fieldAddress, a.address(r.Address)}, field{fieldRegistered, a.when(r.CreateTime)})
}

// intake reads codes one per line, as a handheld scanner types them, from a
// file or standard input.
func (a *app) intake(ctx context.Context, args []string) error {
	fs := a.flags("intake")
	var retailer string
	fs.StringVar(&retailer, "retailer", "", "retailer receiving the delivery")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if retailer == "" {
		// No call tells the CLI whose token it is: the person is told
		// which id to give.
		return usage(sayIntakeNeedsRetailer)
	}
	if len(pos) > 1 {
		return usage(sayWantArgs, "intake --retailer ID [FILE|-]")
	}
	codes, err := a.codesFrom(pos)
	if err != nil {
		return err
	}
	if err := a.dial(); err != nil {
		return err
	}
	resp, err := a.Custody.ReceiveDelivery(ctx, &estampv1.ReceiveDeliveryRequest{RetailerId: retailer, Codes: codes})
	if err != nil {
		return err
	}
	if a.json {
		err = a.printJSON(resp)
	} else {
		err = a.codesReport(codesChecked{items: resp.Items, verdicts: resp.Verdicts, lots: resp.Lots, label: verdict.IntakeLabel, good: taken, allGood: sayIntakeAllGenuine})
	}
	if err != nil {
		return err
	}
	if !resp.AllGenuine {
		return ErrNotAllGenuine
	}
	return nil
}

// codesFrom reads the codes of a file named by the command's only
// argument, or of standard input without one or with "-".
func (a *app) codesFrom(pos []string) ([]string, error) {
	in := io.Reader(a.stdin)
	if len(pos) == 1 && pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return nil, err
		}
		defer f.Close()
		in = f
	}
	return readCodes(in)
}

// taken reports whether an intake outcome takes the stamp into the shop.
func taken(v estampv1.IntakeVerdict) bool {
	return v == estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED || v == estampv1.IntakeVerdict_INTAKE_VERDICT_ALREADY_RECEIVED
}

// sold reports whether a sale's outcome is a clean sale.
func sold(v estampv1.IntakeVerdict) bool { return v == estampv1.IntakeVerdict_INTAKE_VERDICT_SOLD }

// codesChecked is what intake or a sale answered for a list of codes, and
// how to tell it: the outcomes' labels, which outcomes are no problem, and
// what to say when every one is.
type codesChecked struct {
	items    []*estampv1.IntakeItem
	verdicts []*estampv1.VerdictCount
	lots     []*estampv1.LotCount
	label    func(estampv1.IntakeVerdict) verdict.Words
	good     func(estampv1.IntakeVerdict) bool
	allGood  words
}

// codesReport prints the counts by outcome, by product lot where the
// answer has them, and a row for each code with a problem.
func (a *app) codesReport(c codesChecked) error {
	fmt.Fprint(a.out, a.say(sayIntakeChecked, len(c.items)))
	if err := a.table(headIntakeVerdicts, func(w *tabwriter.Writer) {
		for _, v := range c.verdicts {
			fmt.Fprintf(w, "%s\t%d\n", c.label(v.Verdict).In(a.lang), v.Count)
		}
	}); err != nil {
		return err
	}
	if len(c.lots) > 0 {
		fmt.Fprintln(a.out)
		if err := a.table(headIntakeLots, func(w *tabwriter.Writer) {
			for _, l := range c.lots {
				fmt.Fprintf(w, "%s\t%s\t%d\t%d\n", l.ProductName, l.Lot, l.Scanned, l.Accepted)
			}
		}); err != nil {
			return err
		}
	}
	var problems []*estampv1.IntakeItem
	for _, it := range c.items {
		if !c.good(it.Verdict) {
			problems = append(problems, it)
		}
	}
	if len(problems) == 0 {
		fmt.Fprint(a.out, a.say(c.allGood))
		return nil
	}
	fmt.Fprint(a.out, a.say(sayIntakeProblems, len(problems)))
	// A row says which stamp, by what its label shows (serial, product,
	// lot): the codes of one delivery share their beginning, so a code's
	// first characters told the rows apart from nothing.
	return a.table(headIntakeProblems, func(w *tabwriter.Writer) {
		for _, it := range problems {
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", it.Line, c.label(it.Verdict).In(a.lang), a.itemSerial(it), a.itemProduct(it), orDash(it.Lot), a.itemDetail(it))
		}
	})
}

// itemProduct is an outcome's product; for another province's stamp,
// whose product is that province's record, the province.
func (a *app) itemProduct(it *estampv1.IntakeItem) string {
	if it.ProductName == "" && it.IssuerName != "" {
		return a.say(sayIssuedBy, it.IssuerName)
	}
	return orDash(it.ProductName)
}

// itemSerial is an outcome's serial as the label prints it; an
// unreadable code has none, and its line tells it.
func (a *app) itemSerial(it *estampv1.IntakeItem) string {
	if it.Serial == 0 {
		return "—"
	}
	return ocop.ShowSerial(it.Serial)
}

// itemDetail is an outcome's sentence, a revocation's reason included;
// a copy two shops took in also names the other shop and when it did (a
// stamp sold before is named in the sentence itself).
func (a *app) itemDetail(it *estampv1.IntakeItem) string {
	detail := it.Message
	if a.lang == ocop.EN {
		detail = it.MessageEn
	}
	// A shop of another province, named by its issuer's answer, has no
	// id here.
	if it.OtherRetailerId == "" && it.OtherRetailerName == "" || it.OtherSaleTime != nil {
		return detail
	}
	shop := it.OtherRetailerName
	if shop == "" {
		shop = it.OtherRetailerId
	}
	if it.OtherReceiveTime != nil {
		return detail + a.say(sayReceivedBy, shop, a.when(it.OtherReceiveTime))
	}
	return detail + " (" + shop + ")"
}

// sell marks stamps sold at a shop: codes one per line from a file or
// standard input, as intake reads them, or one --code scanned at the till.
func (a *app) sell(ctx context.Context, args []string) error {
	fs := a.flags("sell")
	var retailer, code, requestID string
	fs.StringVar(&retailer, "retailer", "", "retailer selling the goods")
	fs.StringVar(&code, "code", "", "one code scanned at the till, instead of a file")
	fs.StringVar(&requestID, "request-id", "", "idempotency key; reuse it to retry safely (default: random)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if retailer == "" {
		return usage(saySellNeedsRetailer)
	}
	if len(pos) > 1 || code != "" && len(pos) > 0 {
		return usage(sayWantArgs, "sell --retailer ID [FILE|-] | sell --retailer ID --code CODE")
	}
	codes := []string{code}
	if code == "" {
		if codes, err = a.codesFrom(pos); err != nil {
			return err
		}
	}
	if requestID == "" {
		requestID = newRequestID()
	}
	if err := a.dial(); err != nil {
		return err
	}
	resp, err := a.Custody.RecordSale(ctx, &estampv1.RecordSaleRequest{RetailerId: retailer, Codes: codes, RequestId: requestID})
	if err != nil {
		return err
	}
	switch {
	case a.json:
		err = a.printJSON(resp)
	case code != "":
		a.tillReport(resp.Items[0])
	default:
		err = a.codesReport(codesChecked{items: resp.Items, verdicts: resp.Verdicts, label: verdict.SaleLabel, good: sold, allGood: saySaleAllSold})
	}
	if err != nil {
		return err
	}
	if !resp.AllSold {
		return ErrNotAllSold
	}
	return nil
}

// tillReport tells the outcome of one code scanned at the till, as the
// clerk needs it before handing the goods over: what it is, why, and
// which item.
func (a *app) tillReport(it *estampv1.IntakeItem) {
	fmt.Fprintf(a.out, "%s\n%s\n", strings.ToUpper(verdict.SaleLabel(it.Verdict).In(a.lang)), a.itemDetail(it))
	if it.ProductName != "" {
		fmt.Fprint(a.out, a.say(saySoldItem, a.itemSerial(it), it.ProductName, it.Lot))
	}
}

// revoke revokes a batch (a recall) or single serials.
func (a *app) revoke(ctx context.Context, args []string) error {
	fs := a.flags("revoke")
	var (
		batch          uint64
		serials        []uint64
		reason, byWhom string
	)
	fs.Uint64Var(&batch, "batch", 0, "revoke (recall) this whole batch")
	fs.Var(serialsFlag{&serials, &a.lang}, "serial", "revoke this serial (repeatable)")
	fs.StringVar(&reason, "reason", "", "why; shown to whoever scans the stamps")
	fs.StringVar(&byWhom, "by", a.actor(), "who revokes, recorded with the revocation")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || (batch == 0) == (len(serials) == 0) {
		return usage(sayRevokeTarget)
	}
	if err := a.dial(); err != nil {
		return err
	}
	req := &estampv1.RevokeStampsRequest{Target: &estampv1.RevokeStampsRequest_BatchId{BatchId: batch}, Reason: reason, Actor: byWhom}
	if len(serials) > 0 {
		req.Target = &estampv1.RevokeStampsRequest_Stamps{Stamps: &estampv1.SerialSet{Serials: serials}}
	}
	resp, err := a.Issuance.RevokeStamps(ctx, req)
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(resp)
	}
	fmt.Fprint(a.out, a.say(sayRevoked, resp.RevokedCount, resp.RevocationVersion))
	return nil
}

func (a *app) history(ctx context.Context, args []string) error {
	serial, err := a.connectSerial(a.flags("history"), args, "history SERIAL")
	if err != nil {
		return err
	}
	resp, err := a.Custody.GetStampHistory(ctx, &estampv1.GetStampHistoryRequest{Serial: serial})
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(resp)
	}
	fmt.Fprint(a.out, a.say(sayHistory, ocop.ShowSerial(resp.Serial), resp.BatchId, resp.ProductId, resp.ScanCount))
	return a.table(headHistory, func(w *tabwriter.Writer) {
		for _, e := range resp.Events {
			detail := e.RetailerId
			if e.Count > 1 {
				detail = strings.TrimSpace(detail + a.say(sayTimes, e.Count))
			}
			if e.Reason != "" {
				detail = e.Reason + " (" + e.Actor + ")"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\n", a.when(e.EventTime), events[e.Kind].in(a.lang), detail)
		}
	})
}

// offlineCache is what `estamp sync` keeps for `verify --offline`: the
// issuer's keys, its revocation list (revoked stamps and batches, and
// certificates as they stand after a change) and its addresses; with
// --trust-anchor, the national trust list the server holds and every
// other province's revocation list too.
type offlineCache struct {
	// Format is cacheFormat; a cache of another format is synced anew.
	Format        int               `json:"format"`
	Server        string            `json:"server"`
	SyncedAt      time.Time         `json:"synced_at"`
	Keys          []cachedKey       `json:"keys"`
	Version       uint64            `json:"revocation_version"`
	Revocations   []json.RawMessage `json:"revocations"`
	BaseURL       string            `json:"base_url"`
	BatchBaseURLs []batchBase       `json:"batch_base_urls"`
	// TrustList is the national trust list the server held at the last
	// sync, byte for byte as the anchor signed it, checked against
	// TrustAnchors (--trust-anchor); "" without an anchor.
	TrustList    string              `json:"trust_list,omitempty"`
	TrustAnchors []ed25519.PublicKey `json:"trust_anchors,omitempty"`
	// Foreign are the other provinces' revocation lists, by issuer id,
	// as last fetched from the revocations_url the trust list gives.
	Foreign foreign.Lists `json:"foreign,omitempty"`

	revoked *verdict.Revocations
	keys    map[string]cachedKey // by key id
	trust   *trust.List
}

// cacheFormat is the layout of the cache. 2: revocation entries name
// serials as ranges (format 1, unmarked, had a serial per entry, which
// this version would not read). 3: the list carries activations, which a
// cache of format 2 dropped. 4: the trust list and the other provinces'
// revocation lists.
const cacheFormat = 4

type cachedKey struct {
	KeyID     string    `json:"key_id"`
	PublicKey []byte    `json:"public_key"`
	NotAfter  time.Time `json:"not_after,omitempty"`
	// Compromised holds the reason when the key was marked compromised.
	Compromised string `json:"compromised,omitempty"`
}

type batchBase struct {
	FirstBatchID uint64 `json:"first_batch_id"`
	BaseURL      string `json:"base_url"`
}

func (a *app) cachePath() string {
	if p := a.getenv("ESTAMP_CACHE"); p != "" {
		return p
	}
	dir := a.getenv("XDG_CACHE_HOME")
	if dir == "" {
		dir = filepath.Join(a.getenv("HOME"), ".cache")
	}
	return filepath.Join(dir, "estamp", "offline.json")
}

func loadCache(path string) (*offlineCache, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c := new(offlineCache)
	if err := json.Unmarshal(data, c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if c.Format != cacheFormat {
		return nil, fmt.Errorf("%s: %w", path, errOldCache)
	}
	c.keys, c.revoked = map[string]cachedKey{}, verdict.NewRevocations()
	for _, k := range c.Keys {
		c.keys[k.KeyID] = k
	}
	for _, raw := range c.Revocations {
		e := new(estampv1.RevocationEntry)
		if err := protojson.Unmarshal(raw, e); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		c.revoked.Add(e)
	}
	if c.trust, err = c.cachedTrust(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// errOldCache is a cache written by an earlier version of estamp.
var errOldCache = errors.New("the offline cache predates this version")

// Key implements verdict.Keys with the synced public keys.
func (c *offlineCache) Key(id stampcode.KeyID) (verdict.Key, bool) {
	k, ok := c.keys[id.String()]
	if !ok {
		return verdict.Key{}, false
	}
	return verdict.Key{Public: ed25519.PublicKey(k.PublicKey), Compromised: k.Compromised != "", Reason: k.Compromised}, true
}

// record is what the sync knows of a signed stamp: its batch's address,
// revocations, and its product's certificate (the one the stamp carries,
// unless a change was synced). Offline, every signed stamp counts as
// issued.
func (c *offlineCache) record(claims stampcode.Claims) *verdict.Record {
	r := c.revoked.Record(claims)
	for _, b := range c.BatchBaseURLs {
		if b.FirstBatchID <= uint64(claims.BatchID) {
			r.Base = b.BaseURL
		}
	}
	return r
}

// sync fetches the public keys and the revocation list (only what changed
// since the last sync) into the local cache; with a trust anchor, the
// national trust list and the other provinces' revocation lists too.
func (a *app) sync(ctx context.Context, args []string) error {
	fs := a.flags("sync")
	var anchorFile string
	fs.StringVar(&anchorFile, "trust-anchor", a.getenv("ESTAMP_TRUST_ANCHOR"), "PEM file of the national trust anchor's public key: cache the trust list and the other provinces' revocations too (env ESTAMP_TRUST_ANCHOR)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(pos, 0, "sync"); err != nil {
		return err
	}
	var anchors []ed25519.PublicKey
	if anchorFile != "" {
		if anchors, err = readAnchor(anchorFile); err != nil {
			return err
		}
	}
	path := a.cachePath()
	c, err := loadCache(path)
	// A cache from another server, or of an earlier format, starts over.
	if err != nil || c.Server != a.server {
		c = &offlineCache{Format: cacheFormat, Server: a.server}
	}
	if err := a.dial(); err != nil {
		return err
	}
	ks, err := a.Verification.ListIssuerKeys(ctx, &estampv1.ListIssuerKeysRequest{})
	if err != nil {
		return err
	}
	c.Keys = nil
	for _, k := range ks.Keys {
		ck := cachedKey{KeyID: k.KeyId, PublicKey: k.PublicKey}
		if k.Status == estampv1.KeyStatus_KEY_STATUS_COMPROMISED {
			ck.Compromised = k.CompromiseReason
		}
		if k.NotAfterTime != nil {
			ck.NotAfter = k.NotAfterTime.AsTime()
		}
		c.Keys = append(c.Keys, ck)
	}
	// Every page up to the version of the first: the next sync goes on
	// from there.
	var rl *estampv1.ListRevocationsResponse
	entries, err := everyPage(a.pageSize, 0, func(size int32, token string) ([]*estampv1.RevocationEntry, string, error) {
		resp, err := a.Custody.ListRevocations(ctx, &estampv1.ListRevocationsRequest{SinceVersion: c.Version, PageSize: size, PageToken: token})
		if rl == nil {
			rl = resp
		}
		return resp.GetEntries(), resp.GetNextPageToken(), err
	})
	if err != nil {
		return err
	}
	revoked, certs := 0, 0
	for _, e := range entries {
		raw, err := protojson.Marshal(e)
		if err != nil {
			return err
		}
		c.Revocations = append(c.Revocations, raw)
		if e.Certificate != nil {
			certs++
		} else {
			revoked++
		}
	}
	c.BaseURL, c.BatchBaseURLs = rl.BaseUrl, nil
	for _, b := range rl.BatchBaseUrls {
		c.BatchBaseURLs = append(c.BatchBaseURLs, batchBase{FirstBatchID: b.FirstBatchId, BaseURL: b.BaseUrl})
	}
	c.Version, c.SyncedAt = rl.Version, a.now().UTC()
	// The other provinces: their failures leave the cache as consistent
	// as before (the last good list kept), so the cache is written
	// whatever they were, and the failure said afterwards.
	provinces, failure := a.say(saySyncOwnOnly), error(nil)
	if anchors == nil {
		c.TrustList, c.TrustAnchors, c.Foreign = "", nil, nil
	} else {
		provinces, failure = a.syncProvinces(ctx, c, anchors)
	}
	data, err := json.MarshalIndent(c, "", " ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	if err := writeFileSafely(path, true, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
		return err
	}
	fmt.Fprint(a.out, a.say(saySynced, len(c.Keys), revoked, certs, c.Version, path))
	fmt.Fprint(a.out, provinces)
	return failure
}

// verifyOffline checks a code against the cache only, in the steps and
// by the rules the server applies (package verdict).
func (a *app) verifyOffline(code string) error {
	path := a.cachePath()
	c, err := loadCache(path)
	switch {
	case errors.Is(err, errOldCache):
		return standsFor(err, sayOldCache, path)
	case err != nil:
		return failed(sayNoCache, err)
	}
	checker, err := verdict.New([]string{c.BaseURL}, c)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	now := a.now()
	if c.trust != nil {
		// Other provinces' stamps by the cached trust list and their
		// cached revocation lists, as the server checks them by its own.
		checker = checker.WithIssuers(trust.NewHeld(c.trust, func() time.Time { return now })).WithForeignStatus(c.Foreign)
	}
	chk := checker.Check(strings.TrimSpace(code), verdict.Scanned)
	var rec *verdict.Record
	if chk.Signed() {
		rec = c.record(chk.Claims)
	}
	o := checker.Decide(chk, rec, now)
	if c.trust != nil && !now.Before(c.trust.Expires) && o.Verdict == estampv1.Verdict_VERDICT_MALFORMED && o.Cause == verdict.LookAlike {
		// Not this province's address, and the list that would say whose
		// it is has expired: no verdict, but a sync.
		return failed(sayTrustListExpired, path, ocop.ShowTime(c.trust.Expires, a.lang))
	}
	msg := verdict.Words{VI: verdict.Sentence(o, ocop.VI), EN: verdict.Sentence(o, ocop.EN)}
	if o.IssuerID != "" {
		msg = verdict.ForeignMessage(o)
	}
	if a.json {
		answer := map[string]any{"verdict": o.Verdict.String(), "offline": true, "cache_synced_at": c.SyncedAt, "message": msg.VI, "message_en": msg.EN}
		if o.IssuerID != "" {
			answer["issuer_id"], answer["issuer_name"] = o.IssuerID, o.IssuerName
		}
		if !o.StatusTime.IsZero() {
			answer["foreign_status_time"] = o.StatusTime.UTC()
		}
		out, _ := json.Marshal(answer)
		fmt.Fprintln(a.out, string(out))
	} else {
		fmt.Fprintf(a.out, "%s\n%s\n", verdict.Tell(o.Verdict, nil).Label.In(a.lang), msg.In(a.lang))
		if o.Verdict == estampv1.Verdict_VERDICT_GENUINE {
			// What the code itself says; the rest is on the server.
			fmt.Fprint(a.out, a.say(sayOfflineClaims, ocop.ShowSerial(o.Claims.Serial), o.Claims.BatchID, o.Claims.ProductNumber, Stars(int32(o.Claims.StarGrade))))
		}
		switch {
		case o.IssuerID != "" && !o.StatusTime.IsZero():
			fmt.Fprint(a.out, a.say(sayOfflineIssuerAsOf, o.IssuerName, ocop.ShowTime(o.StatusTime, a.lang), ocop.Ago(now.Sub(o.StatusTime), a.lang)))
		case o.IssuerID != "":
			fmt.Fprint(a.out, a.say(sayOfflineIssuer, o.IssuerName))
		}
		fmt.Fprint(a.out, a.say(sayOffline, ocop.ShowTime(c.SyncedAt, a.lang), ocop.Ago(now.Sub(c.SyncedAt), a.lang)))
	}
	if o.Verdict != estampv1.Verdict_VERDICT_GENUINE {
		return &VerdictError{Verdict: o.Verdict}
	}
	return nil
}

// maxIntakeLine bounds one line of an intake file: codes are under 200
// bytes, so a longer line is not a scan.
const maxIntakeLine = 64 << 10

// readCodes reads an intake file as a scanner types it: one code a line,
// LF or CRLF. Lines are sent as they are (the server trims them, skips
// blank ones and reports each by its line number), so that line numbers in
// the report match the file.
func readCodes(in io.Reader) ([]string, error) {
	var codes []string
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 4<<10), maxIntakeLine)
	for sc.Scan() {
		codes = append(codes, sc.Text())
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, failed(sayLineTooLong, len(codes)+1, maxIntakeLine)
		}
		return nil, err
	}
	return codes, nil
}
