// Package verify implements VerificationService: it checks a scanned code
// offline (format and signature) and online (issuance records), records the
// scan, and answers with what a consumer or retailer needs to decide.
package verify

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/keys"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/record"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/verdict"
)

// MaxCodeLength bounds the scanned text; real codes are under 200.
const MaxCodeLength = 4096

// Store is what verification reads.
type Store interface {
	Stamp(ctx context.Context, batchID, serial uint64) (*record.Stamp, error)
	// Retailer names a shop that received a stamp: a buyer is shown
	// which shops the goods came through.
	Retailer(ctx context.Context, id string) (*estampv1.Retailer, error)
}

// ScanRecorder records one scan durably.
type ScanRecorder interface {
	Record(ctx context.Context, scan record.Scan) (*record.StampState, error)
}

// KeyRing holds the issuer's public keys.
type KeyRing interface {
	Key(stampcode.KeyID) (*keys.Key, bool)
	State(stampcode.KeyID) keys.State
	All() []*keys.Key
}

// DefaultManyScans is the scan count above which a genuine stamp gets the
// MANY_SCANS warning: one item is rarely scanned more often.
const DefaultManyScans = 5

// Service implements estampv1.VerificationServiceServer.
type Service struct {
	estampv1.UnimplementedVerificationServiceServer
	store   Store
	scans   ScanRecorder
	keys    KeyRing
	checker *verdict.Checker
	// trusted is checker, or, with a trust list, a checker that also
	// knows the other provinces' keys: Verify's, not intake's, which does
	// not yet record custody of other provinces' stamps.
	trusted *verdict.Checker
	// issuers is the trust list trusted checks by, nil without one.
	issuers     verdict.Issuers
	views       *views
	now         func() time.Time
	log         *slog.Logger
	manyScans   uint64
	notRecorded func()
	// inFlight counts the verifications being answered (Busy).
	inFlight atomic.Int64
}

// Busy reports whether verifications are being answered now, those
// waiting for their scan's sync too: they need a core the moment it
// returns, and batch work (intake) leaves them one while they are.
func (s *Service) Busy() bool { return s.inFlight.Load() > 0 }

// SetManyScans sets the MANY_SCANS threshold.
func (s *Service) SetManyScans(n uint64) { s.manyScans = n }

// OnScanNotRecorded sets what to do, besides logging, when a verification
// could not record its scan (e.g. count it in a metric).
func (s *Service) OnScanNotRecorded(f func()) { s.notRecorded = f }

// New returns the service. Codes given as URLs must start with one of
// baseURLs (the current one first, then any earlier ones) or with the base
// URL their batch was issued under.
func New(st Store, scans ScanRecorder, ring KeyRing, baseURLs []string, now func() time.Time, log *slog.Logger) (*Service, error) {
	checker, err := verdict.New(baseURLs, RingKeys{ring})
	if err != nil {
		return nil, err
	}
	v, err := newViews(rand.Reader)
	if err != nil {
		return nil, err
	}
	return &Service{store: st, scans: scans, keys: ring, checker: checker, trusted: checker, views: v, now: now, log: log, manyScans: DefaultManyScans, notRecorded: func() {}}, nil
}

// SetIssuers lets Verify check stamps of the other provinces of the trust
// list that issuers hold, against their keys, and by their revocation
// lists as status last fetched them (nil: by the codes alone).
func (s *Service) SetIssuers(issuers verdict.Issuers, status verdict.ForeignStatus) {
	s.issuers = issuers
	s.trusted = s.checker.WithIssuers(issuers)
	if status != nil {
		s.trusted = s.trusted.WithForeignStatus(status)
	}
}

// Trusted is the checker Verify decides with: Checker, and, once
// SetIssuers was called, the other provinces of the trust list too.
func (s *Service) Trusted() *verdict.Checker { return s.trusted }

// Checker is the verdict checker with the issuer's keys and base URLs, for
// intake, which decides in the same steps.
func (s *Service) Checker() *verdict.Checker { return s.checker }

