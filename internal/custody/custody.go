// Package custody implements CustodyService: retailers check deliveries at
// intake and record sales at the till, every stamp has a history, and
// offline verifiers sync the revocation list.
//
// A photocopied label carries a valid signature, so intake records which
// retailer received each genuine stamp: the same stamp at a second retailer
// is a suspected copy. A sale ends a stamp's custody: a sold stamp taken in
// or sold again anywhere is one too.
package custody

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/auth"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/paging"
	"github.com/ocopvn/estamp/internal/record"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/store"
	"github.com/ocopvn/estamp/internal/verdict"
	"github.com/ocopvn/estamp/internal/verify"
)

// MaxDelivery is the most codes one intake takes.
const MaxDelivery = 10_000

// Store is what custody needs from storage.
type Store interface {
	ReceiveStamps(ctx context.Context, retailerID string, items []record.Intake, ch audit.Change,
		accept func(i int, rec *record.Stamp, before []*record.Receipt) bool,
		receive func(st *record.StampState, retailerID string, at time.Time),
		done func() (audit.Entry, record.Delivery),
	) ([]*record.Stamp, uint64, error)
	SellStamps(ctx context.Context, retailerID string, items []record.Intake, ch audit.Change,
		decide func(i int, rec *record.Stamp) record.SaleStep,
		sell func(st *record.StampState),
		done func() audit.Entry,
	) error
	RecordReportedReceipts(ctx context.Context, from string, receipts []store.ReportedReceipt, ch audit.Change,
		judge func(i int, rec *record.Stamp, before []*record.Receipt, name func(shopID string) string) (*estampv1.ReceiptOutcome, bool),
		receive func(st *record.StampState, retailerID string, at time.Time),
		done func() audit.Entry,
	) ([]*estampv1.ReceiptOutcome, error)
	StampOf(ctx context.Context, serial uint64) (*record.Stamp, error)
	Stamp(ctx context.Context, batchID, serial uint64) (*record.Stamp, error)
	Retailer(ctx context.Context, id string) (*estampv1.Retailer, error)
	Revocations(ctx context.Context, p store.RevocationPage) (upto uint64, list []*estampv1.RevocationEntry, more bool, err error)
	BatchBaseURLs(ctx context.Context) ([]*estampv1.BatchBaseUrl, error)
}

// Checker decides verdicts in the steps every transport shares.
type Checker interface {
	Check(text string, form verdict.Form) verdict.Checked
	Decide(chk verdict.Checked, rec *verdict.Record, now time.Time) verdict.Outcome
}

// Reporter reports receipts of other provinces' stamps to their issuers
// (package relay).
type Reporter interface {
	// Report sends the queued receipts of ids now, within ctx, and
	// returns the answers of the provinces that answered; the others
	// stay queued for later.
	Report(ctx context.Context, ids []uint64) map[uint64]*estampv1.ReceiptOutcome
}

// ReportWait bounds how long an intake waits for other provinces to
// answer its receipts of their stamps: a province slow to answer must not
// hold up a shop's intake, whose receipts are queued anyway.
const ReportWait = 3 * time.Second

// Service implements estampv1.CustodyServiceServer.
type Service struct {
	estampv1.UnimplementedCustodyServiceServer
	store    Store
	checker  Checker
	baseURL  string
	now      func() time.Time
	reporter Reporter
	// trust is what reports of other provinces are checked against
	// (reports.go).
	trust trusted
	// yield, when set, says that buyers' verifications are in flight:
	// intake's signature checks then leave them a core (checkAll).
	yield func() bool
}

// YieldTo makes intake check signatures on one core fewer than it has
// while busy reports that verifications are in flight, and on
// every core otherwise: a delivery is a batch job, a buyer's scan is
// someone waiting.
func (s *Service) YieldTo(busy func() bool) { s.yield = busy }

// yieldPause is how long the signature-check worker that stands aside
// waits before it looks again whether verifications still need the core.
const yieldPause = time.Millisecond

// SetReporter makes intake report receipts of other provinces' stamps.
// Without one they stay queued in the store.
func (s *Service) SetReporter(r Reporter) { s.reporter = r }

