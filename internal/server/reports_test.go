package server_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/keys"
	"github.com/ocopvn/estamp/internal/relay"
	"github.com/ocopvn/estamp/internal/server"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/trust"
)

// reporting is province A (01, Hà Nội) reporting to province B (38, Thanh
// Hóa) the receipts of B's stamps at A's shops, both on one trust list
// (provinces). B has a shop of its own, CH-TH-1, and stamps to report.
type reporting struct {
	a, b       *env
	keyA, keyB *keys.Key
	// public calls B without a token, as another province does.
	public  clients
	path    string
	anchors []ed25519.PublicKey
	stamps  []*estampv1.Stamp
}

func startReporting(t *testing.T) *reporting {
	t.Helper()
	r := &reporting{keyA: testKey(t, "issuer-test-key.pem"), keyB: testKey(t, "other-test-key.pem")}
	r.anchors = testAnchors(t)
	r.path = filepath.Join(t.TempDir(), "trust-list.json")
	if err := os.WriteFile(r.path, provinces(t, 1, r.keyA, r.keyB, trust.Active, ""), 0o600); err != nil {
		t.Fatal(err)
	}
	withList := func(c *server.Config) { c.TrustList, c.TrustAnchors = r.path, r.anchors }
	r.a = startAt(t, t.TempDir(), "http://localhost:8080", 0, withList)
	r.b = startAt(t, t.TempDir(), "http://tem.thanhhoa.example:8080", 0, withList, func(c *server.Config) { c.Ring = keys.NewRing(r.keyB) })
	r.b.seedRegistry(t)
	r.b.retailer(t, "CH-TH-1")
	r.stamps = r.b.issue(t, "NEM-CHUA", 8, "req-b").Stamps
	r.public = r.b.dial(t, "")
	return r
}