// RingKeys shows a key ring as verdict keys: the issuer re-signs with its
// private keys rather than verifying.
type RingKeys struct{ Ring KeyRing }

// Key implements verdict.Keys.
func (r RingKeys) Key(id stampcode.KeyID) (verdict.Key, bool) {
	k, ok := r.Ring.Key(id)
	if !ok {
		return verdict.Key{}, false
	}
	st := r.Ring.State(id)
	vk := verdict.Key{Public: k.Public, Compromised: st.Status == estampv1.KeyStatus_KEY_STATUS_COMPROMISED, Reason: st.Reason}
	vk.Private, _ = k.Signer.(ed25519.PrivateKey)
	return vk, true
}

// RecordOf is the stored record of a stamp as the verdict needs it; nil
// for nil.
func RecordOf(rec *record.Stamp) *verdict.Record {
	if rec == nil {
		return nil
	}
	r := &verdict.Record{
		Base:          strings.TrimSuffix(rec.Batch.GetBaseUrl(), stampcode.PathSegment),
		ProductNumber: rec.Product.GetNumber(),
		BatchRevoked:  rec.Batch.GetRevoked(),
		BatchReason:   rec.Batch.GetRevocationReason(),
		Certificate:   rec.Product.GetCertificate(),
	}
	if rv := rec.State.GetRevocation(); rv != nil {
		r.StampRevoked, r.StampReason = true, rv.Reason
	}
	r.NotActivated = rec.NotActivated()
	return r
}

// Caller says where a verification comes from, so that scans are counted
// as people scan.
type Caller struct {
	// Path means the code is the path of an HTTP request to this service
	// (the stamp page): its address is checked as a path.
	Path bool
	// Client identifies a caller without a token: its IP address and
	// User-Agent. Views of one stamp by one client within ViewWindow count
	// as one scan. Empty for token holders, whose every call counts.
	Client string
	// Peek answers without recording a scan: HEAD requests.
	Peek bool
}

type callerKey struct{}

// WithCaller tells Verify who calls.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

func callerOf(ctx context.Context) Caller {
	c, _ := ctx.Value(callerKey{}).(Caller)
	return c
}

// Verify implements estampv1.VerificationServiceServer.
func (s *Service) Verify(ctx context.Context, req *estampv1.VerifyRequest) (*estampv1.VerifyResponse, error) {
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	code := strings.TrimSpace(req.GetCode())
	switch {
	case code == "":
		return nil, ocop.Invalid("code", "bắt buộc: nội dung quét được từ mã QR", "required: the scanned text of the QR code")
	case len(code) > MaxCodeLength:
		return nil, ocop.Invalid("code", "%d byte, tối đa %d", "%d bytes, at most %d", len(code), MaxCodeLength)
	}
	caller := callerOf(ctx)
	form := verdict.Scanned
	if caller.Path {
		form = verdict.Path
	}
	chk := s.trusted.Check(code, form)
	var rec *record.Stamp
	if chk.Signed() {
		var err error
		rec, err = s.store.Stamp(ctx, uint64(chk.Claims.BatchID), chk.Claims.Serial)
		if errors.As(err, new(*ocop.NotFoundError)) {
			rec, err = nil, nil
		}
		if err != nil {
			return nil, err
		}
	}
	now := s.now()
	o := s.trusted.Decide(chk, RecordOf(rec), now)
	if o.IssuerID != "" {
		return foreign(o), nil
	}
	if !issued(o) {
		if rec != nil && o.Verdict == estampv1.Verdict_VERDICT_NOT_ISSUED {
			s.log.Warn("signed stamp disagrees with its batch", "serial", o.Claims.Serial, "batch", o.Claims.BatchID, "claimed_product", o.Claims.ProductNumber, "stored_product", rec.Product.Number)
		}
		r := &estampv1.VerifyResponse{Verdict: o.Verdict, Message: verdict.Sentence(o, ocop.VI), MessageEn: verdict.Sentence(o, ocop.EN)}
		if o.Readable && o.Verdict != estampv1.Verdict_VERDICT_MALFORMED {
			r.Serial, r.KeyId = o.Claims.Serial, o.Claims.KeyID.String()
		}
		return r, nil
	}
	// Shops are read before the scan is recorded: a failed read then
	// leaves no scan behind for a retry to count again. Scans do not
	// change receipts.
	shops, err := s.shops(ctx, rec.State)
	if err != nil {
		return nil, err
	}
	sold, err := s.sold(ctx, rec.State)
	if err != nil {
		return nil, err
	}
	state, recorded, err := s.record(ctx, caller, rec, o.Claims.Serial, now)
	if err != nil {
		return nil, err
	}
	resp := s.details(o, rec, state, shops, now)
	resp.Sold = sold
	if !recorded {
		resp.Warnings = append(resp.Warnings, estampv1.VerifyWarning_VERIFY_WARNING_SCAN_NOT_RECORDED)
	}
	resp.Serial, resp.KeyId = o.Claims.Serial, o.Claims.KeyID.String()
	return resp, nil
}