// New returns the service; baseURL is the one stamps are issued under now.
func New(st Store, checker Checker, baseURL string, now func() time.Time) (*Service, error) {
	prefix, err := stampcode.URLPrefix(baseURL)
	if err != nil {
		return nil, err
	}
	return &Service{store: st, checker: checker, baseURL: strings.TrimSuffix(prefix, stampcode.PathSegment), now: now}, nil
}

// ReceiveDelivery implements estampv1.CustodyServiceServer.
func (s *Service) ReceiveDelivery(ctx context.Context, req *estampv1.ReceiveDeliveryRequest) (*estampv1.ReceiveDeliveryResponse, error) {
	if err := ocop.CheckID("retailer_id", req.GetRetailerId()); err != nil {
		return nil, err
	}
	if len(req.GetCodes()) > MaxDelivery {
		return nil, ocop.Invalid("codes", "%d mã, mỗi lần giao tối đa %d mã", "%d codes, at most %d in one delivery", len(req.GetCodes()), MaxDelivery)
	}
	reference, err := ocop.Text("reference", req.GetReference(), false, ocop.MaxTextLength)
	if err != nil {
		return nil, err
	}
	retailer, now := req.GetRetailerId(), s.now()
	sc := s.scan(req.GetCodes(), now)
	items, outcomes := sc.items, sc.outcomes
	var resp *estampv1.ReceiveDeliveryResponse
	_, id, err := s.store.ReceiveStamps(ctx, retailer, sc.stamps, audit.Change{Actor: auth.Actor(ctx), Time: now}, func(i int, rec *record.Stamp, before []*record.Receipt) bool {
		return takeIn(sc.decide(s.checker, i, rec, now), rec, before, retailer)
	}, Receive, func() (audit.Entry, record.Delivery) {
		// Every verdict is in: the delivery is summed up once, for the
		// caller and for the record the store keeps of it.
		resp = summarize(items)
		d := record.Delivery{Reference: reference, Codes: len(items), Verdicts: resp.Verdicts}
		for _, it := range items {
			if !good(it.Verdict) {
				d.Problems = append(d.Problems, it)
			}
		}
		return audit.Entry{Action: audit.DeliveryReceive, Target: retailer, Detail: auditSummary(items)}, d
	})
	if err != nil {
		return nil, err
	}
	if s.reportOthers(ctx, sc) {
		// An issuer knew of another shop: the delivery's sums change.
		resp = summarize(items)
	}
	s.nameOthers(ctx, items)
	for i, it := range items {
		w := verdict.IntakeSentence(it.Verdict, outcomes[i])
		if it.OtherSaleTime != nil {
			w = soldSentence(it)
		}
		it.Message, it.MessageEn = w.VI, w.EN
	}
	resp.DeliveryId = id
	return resp, nil
}

// scanned is a list of codes after the checks that need no records: an
// item per non-blank code, with its verdict where the code alone decides
// it, and the signed stamps among them, each once, to look up in the
// store.
type scanned struct {
	items []*estampv1.IntakeItem
	// outcomes are the verdicts behind items, which tell them.
	outcomes []verdict.Outcome
	// checks and stamps are the signed codes to look up, and where
	// their items are.
	checks []verdict.Checked
	stamps []record.Intake
	where  []int
}

