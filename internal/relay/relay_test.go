package relay

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/store"
	"github.com/ocopvn/estamp/internal/trust"
)

var now = time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)

// key is a key made in the test from one byte of seed.
func key(b byte) ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	seed[0] = b
	return ed25519.NewKeyFromSeed(seed)
}

func pub(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

func idOf(k ed25519.PrivateKey) stampcode.KeyID { return stampcode.KeyIDOf(pub(k)) }

var (
	hanoi, thanhhoa, leaked, old, stranger = key(1), key(2), key(3), key(4), key(5)
	list                                   = &trust.List{Version: 1, Issued: now.Add(-time.Hour), Expires: now.Add(time.Hour), Issuers: []trust.Issuer{
		{ID: "01", Name: "Thành phố Hà Nội", BaseURLs: []string{"HTTPS://TEM.HANOI.EXAMPLE"}, Keys: []trust.Key{
			{ID: idOf(hanoi), Public: pub(hanoi), Status: trust.Active},
			{ID: idOf(leaked), Public: pub(leaked), Status: trust.Compromised},
			{ID: idOf(old), Public: pub(old), Status: trust.Retired, NotAfter: now.Add(-time.Minute)},
		}},
		{ID: "38", Name: "Tỉnh Thanh Hóa", BaseURLs: []string{"HTTPS://TEM.THANHHOA.EXAMPLE"}, GRPCURL: "https://grpc.thanhhoa.example:443",
			Keys: []trust.Key{{ID: idOf(thanhhoa), Public: pub(thanhhoa), Status: trust.Active}}},
	}}
)

func receipt(id uint64) *estampv1.ForeignReceipt {
	return &estampv1.ForeignReceipt{ReceiptId: id, Code: "HTTPS://TEM.THANHHOA.EXAMPLE/V/AAAA", RetailerId: "SHOP-A",
		RetailerName: "Cửa hàng Đặc sản Hà Nội", Commune: "Phường Hoàn Kiếm", Province: "Hà Nội", ReceiveTime: timestamppb.New(now)}
}

func signed(t *testing.T, k ed25519.PrivateKey, r *estampv1.ReceiptReport) *estampv1.ReportReceiptsRequest {
	t.Helper()
	req, err := Sign(r, idOf(k), k)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// A report opens only when a key the trust list gives its sender, in good
// standing, signed exactly the bytes sent, for this province.
func TestOpen(t *testing.T) {
	good := &estampv1.ReceiptReport{FromIssuerId: "01", ToIssuerId: "38", Receipts: []*estampv1.ForeignReceipt{receipt(1)}}
	with := func(edit func(*estampv1.ReceiptReport)) *estampv1.ReceiptReport {
		r := proto.Clone(good).(*estampv1.ReceiptReport)
		edit(r)
		return r
	}
	flipped := signed(t, hanoi, good)
	flipped.Report[len(flipped.Report)-1] ^= 1
	otherKeyID := signed(t, hanoi, good)
	otherKeyID.KeyId = idOf(thanhhoa).String()
	many := with(func(r *estampv1.ReceiptReport) {
		for i := range MaxReceipts {
			r.Receipts = append(r.Receipts, receipt(uint64(i+2)))
		}
	})
	for _, tc := range []struct {
		name  string
		req   *estampv1.ReportReceiptsRequest
		list  *trust.List
		field string // "" for success
	}{
		{"signed by the sender's active key", signed(t, hanoi, good), list, ""},
		{"no trust list", signed(t, hanoi, good), nil, "precondition"},
		{"a flipped byte", flipped, list, "signature"},
		{"signed by a key the list does not know", signed(t, stranger, good), list, "key_id"},
		{"signed by another province's key", signed(t, thanhhoa, good), list, "key_id"},
		{"key id of another key", otherKeyID, list, "key_id"},
		{"a compromised key", signed(t, leaked, good), list, "precondition"},
		{"a key past its not-after", signed(t, old, good), list, "precondition"},
		{"addressed to another province", signed(t, hanoi, with(func(r *estampv1.ReceiptReport) { r.ToIssuerId = "40" })), list, "report.to_issuer_id"},
		{"from a province not on the list", signed(t, hanoi, with(func(r *estampv1.ReceiptReport) { r.FromIssuerId = "40" })), list, "report.from_issuer_id"},
		{"no receipts", signed(t, hanoi, with(func(r *estampv1.ReceiptReport) { r.Receipts = nil })), list, "report.receipts"},
		{"too many receipts", signed(t, hanoi, many), list, "report.receipts"},
		{"receipt without id", signed(t, hanoi, with(func(r *estampv1.ReceiptReport) { r.Receipts[0].ReceiptId = 0 })), list, "report.receipts[0].receipt_id"},
		{"receipt without code", signed(t, hanoi, with(func(r *estampv1.ReceiptReport) { r.Receipts[0].Code = "" })), list, "report.receipts[0].code"},
		{"bad retailer id", signed(t, hanoi, with(func(r *estampv1.ReceiptReport) { r.Receipts[0].RetailerId = "a b" })), list, "report.receipts[0].retailer_id"},
		{"no receive time", signed(t, hanoi, with(func(r *estampv1.ReceiptReport) { r.Receipts[0].ReceiveTime = nil })), list, "report.receipts[0].receive_time"},
		{"not a report", &estampv1.ReportReceiptsRequest{Report: []byte{0xff, 0xff}, KeyId: idOf(hanoi).String()}, list, "report"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Open(tc.req, tc.list, "38", now)
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.field == "":
				if !proto.Equal(r, good) {
					t.Errorf("opened %v, want %v", r, good)
				}
			case err == nil:
				t.Fatal("opened")
			case tc.field == "precondition":
				if !errors.As(err, new(*ocop.PreconditionError)) {
					t.Errorf("refused with %T %v, want a precondition", err, err)
				}
			default:
				var inv *ocop.InvalidError
				if !errors.As(err, &inv) || inv.Field != tc.field {
					t.Errorf("refused with %v, want InvalidArgument on %q", err, tc.field)
				}
			}
		})
	}
}