// foreign is the answer for a stamp of another province: the verdict its
// code and that province's keys support, and who issued it. Its scans and
// shops are that province's records, not this service's.
func foreign(o verdict.Outcome) *estampv1.VerifyResponse {
	r := &estampv1.VerifyResponse{Verdict: o.Verdict, IssuerId: o.IssuerID, IssuerName: o.IssuerName, IssuerPageUrl: o.IssuerPage}
	msg := verdict.ForeignMessage(o)
	if o.Cause == verdict.StampRevoked {
		// Without it a stamp revoked alone reads as its lot recalled
		// (verdict.CauseOf): the province's list gives no time, and a
		// revocation always has a reason.
		r.StampRevocationReason = o.Reason
	}
	if !o.StatusTime.IsZero() {
		r.ForeignStatusTime = timestamppb.New(o.StatusTime)
	}
	r.Message, r.MessageEn = msg.VI, msg.EN
	if o.Readable && o.Verdict != estampv1.Verdict_VERDICT_MALFORMED {
		r.Serial, r.KeyId = o.Claims.Serial, o.Claims.KeyID.String()
	}
	return r
}

// issued reports whether an outcome is about a stamp the issuer issued:
// one whose details are shown and whose scan is recorded.
func issued(o verdict.Outcome) bool {
	switch o.Verdict {
	case estampv1.Verdict_VERDICT_GENUINE, estampv1.Verdict_VERDICT_REVOKED,
		estampv1.Verdict_VERDICT_CERTIFICATE_EXPIRED, estampv1.Verdict_VERDICT_CERTIFICATE_REVOKED:
		return true
	}
	return false
}

// record counts a scan, unless the caller only peeks or viewed the stamp
// moments ago. A scan that cannot be stored (a full disk) does not stop
// the verdict: the answer says it was not recorded (recorded false), and
// the failure is logged and counted.
func (s *Service) record(ctx context.Context, caller Caller, rec *record.Stamp, serial uint64, now time.Time) (st *record.StampState, recorded bool, err error) {
	if caller.Peek || caller.Client != "" && s.views.seen(caller.Client, serial, now) {
		return rec.State, true, nil
	}
	st, err = s.scans.Record(ctx, record.Scan{Serial: serial, Time: now, Read: rec.Read})
	switch {
	case err == nil:
		return st, true, nil
	case ctx.Err() != nil:
		return nil, false, err
	}
	s.log.Warn("scan not recorded; answering with the verdict", "serial", serial, "err", err)
	s.notRecorded()
	return rec.State, false, nil
}

// warnings are the signs that a stamp was copied.
func (s *Service) warnings(st *record.StampState) []estampv1.VerifyWarning {
	var w []estampv1.VerifyWarning
	if st.GetScanCount() > s.manyScans {
		w = append(w, estampv1.VerifyWarning_VERIFY_WARNING_MANY_SCANS)
	}
	if len(st.GetReceipts()) > 1 {
		w = append(w, estampv1.VerifyWarning_VERIFY_WARNING_SEVERAL_RETAILERS)
	}
	return w
}