// scan checks codes as intake and sale receive them.
func (s *Service) scan(codes []string, now time.Time) *scanned {
	sc := &scanned{}
	seen := map[stampID]bool{}
	checked := s.checkAll(codes)
	for i, raw := range codes {
		code := strings.TrimSpace(raw)
		if code == "" {
			continue
		}
		it := &estampv1.IntakeItem{Line: uint32(i + 1), Code: raw}
		sc.items = append(sc.items, it)
		sc.outcomes = append(sc.outcomes, verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_MALFORMED, Cause: verdict.NotACode})
		if len(code) > verify.MaxCodeLength {
			it.Verdict = estampv1.IntakeVerdict_INTAKE_VERDICT_MALFORMED
			continue
		}
		c := checked[i]
		if c.IssuerID != "" {
			it.IssuerId, it.IssuerName = c.IssuerID, c.IssuerName
		}
		if !c.Signed() && !s.custodial(c, now) {
			o := s.checker.Decide(c, nil, now)
			sc.outcomes[len(sc.items)-1] = o
			it.Verdict = verdict.IntakeOf(o.Verdict)
			if o.Readable && o.Verdict != estampv1.Verdict_VERDICT_MALFORMED {
				it.Serial = o.Claims.Serial
			}
			continue
		}
		it.Serial = c.Claims.Serial
		id := stampID{c.IssuerID, c.Claims.Serial}
		if seen[id] {
			it.Verdict = estampv1.IntakeVerdict_INTAKE_VERDICT_DUPLICATE_IN_DELIVERY
			continue
		}
		seen[id] = true
		sc.checks = append(sc.checks, c)
		in := record.Intake{Serial: c.Claims.Serial, BatchID: uint64(c.Claims.BatchID)}
		if c.IssuerID != "" {
			in.Issuer, in.Code = c.IssuerID, code
		}
		sc.stamps = append(sc.stamps, in)
		sc.where = append(sc.where, len(sc.items)-1)
	}
	return sc
}

// checkAll checks each code that is one (verdict.Checked's zero value for
// blanks and overlong lines). Signature checks are most of intake's work,
// so they are spread over the cores; with more than one, the last worker
// stands aside while buyers' verifications are in flight (YieldTo).
func (s *Service) checkAll(codes []string) []verdict.Checked {
	checked := make([]verdict.Checked, len(codes))
	var (
		wg   sync.WaitGroup
		next atomic.Int64
	)
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		stander := w > 0 && w == workers-1 && s.yield != nil
		wg.Go(func() {
			for {
				if stander && s.yield() {
					if int(next.Load()) >= len(checked) {
						return
					}
					time.Sleep(yieldPause)
					continue
				}
				i := int(next.Add(1)) - 1
				if i >= len(checked) {
					return
				}
				if code := strings.TrimSpace(codes[i]); code != "" && len(code) <= verify.MaxCodeLength {
					checked[i] = s.checker.Check(code, verdict.Scanned)
				}
				// A delivery is a batch job on every core for a
				// tenth of a second or more; a buyer's scan waiting
				// for a core gets one after this code, not after the
				// scheduler's 10 ms slice (Verify's p99 during
				// intake: 90 ms without).
				runtime.Gosched()
			}
		})
	}
	wg.Wait()
	return checked
}

// stampID tells stamps apart across provinces: serials are each
// issuer's own.
type stampID struct {
	issuer string
	serial uint64
}

// custodial reports whether a code not Signed by this issuer is another
// province's genuine stamp, whose custody at this province's shops is
// recorded (and reported to its issuer) as an own stamp's is.
func (s *Service) custodial(c verdict.Checked, now time.Time) bool {
	return c.IssuerID != "" && s.checker.Decide(c, nil, now).Verdict == estampv1.Verdict_VERDICT_GENUINE
}

// decide finishes the i-th stamp looked up with its record (nil when
// never issued): its verdict, as intake tells it (ACCEPTED for a genuine
// stamp), and what the item shows of the record. The caller decides what
// a genuine stamp's custody makes of it.
func (sc *scanned) decide(checker Checker, i int, rec *record.Stamp, now time.Time) *estampv1.IntakeItem {
	it := sc.items[sc.where[i]]
	if sc.checks[i].IssuerID != "" {
		// Another province's stamp: its issuer's list decides, and rec
		// is only its custody here.
		rec = nil
	}
	o := checker.Decide(sc.checks[i], verify.RecordOf(rec), now)
	sc.outcomes[sc.where[i]] = o
	it.Verdict = verdict.IntakeOf(o.Verdict)
	describe(it, rec, o.Reason)
	if o.Verdict == estampv1.Verdict_VERDICT_MALFORMED {
		it.Serial = 0
	}
	return it
}