// fakeOutbox is the store's queue in memory.
type fakeOutbox struct {
	mu sync.Mutex
	q  map[uint64]store.QueuedReceipt
}

func (f *fakeOutbox) QueuedReceipts(_ context.Context, after uint64, limit int) ([]store.QueuedReceipt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []uint64
	for id := range f.q {
		if id > after {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	var out []store.QueuedReceipt
	for _, id := range ids[:min(limit, len(ids))] {
		out = append(out, f.q[id])
	}
	return out, nil
}

func (f *fakeOutbox) QueuedReceiptsOf(_ context.Context, ids []uint64) ([]store.QueuedReceipt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []store.QueuedReceipt
	for _, id := range ids {
		if q, ok := f.q[id]; ok {
			out = append(out, q)
		}
	}
	return out, nil
}

func (f *fakeOutbox) ReceiptsReported(_ context.Context, ids []uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range ids {
		delete(f.q, id)
	}
	return nil
}

// province answers reports as the issuer would, opening each: down
// answers nothing.
type province struct {
	estampv1.CustodyServiceClient
	t       *testing.T
	mu      sync.Mutex
	down    bool
	reports [][]uint64
}

func (p *province) ReportReceipts(_ context.Context, req *estampv1.ReportReceiptsRequest, _ ...grpc.CallOption) (*estampv1.ReportReceiptsResponse, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return nil, errors.New("connection refused")
	}
	r, err := Open(req, list, "38", now)
	if err != nil {
		p.t.Errorf("the province refuses a report the sender made: %v", err)
		return nil, err
	}
	resp := &estampv1.ReportReceiptsResponse{}
	var ids []uint64
	for _, rc := range r.Receipts {
		ids = append(ids, rc.ReceiptId)
		resp.Outcomes = append(resp.Outcomes, &estampv1.ReceiptOutcome{ReceiptId: rc.ReceiptId, Verdict: estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED})
	}
	p.reports = append(p.reports, ids)
	return resp, nil
}

type held struct{ l *trust.List }

func (h held) List() *trust.List { return h.l }

// The sender reports receipts to their province in signed reports of at
// most MaxReceipts, takes answered ones off the queue, and keeps the
// others while the province does not answer, or is not on the list.
func TestSenderReportsUntilAnswered(t *testing.T) {
	box := &fakeOutbox{q: map[uint64]store.QueuedReceipt{}}
	for id := uint64(1); id <= MaxReceipts+5; id++ {
		box.q[id] = store.QueuedReceipt{IssuerID: "38", Receipt: receipt(id)}
	}
	box.q[9999] = store.QueuedReceipt{IssuerID: "40", Receipt: receipt(9999)}
	th := &province{t: t, down: true}
	s := NewSender(box, held{list}, func(is trust.Issuer) bool { return is.ID == "01" },
		func() (stampcode.KeyID, crypto.Signer, bool) { return idOf(hanoi), hanoi, true }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.dial = func(target string) (estampv1.CustodyServiceClient, error) {
		if target != "https://grpc.thanhhoa.example:443" {
			t.Errorf("dialled %q", target)
		}
		return th, nil
	}
	ctx := context.Background()
	if got := s.Report(ctx, []uint64{1, 2}); len(got) != 0 {
		t.Errorf("answers from a province that is down: %v", got)
	}
	if left, err := s.Flush(ctx); err != nil || left != MaxReceipts+6 {
		t.Errorf("flush with the province down: %d left, %v", left, err)
	}
	th.down = false
	got := s.Report(ctx, []uint64{1, 2, 424242})
	if len(got) != 2 || got[1].GetVerdict() != estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED || got[2] == nil {
		t.Errorf("answers: %v", got)
	}
	left, err := s.Flush(ctx)
	if err != nil || left != 1 {
		t.Errorf("flush: %d left, %v; want 1 (the province not on the list)", left, err)
	}
	if _, ok := box.q[9999]; !ok || len(box.q) != 1 {
		t.Errorf("queue after the flush: %d receipts", len(box.q))
	}
	var sizes []int
	for _, r := range th.reports {
		sizes = append(sizes, len(r))
	}
	if !slices.Equal(sizes, []int{2, MaxReceipts, 3}) {
		t.Errorf("reports of %v receipts, want [2 %d 3]", sizes, MaxReceipts)
	}
}