// details builds the answer for an issued stamp: the verdict told in words,
// the warnings, and what the public sees of its records.
func (s *Service) details(o verdict.Outcome, rec *record.Stamp, st *record.StampState, shops []*estampv1.PublicReceipt, now time.Time) *estampv1.VerifyResponse {
	r := &estampv1.VerifyResponse{Verdict: o.Verdict}
	warnings := s.warnings(st)
	msg := verdict.Message(o, verdict.Scans{Count: st.GetScanCount(), First: record.Time(st.GetFirstScanUnixNano()), Shops: len(st.GetReceipts())}, warnings)
	r.Message, r.MessageEn = msg.VI, msg.EN
	r.Warnings = warnings
	public(r, rec, st, now)
	r.ReceivedBy = shops
	return r
}

// shops are the shops that received a stamp as a buyer sees them, the
// first first. A shop the registry no longer has goes unnamed rather than
// failing the verdict.
func (s *Service) shops(ctx context.Context, st *record.StampState) ([]*estampv1.PublicReceipt, error) {
	if len(st.GetReceipts()) == 0 {
		// Most stamps scanned have reached no shop yet; sorting nothing
		// still cost allocations on every scan.
		return nil, nil
	}
	receipts := slices.SortedStableFunc(slices.Values(st.GetReceipts()), func(a, b *record.Receipt) int {
		return cmp.Compare(a.GetFirstUnixNano(), b.GetFirstUnixNano())
	})
	var out []*estampv1.PublicReceipt
	for _, rc := range receipts {
		shop, err := s.store.Retailer(ctx, rc.GetRetailerId())
		switch {
		case errors.As(err, new(*ocop.NotFoundError)):
			continue
		case err != nil:
			return nil, err
		}
		out = append(out, receipt(shop, rc))
	}
	return out, nil
}

// sold is the stamp's sale as a buyer sees it, nil when unsold, read as
// shops are: a shop the registry no longer has goes unnamed, but the sale
// is still told.
func (s *Service) sold(ctx context.Context, st *record.StampState) (*estampv1.PublicSale, error) {
	sl := st.GetSale()
	if sl == nil {
		return nil, nil
	}
	shop, err := s.store.Retailer(ctx, sl.GetRetailerId())
	if err != nil && !errors.As(err, new(*ocop.NotFoundError)) {
		return nil, err
	}
	return sale(shop, sl), nil
}

// ListIssuerKeys implements estampv1.VerificationServiceServer.
func (s *Service) ListIssuerKeys(context.Context, *estampv1.ListIssuerKeysRequest) (*estampv1.ListIssuerKeysResponse, error) {
	resp := &estampv1.ListIssuerKeysResponse{}
	all := s.keys.All()
	for i, k := range all {
		der, err := x509.MarshalPKIXPublicKey(k.Public)
		if err != nil {
			return nil, err
		}
		ik := &estampv1.IssuerKey{
			KeyId:         k.ID.String(),
			Algorithm:     "Ed25519",
			PublicKey:     append([]byte(nil), k.Public...),
			PublicKeyPem:  string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})),
			NotBeforeTime: timestamppb.New(k.Created),
		}
		st := s.keys.State(k.ID)
		ik.Status, ik.Active = st.Status, st.Status == estampv1.KeyStatus_KEY_STATUS_ACTIVE
		switch {
		case !st.Since.IsZero() && !ik.Active:
			ik.NotAfterTime = timestamppb.New(st.Since)
		case i > 0 && !ik.Active:
			// A key without a recorded retirement stopped signing when
			// the next one was created.
			ik.NotAfterTime = timestamppb.New(all[i-1].Created)
		}
		if st.Status == estampv1.KeyStatus_KEY_STATUS_COMPROMISED {
			ik.CompromiseReason = st.Reason
		}
		resp.Keys = append(resp.Keys, ik)
	}
	// Active first, as documented, even when keys share a creation second.
	sort.SliceStable(resp.Keys, func(i, j int) bool { return resp.Keys[i].Active && !resp.Keys[j].Active })
	return resp, nil
}