// reportOthers reports the receipts an intake queued for other provinces
// and tells each item what its issuer answered: pending while unanswered,
// and a suspected copy when the issuer knows another shop that received
// or sold the stamp. It reports whether any verdict changed. The receipts
// are committed and queued already: whatever happens here, they reach
// their issuers.
func (s *Service) reportOthers(ctx context.Context, sc *scanned) (changed bool) {
	var ids []uint64
	for _, in := range sc.stamps {
		if in.ReceiptID != 0 {
			ids = append(ids, in.ReceiptID)
		}
	}
	if len(ids) == 0 {
		return false
	}
	var answers map[uint64]*estampv1.ReceiptOutcome
	if s.reporter != nil {
		wait, cancel := context.WithTimeout(context.WithoutCancel(ctx), ReportWait)
		answers = s.reporter.Report(wait, ids)
		cancel()
	}
	for j, in := range sc.stamps {
		if in.ReceiptID == 0 {
			continue
		}
		it := sc.items[sc.where[j]]
		a, ok := answers[in.ReceiptID]
		if !ok {
			it.ReportPending = true
			continue
		}
		if a.GetVerdict() == estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY && good(it.Verdict) {
			it.Verdict, it.OtherRetailerName, it.OtherIssuerId, it.OtherReceiveTime = a.GetVerdict(), a.GetOtherRetailerName(), a.GetOtherIssuerId(), a.GetOtherTime()
			changed = true
		}
	}
	return changed
}

// nameOthers fills in the names of the other retailers of suspected
// copies, so that a shop can ask the one that received or sold its stamp. It runs
// after the delivery's commit (a read of its own inside the store's write
// transaction could deadlock it), and so a retailer it cannot read only
// goes unnamed: failing the call now would hide a delivery that is
// recorded, and a retry would find every code already received.
func (s *Service) nameOthers(ctx context.Context, items []*estampv1.IntakeItem) {
	names := map[string]string{}
	for _, it := range items {
		id := it.OtherRetailerId
		if id == "" {
			continue
		}
		name, ok := names[id]
		if !ok {
			if r, err := s.store.Retailer(ctx, id); err == nil {
				name = r.Name
			}
			names[id] = name
		}
		it.OtherRetailerName = name
	}
}

// DescribeCode implements estampv1.CustodyServiceServer: the verdict steps
// of Verify on the code and the stamp's record, without recording a scan.
func (s *Service) DescribeCode(ctx context.Context, req *estampv1.DescribeCodeRequest) (*estampv1.DescribeCodeResponse, error) {
	if err := ocop.CheckID("retailer_id", req.GetRetailerId()); err != nil {
		return nil, err
	}
	code := strings.TrimSpace(req.GetCode())
	switch {
	case code == "":
		return nil, ocop.Invalid("code", "bắt buộc: nội dung quét được từ mã QR", "required: the scanned text of the QR code")
	case len(code) > verify.MaxCodeLength:
		return nil, ocop.Invalid("code", "%d byte, tối đa %d", "%d bytes, at most %d", len(code), verify.MaxCodeLength)
	}
	c := s.checker.Check(code, verdict.Scanned)
	var rec *record.Stamp
	if c.Signed() {
		var err error
		rec, err = s.store.Stamp(ctx, uint64(c.Claims.BatchID), c.Claims.Serial)
		if errors.As(err, new(*ocop.NotFoundError)) {
			rec, err = nil, nil
		}
		if err != nil {
			return nil, err
		}
	}
	o := s.checker.Decide(c, verify.RecordOf(rec), s.now())
	resp := &estampv1.DescribeCodeResponse{Verdict: o.Verdict}
	if o.Readable && o.Verdict != estampv1.Verdict_VERDICT_MALFORMED {
		resp.Serial = o.Claims.Serial
	}
	// The same rule as an intake row's: what the record says only where
	// the code is the issuer's own stamp (intake's describe).
	it := &estampv1.IntakeItem{Verdict: verdict.IntakeOf(o.Verdict)}
	describe(it, rec, o.Reason)
	resp.BatchId, resp.ProductId, resp.ProductName, resp.Lot = it.BatchId, it.ProductId, it.ProductName, it.Lot
	return resp, nil
}