// relist has B take a newer trust list: provinces' at version, as change
// leaves it.
func (r *reporting) relist(t *testing.T, version uint64, change func(*trust.List)) {
	t.Helper()
	if err := os.WriteFile(r.path, provincesChanged(t, version, r.keyA, r.keyB, change), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := r.b.srv.Trust.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A's shops, as A reports them.
var hanoiShops = map[string][2]string{
	"CH-HN-1": {"Cửa hàng OCOP Hoàn Kiếm", "Phường Hoàn Kiếm"},
	"CH-HN-2": {"Cửa hàng OCOP Cầu Giấy", "Phường Cầu Giấy"},
}

// atHanoi is the receipt id of a stamp's code at one of A's shops.
func atHanoi(id uint64, code, shop string, at time.Time) *estampv1.ForeignReceipt {
	return &estampv1.ForeignReceipt{ReceiptId: id, Code: code, RetailerId: shop, RetailerName: hanoiShops[shop][0],
		Commune: hanoiShops[shop][1], Province: "Hà Nội", ReceiveTime: timestamppb.New(at)}
}

// signed is a report of A's receipts to B, signed by key.
func signed(t *testing.T, key *keys.Key, report *estampv1.ReceiptReport) *estampv1.ReportReceiptsRequest {
	t.Helper()
	req, err := relay.Sign(report, key.ID, key.Signer)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// fromA is A's report of receipts to B, signed by A's key.
func (r *reporting) fromA(t *testing.T, receipts ...*estampv1.ForeignReceipt) *estampv1.ReportReceiptsRequest {
	return signed(t, r.keyA, &estampv1.ReceiptReport{FromIssuerId: "01", ToIssuerId: "38", Receipts: receipts})
}

// send sends a report to B and returns its verdicts, failing on an error.
func (r *reporting) send(t *testing.T, req *estampv1.ReportReceiptsRequest) []*estampv1.ReceiptOutcome {
	t.Helper()
	resp, err := r.public.Custody.ReportReceipts(context.Background(), req)
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	if len(resp.Outcomes) != len(mustOpen(t, req).Receipts) {
		t.Fatalf("%d outcomes for %d receipts", len(resp.Outcomes), len(mustOpen(t, req).Receipts))
	}
	return resp.Outcomes
}

func mustOpen(t *testing.T, req *estampv1.ReportReceiptsRequest) *estampv1.ReceiptReport {
	t.Helper()
	var rep estampv1.ReceiptReport
	if err := proto.Unmarshal(req.Report, &rep); err != nil {
		t.Fatal(err)
	}
	return &rep
}

// receipts are the shops of a stamp's history at B and their counts.
func receipts(t *testing.T, e *env, serial uint64) map[string]uint32 {
	t.Helper()
	h, err := e.Custody.GetStampHistory(context.Background(), &estampv1.GetStampHistoryRequest{Serial: serial})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]uint32{}
	for _, ev := range h.Events {
		if ev.Kind == estampv1.StampEventKind_STAMP_EVENT_KIND_RECEIVED {
			out[ev.RetailerId] = ev.Count
		}
	}
	return out
}

// reportEntries are B's audit entries of reports.
func reportEntries(t *testing.T, e *env) []*estampv1.AuditEntry {
	t.Helper()
	resp, err := e.Admin.ListAuditEntries(context.Background(), &estampv1.ListAuditEntriesRequest{PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []*estampv1.AuditEntry
	for _, en := range resp.Entries {
		if en.Action == "receipts.report" {
			out = append(out, en)
		}
	}
	return out
}

// outcome is what the tests compare of an answer.
func outcome(o *estampv1.ReceiptOutcome) string {
	s := fmt.Sprintf("%d %s", o.ReceiptId, strings.TrimPrefix(o.Verdict.String(), "INTAKE_VERDICT_"))
	if o.OtherRetailerName != "" || o.OtherIssuerId != "" || o.OtherTime != nil {
		s += fmt.Sprintf(" other %q of %q at %s", o.OtherRetailerName, o.OtherIssuerId, o.OtherTime.AsTime().Format(time.TimeOnly))
	}
	return s
}

// Receipts across provinces, end to end: B records what A reports under
// the custody rule of its own intake, answers a report sent again as the
// first time without counting it twice, and its own shop's intake, its
// answers to A and its stamp page see A's shops.
func TestReportReceiptsAcrossProvinces(t *testing.T) {
	r := startReporting(t)
	ctx := context.Background()
	s := r.stamps
	t1 := r.b.clock.Now().Add(-2 * time.Hour) // when A's shops took the goods in
	t2 := t1.Add(30 * time.Minute)

	// B's shop takes s[2] in before A reports it.
	thIntake := r.b.clock.Now()
	if got := r.b.receive(t, "CH-TH-1", s[2].Code).Items[0].Verdict; got != estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED {
		t.Fatalf("B's own intake of s[2]: %v", got)
	}

	first := r.fromA(t, atHanoi(1, s[0].Code, "CH-HN-1", t1))
	steps := []struct {
		name string
		req  *estampv1.ReportReceiptsRequest
		want []string
	}{
		{"a stamp no shop had", first, []string{"1 ACCEPTED"}},
		{"the same report again", first, []string{"1 ACCEPTED"}},
		{"the same receipt id in a new report", r.fromA(t, atHanoi(1, s[0].Code, "CH-HN-1", t1)), []string{"1 ACCEPTED"}},
		{"another stamp at A's first shop, then at its second", r.fromA(t, atHanoi(2, s[1].Code, "CH-HN-1", t1), atHanoi(3, s[1].Code, "CH-HN-2", t2)),
			[]string{"2 ACCEPTED", fmt.Sprintf("3 SUSPECTED_COPY other %q of %q at %s", "Cửa hàng OCOP Hoàn Kiếm", "01", t1.Format(time.TimeOnly))}},
		{"a stamp B's own shop had", r.fromA(t, atHanoi(4, s[2].Code, "CH-HN-1", t1)),
			[]string{fmt.Sprintf("4 SUSPECTED_COPY other %q of %q at %s", "Cửa hàng CH-TH-1", "", thIntake.Format(time.TimeOnly))}},
		{"a shop of A taking a stamp in twice", r.fromA(t, atHanoi(5, s[3].Code, "CH-HN-2", t1), atHanoi(6, s[3].Code, "CH-HN-2", t2)),
			[]string{"5 ACCEPTED", "6 ALREADY_RECEIVED"}},
		{"a later report of the same stamp by A's other shop", r.fromA(t, atHanoi(7, s[0].Code, "CH-HN-2", t2)),
			[]string{fmt.Sprintf("7 SUSPECTED_COPY other %q of %q at %s", "Cửa hàng OCOP Hoàn Kiếm", "01", t1.Format(time.TimeOnly))}},
	}
	for _, st := range steps {
		var got []string
		for _, o := range r.send(t, st.req) {
			got = append(got, outcome(o))
		}
		if strings.Join(got, "\n") != strings.Join(st.want, "\n") {
			t.Errorf("%s:\n got %q\nwant %q", st.name, got, st.want)
		}
	}

	for _, tt := range []struct {
		serial uint64
		want   map[string]uint32
	}{
		{s[0].Serial, map[string]uint32{"01:CH-HN-1": 1, "01:CH-HN-2": 1}},
		{s[1].Serial, map[string]uint32{"01:CH-HN-1": 1, "01:CH-HN-2": 1}},
		{s[2].Serial, map[string]uint32{"CH-TH-1": 1, "01:CH-HN-1": 1}},
		{s[3].Serial, map[string]uint32{"01:CH-HN-2": 2}},
	} {
		if got := receipts(t, r.b, tt.serial); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("receipts of serial %d at B: %v, want %v", tt.serial, got, tt.want)
		}
	}
	entries := reportEntries(t, r.b)
	// Of the seven reports, the second and third recorded nothing new.
	if len(entries) != 5 {
		t.Errorf("%d audit entries of reports, want 5: one per report that recorded something", len(entries))
	}
	for _, en := range entries {
		if en.Actor != "issuer 01" || en.Target != "01" || en.Detail == "" {
			t.Errorf("audit entry of a report: %v", en)
		}
		for _, secret := range []string{r.keyA.ID.String(), "signature"} {
			if strings.Contains(en.String(), secret) {
				t.Errorf("audit entry of a report holds %q: %v", secret, en)
			}
		}
	}

	// The stamp A's shops had, now at B's own shop: a suspected copy that
	// names the last of A's shops and A.
	it := r.b.receive(t, "CH-TH-1", s[0].Code).Items[0]
	if it.Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY || it.OtherRetailerName != "Cửa hàng OCOP Cầu Giấy" || it.OtherIssuerId != "01" ||
		!it.GetOtherReceiveTime().AsTime().Equal(t2) {
		t.Errorf("B's shop taking in a stamp A's shops had: %v", it)
	}
	if got := reportEntries(t, r.b); len(got) != len(entries) {
		t.Errorf("B's own intake wrote %d audit entries of reports", len(got)-len(entries))
	}

	v := r.b.verify(t, s[3].Code)
	if len(v.ReceivedBy) != 1 || v.ReceivedBy[0].RetailerName != "Cửa hàng OCOP Cầu Giấy" || v.ReceivedBy[0].Commune != "Phường Cầu Giấy" ||
		v.ReceivedBy[0].Province != "Hà Nội" || !v.ReceivedBy[0].ReceiveTime.AsTime().Equal(t1) {
		t.Errorf("received_by of a stamp one shop of A had: %v", v.ReceivedBy)
	}
	v = r.b.verify(t, s[2].Code)
	var shops []string
	for _, p := range v.ReceivedBy {
		shops = append(shops, p.RetailerName+", "+p.Commune)
	}
	if want := []string{"Cửa hàng OCOP Hoàn Kiếm, Phường Hoàn Kiếm", "Cửa hàng CH-TH-1, Phường Hạc Thành"}; fmt.Sprint(shops) != fmt.Sprint(want) {
		t.Errorf("received_by of a stamp at shops of both provinces: %q, want %q", shops, want)
	}
	hs := httptest.NewServer(r.b.srv.HTTP)
	defer hs.Close()
	resp, err := http.Get(hs.URL + "/V/" + s[2].Code[strings.LastIndex(s[2].Code, "/")+1:])
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"Cửa hàng OCOP Hoàn Kiếm", "Phường Hoàn Kiếm, Hà Nội"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("B's stamp page lacks %q", want)
		}
	}
	// The product's traceability export has the receipts at A's shops.
	if doc := r.b.exportEvents(t, &estampv1.ExportEventsRequest{ProductId: "NEM-CHUA"}); !bytes.Contains(doc, []byte("/epcis/loc/retailer/01:CH-HN-2")) {
		t.Errorf("the EPCIS export lacks A's shop:\n%s", doc)
	}
	flags, err := r.b.Insight.ListFlags(ctx, &estampv1.ListFlagsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	flagged := map[uint64]string{}
	for _, f := range flags.Flags {
		flagged[f.Serial] = strings.Join(f.RetailerIds, " ")
	}
	// Shops in the order they took the stamp in.
	if flagged[s[0].Serial] != "01:CH-HN-1 01:CH-HN-2 CH-TH-1" || flagged[s[1].Serial] != "01:CH-HN-1 01:CH-HN-2" ||
		flagged[s[2].Serial] != "01:CH-HN-1 CH-TH-1" || flagged[s[3].Serial] != "" {
		t.Errorf("flags at B: %v", flagged)
	}
}

// Codes that are not B's own genuine stamps get the verdict intake gives
// them, and nothing is recorded of them: a report sent again is judged
// again, the same.
func TestReportedCodesThatAreNotBsStamps(t *testing.T) {
	r := startReporting(t)
	ctx := context.Background()
	t1 := r.b.clock.Now().Add(-time.Hour)
	good := r.stamps[0]
	tok, err := stampcode.Parse(good.Code)
	if err != nil {
		t.Fatal(err)
	}
	unissued := tok.Claims
	unissued.BatchID = 999
	notIssued, err := r.keyB.Issuer.Sign(tok.Prefix, unissued)
	if err != nil {
		t.Fatal(err)
	}
	// A third province's stamp, under its own address and key.
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hcm, err := stampcode.NewIssuer(priv)
	if err != nil {
		t.Fatal(err)
	}
	r.relist(t, 2, func(l *trust.List) {
		l.Issuers = append(l.Issuers, trust.Issuer{ID: "79", Name: "Thành phố Hồ Chí Minh", BaseURLs: []string{"HTTP://TEM.HCM.EXAMPLE"},
			Keys:    []trust.Key{{ID: hcm.KeyID(), Public: priv.Public().(ed25519.PublicKey), Status: trust.Active}},
			KeysURL: "http://tem.hcm.example/.well-known/estamp-keys.json", RevocationsURL: "http://tem.hcm.example/.well-known/estamp-revocations.json"})
	})
	third, err := hcm.Sign("HTTP://TEM.HCM.EXAMPLE/V/", tok.Claims)
	if err != nil {
		t.Fatal(err)
	}
	r.a.seedRegistry(t)
	ofA := r.a.issue(t, "NEM-CHUA", 1, "req-a").Stamps[0]
	revoked := r.stamps[1]
	if _, err := r.b.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: someStamps(revoked.Serial), Reason: "Tem bị mất"}); err != nil {
		t.Fatal(err)
	}
	token := good.Code[strings.LastIndex(good.Code, "/")+1:]

	tests := []struct {
		name, code string
		want       estampv1.IntakeVerdict
	}{
		{"signed by B, never issued", notIssued, estampv1.IntakeVerdict_INTAKE_VERDICT_NOT_ISSUED},
		{"a third province's stamp", third, estampv1.IntakeVerdict_INTAKE_VERDICT_MALFORMED},
		{"a stamp of A itself", ofA.Code, estampv1.IntakeVerdict_INTAKE_VERDICT_MALFORMED},
		{"B's stamp altered", "HTTP://TEM.THANHHOA.EXAMPLE:8080/V/" + nonCanonicalFlip(token), estampv1.IntakeVerdict_INTAKE_VERDICT_BAD_SIGNATURE},
		{"revoked by B", revoked.Code, estampv1.IntakeVerdict_INTAKE_VERDICT_REVOKED},
		{"not a code", "Xin chào", estampv1.IntakeVerdict_INTAKE_VERDICT_MALFORMED},
		{"blank", "   ", estampv1.IntakeVerdict_INTAKE_VERDICT_MALFORMED},
	}
	var list []*estampv1.ForeignReceipt
	for i, tt := range tests {
		list = append(list, atHanoi(uint64(100+i), tt.code, "CH-HN-1", t1))
	}
	req := r.fromA(t, list...)
	for round := range 2 {
		for i, o := range r.send(t, req) {
			if o.ReceiptId != uint64(100+i) || o.Verdict != tests[i].want || o.OtherRetailerName != "" || o.OtherTime != nil {
				t.Errorf("round %d, %s: %v, want %v", round, tests[i].name, o, tests[i].want)
			}
		}
	}
	for _, st := range []*estampv1.Stamp{good, revoked} {
		if got := receipts(t, r.b, st.Serial); len(got) != 0 {
			t.Errorf("serial %d: receipts recorded: %v", st.Serial, got)
		}
	}
	if got := reportEntries(t, r.b); len(got) != 0 {
		t.Errorf("a report that recorded nothing is in the audit log: %v", got)
	}
	// The shop was never named to B: its receipts were all refused.
	if v := r.b.verify(t, good.Code); len(v.ReceivedBy) != 0 {
		t.Errorf("received_by: %v", v.ReceivedBy)
	}
}