// describe fills in what an intake item shows of the stamp's record (nil
// when never issued): its batch, product and lot, and why it was revoked;
// nothing for a verdict under which nothing the code names can be trusted.
func describe(it *estampv1.IntakeItem, rec *record.Stamp, reason string) {
	switch it.Verdict {
	case estampv1.IntakeVerdict_INTAKE_VERDICT_MALFORMED, estampv1.IntakeVerdict_INTAKE_VERDICT_NOT_ISSUED, estampv1.IntakeVerdict_INTAKE_VERDICT_KEY_COMPROMISED:
		return
	}
	if rec == nil {
		return
	}
	it.BatchId, it.ProductId, it.ProductName, it.Lot = rec.Batch.Id, rec.Product.Id, rec.Product.Name, rec.Batch.Lot
	switch it.Verdict {
	case estampv1.IntakeVerdict_INTAKE_VERDICT_REVOKED, estampv1.IntakeVerdict_INTAKE_VERDICT_CERTIFICATE_REVOKED:
		it.RevocationReason = reason
	}
}

// good reports whether a verdict takes the stamp into the shop: genuine,
// and not received by another.
func good(v estampv1.IntakeVerdict) bool {
	return v == estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED || v == estampv1.IntakeVerdict_INTAKE_VERDICT_ALREADY_RECEIVED
}

// auditSummary is the audit log's account of a delivery: how many codes,
// and how many of each verdict, in verdict order.
func auditSummary(items []*estampv1.IntakeItem) string {
	counts := map[estampv1.IntakeVerdict]int{}
	for _, it := range items {
		counts[it.Verdict]++
	}
	parts := make([]string, 0, len(counts))
	for _, v := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%d %s", counts[v], strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(v.String(), "INTAKE_VERDICT_"), "_", " "))))
	}
	return fmt.Sprintf("%d codes: %s", len(items), strings.Join(parts, ", "))
}

func summarize(items []*estampv1.IntakeItem) *estampv1.ReceiveDeliveryResponse {
	resp := &estampv1.ReceiveDeliveryResponse{Items: items, AllGenuine: len(items) > 0}
	counts := map[estampv1.IntakeVerdict]uint32{}
	type lotKey struct{ product, lot string }
	lots := map[lotKey]*estampv1.LotCount{}
	var order []lotKey
	for _, it := range items {
		counts[it.Verdict]++
		taken := good(it.Verdict)
		if !taken {
			resp.AllGenuine = false
		}
		if it.ProductId == "" {
			continue
		}
		k := lotKey{it.ProductId, it.Lot}
		lc, ok := lots[k]
		if !ok {
			lc = &estampv1.LotCount{ProductId: it.ProductId, ProductName: it.ProductName, Lot: it.Lot}
			lots[k] = lc
			order = append(order, k)
		}
		lc.Scanned++
		if taken {
			lc.Accepted++
		}
	}
	keys := make([]estampv1.IntakeVerdict, 0, len(counts))
	for v := range counts {
		keys = append(keys, v)
	}
	slices.Sort(keys)
	for _, v := range keys {
		resp.Verdicts = append(resp.Verdicts, &estampv1.VerdictCount{Verdict: v, Count: counts[v]})
	}
	for _, k := range order {
		resp.Lots = append(resp.Lots, lots[k])
	}
	return resp
}

// GetStampHistory implements estampv1.CustodyServiceServer.
func (s *Service) GetStampHistory(ctx context.Context, req *estampv1.GetStampHistoryRequest) (*estampv1.GetStampHistoryResponse, error) {
	if req.GetSerial() == 0 {
		return nil, ocop.Invalid("serial", "bắt buộc", "required")
	}
	rec, err := s.store.StampOf(ctx, req.GetSerial())
	if err != nil {
		return nil, err
	}
	st, b := rec.State, rec.Batch
	resp := &estampv1.GetStampHistoryResponse{Serial: req.GetSerial(), BatchId: b.Id, ProductId: b.ProductId, ScanCount: st.GetScanCount()}
	add := func(t time.Time, e *estampv1.StampEvent) {
		e.EventTime = timestamppb.New(t)
		resp.Events = append(resp.Events, e)
	}
	add(b.IssueTime.AsTime(), &estampv1.StampEvent{Kind: estampv1.StampEventKind_STAMP_EVENT_KIND_ISSUED})
	for _, r := range st.GetReceipts() {
		add(record.Time(r.FirstUnixNano), &estampv1.StampEvent{Kind: estampv1.StampEventKind_STAMP_EVENT_KIND_RECEIVED, RetailerId: r.RetailerId, Count: r.Count})
	}
	if sold := st.GetSale(); sold != nil {
		add(record.Time(sold.TimeUnixNano), &estampv1.StampEvent{Kind: estampv1.StampEventKind_STAMP_EVENT_KIND_SOLD, RetailerId: sold.RetailerId})
	}
	for _, n := range st.GetEarlyScansUnixNano() {
		add(record.Time(n), &estampv1.StampEvent{Kind: estampv1.StampEventKind_STAMP_EVENT_KIND_SCANNED, Count: 1})
	}
	for _, d := range st.GetDailyScans() {
		add(ocop.DayStart(d.Day), &estampv1.StampEvent{Kind: estampv1.StampEventKind_STAMP_EVENT_KIND_SCANNED_ON_DAY, Count: d.Count})
	}
	if r := st.GetRevocation(); r != nil {
		add(record.Time(r.TimeUnixNano), &estampv1.StampEvent{Kind: estampv1.StampEventKind_STAMP_EVENT_KIND_REVOKED, Reason: r.Reason, Actor: r.Actor})
	}
	if b.Revoked {
		add(b.GetRevokeTime().AsTime(), &estampv1.StampEvent{Kind: estampv1.StampEventKind_STAMP_EVENT_KIND_BATCH_REVOKED, Reason: b.RevocationReason, Actor: b.RevokedBy})
	}
	slices.SortStableFunc(resp.Events, func(a, b *estampv1.StampEvent) int { return a.EventTime.AsTime().Compare(b.EventTime.AsTime()) })
	return resp, nil
}

// Pages of the revocation list.
const (
	// revocationPageSize is its default page size, the largest of any
	// list: every client reads it to the end, entries are small (one per
	// revocation, not per stamp), and each page costs a public client one
	// of its rate-limited calls.
	revocationPageSize = paging.MaxSize
	// maxRevocationPageBytes bounds a page, whatever its entries hold: a
	// MiB of protobuf (about 3 as JSON) is far under the 4 MiB a gRPC
	// client takes by default.
	maxRevocationPageBytes = 1 << 20
)

// ListRevocations implements estampv1.CustodyServiceServer.
//
// A page token holds the version of the last entry returned and the
// version the first page listed up to: every page of one listing stops
// there, so a revocation made meanwhile is not half seen but comes with
// the next sync from that version.
func (s *Service) ListRevocations(ctx context.Context, req *estampv1.ListRevocationsRequest) (*estampv1.ListRevocationsResponse, error) {
	limit, err := paging.SizeOr(req.GetPageSize(), revocationPageSize)
	if err != nil {
		return nil, err
	}
	page := store.RevocationPage{After: req.GetSinceVersion(), Limit: limit, MaxBytes: maxRevocationPageBytes}
	if t := req.GetPageToken(); t != "" {
		ns, err := paging.AfterNumbers(t, 2)
		if err != nil {
			return nil, err
		}
		// A token is made only when entries remain after the last one
		// up to the first page's version.
		if ns[0] >= ns[1] {
			return nil, ocop.Invalid("page_token", "không phải mã trang do trang trước trả về", "not a token returned by a previous page")
		}
		page.After, page.Upto = max(page.After, ns[0]), ns[1]
	}
	version, entries, more, err := s.store.Revocations(ctx, page)
	if err != nil {
		return nil, err
	}
	bases, err := s.store.BatchBaseURLs(ctx)
	if err != nil {
		return nil, err
	}
	next := paging.Next(entries, more, func(last *estampv1.RevocationEntry) string { return paging.NumberToken(last.Version, version) })
	return &estampv1.ListRevocationsResponse{Version: version, Entries: entries, BaseUrl: s.baseURL, BatchBaseUrls: bases, NextPageToken: next}, nil
}