// A report that does not come, as it says, from another province of the
// trust list to B is refused whole, and nothing of it is recorded.
func TestReportReceiptsRefusals(t *testing.T) {
	r := startReporting(t)
	ctx := context.Background()
	code := r.stamps[0].Code
	receipt := func() *estampv1.ForeignReceipt {
		return atHanoi(1, code, "CH-HN-1", r.b.clock.Now().Add(-time.Hour))
	}
	report := func(from, to string, n int) *estampv1.ReceiptReport {
		rep := &estampv1.ReceiptReport{FromIssuerId: from, ToIssuerId: to}
		for i := range n {
			rc := receipt()
			rc.ReceiptId = uint64(i + 1)
			rep.Receipts = append(rep.Receipts, rc)
		}
		return rep
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	unlisted := &keys.Key{ID: stampcode.KeyIDOf(priv.Public().(ed25519.PublicKey)), Public: priv.Public().(ed25519.PublicKey), Signer: priv}
	tampered := func(req *estampv1.ReportReceiptsRequest) *estampv1.ReportReceiptsRequest {
		i := bytes.Index(req.Report, []byte("CH-HN-1"))
		req.Report[i+6] = '2' // another shop: still a report, not the one signed
		return req
	}
	badSignature := r.fromA(t, receipt())
	badSignature.Signature[0] ^= 1
	noList := startAt(t, t.TempDir(), "http://tem.thanhhoa.example:8080", 0, func(c *server.Config) { c.Ring = keys.NewRing(r.keyB) })

	tests := []struct {
		name    string
		env     *env
		before  func(t *testing.T)
		req     *estampv1.ReportReceiptsRequest
		code    codes.Code
		mention string
	}{
		{name: "signed by a key not on the list", req: signed(t, unlisted, report("01", "38", 1)), code: codes.InvalidArgument, mention: "key_id"},
		{name: "signed by B's key as if from A", req: signed(t, r.keyB, report("01", "38", 1)), code: codes.InvalidArgument, mention: "key_id"},
		{name: "from a province not on the list", req: signed(t, r.keyA, report("79", "38", 1)), code: codes.InvalidArgument, mention: "from_issuer_id"},
		{name: "bytes changed after signing", req: tampered(r.fromA(t, receipt())), code: codes.InvalidArgument, mention: "signature"},
		{name: "signature changed", req: badSignature, code: codes.InvalidArgument, mention: "signature"},
		{name: "addressed to A itself", req: signed(t, r.keyA, report("01", "01", 1)), code: codes.InvalidArgument, mention: "to_issuer_id"},
		{name: "addressed to a third province", req: signed(t, r.keyA, report("01", "79", 1)), code: codes.InvalidArgument, mention: "to_issuer_id"},
		{name: "from B to itself", req: signed(t, r.keyB, report("38", "38", 1)), code: codes.InvalidArgument, mention: "from_issuer_id"},
		{name: "no receipts", req: signed(t, r.keyA, report("01", "38", 0)), code: codes.InvalidArgument, mention: "receipts"},
		{name: "more than 1000 receipts", req: signed(t, r.keyA, report("01", "38", relay.MaxReceipts+1)), code: codes.InvalidArgument, mention: "receipts"},
		{name: "at a province without a trust list", env: noList, req: r.fromA(t, receipt()), code: codes.FailedPrecondition, mention: "trust list"},
		{name: "signed by a key A's province marked compromised", before: func(t *testing.T) {
			r.relist(t, 2, func(l *trust.List) { l.Issuers[0].Keys[0].Status = trust.Compromised })
		}, req: r.fromA(t, receipt()), code: codes.FailedPrecondition, mention: "compromised"},
		{name: "signed by a key past its not_after", before: func(t *testing.T) {
			r.relist(t, 3, func(l *trust.List) {
				l.Issuers[0].Keys[0].NotAfter = r.b.clock.Now().Add(-time.Minute).Truncate(time.Second)
			})
		}, req: r.fromA(t, receipt()), code: codes.FailedPrecondition, mention: "no longer trusted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.before != nil {
				tt.before(t)
			}
			e := r.b
			if tt.env != nil {
				e = tt.env
			}
			_, err := e.dial(t, "").Custody.ReportReceipts(ctx, tt.req)
			if status.Code(err) != tt.code || !strings.Contains(status.Convert(err).Message(), tt.mention) {
				t.Errorf("error = %v, want %v mentioning %q", err, tt.code, tt.mention)
			}
			if got := receipts(t, r.b, r.stamps[0].Serial); len(got) != 0 {
				t.Errorf("receipts recorded: %v", got)
			}
			if got := reportEntries(t, e); len(got) != 0 {
				t.Errorf("audit entries: %v", got)
			}
		})
	}
}
