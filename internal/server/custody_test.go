package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/paging"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/web"
)

func (e *env) retailer(t testing.TB, id string) {
	t.Helper()
	_, err := e.Registry.CreateRetailer(context.Background(), &estampv1.CreateRetailerRequest{Retailer: &estampv1.Retailer{
		Id: id, Name: "Cửa hàng " + id, Address: &estampv1.Address{Province: "Thanh Hóa", Commune: "Phường Hạc Thành"},
	}})
	if err != nil {
		t.Fatal(err)
	}
}

func (e *env) receive(t testing.TB, retailer string, codes ...string) *estampv1.ReceiveDeliveryResponse {
	t.Helper()
	resp, err := e.Custody.ReceiveDelivery(context.Background(), &estampv1.ReceiveDeliveryRequest{RetailerId: retailer, Codes: codes})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestDeliveryIntake(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	e.retailer(t, "SHOP-A")
	e.retailer(t, "SHOP-B")
	good := e.issue(t, "NEM-CHUA", 5, "g").Stamps
	five := e.issue(t, "NEM-CHUA-5S", 2, "f").Stamps
	recalled := e.issue(t, "NEM-CHUA", 2, "r").Stamps
	if _, err := e.Issuance.RevokeStamps(context.Background(), &estampv1.RevokeStampsRequest{Target: wholeBatch(3), Reason: "Thu hồi lô do lỗi bao bì", Actor: "HTX-NEM-CHUA"}); err != nil {
		t.Fatal(err)
	}
	tok, _ := stampcode.Parse(good[0].Code)
	foreign, _ := testKey(t, "other-test-key.pem").Issuer.Sign(tok.Prefix, tok.Claims)
	tampered := good[4].Code[:100] + string("AB"[boolInt(good[4].Code[100] == 'A')]) + good[4].Code[101:]

	// Certificate of the 5★ product expires before delivery.
	e.clock.Set(time.Date(2028, 9, 2, 3, 0, 0, 0, time.UTC))
	_, err := e.Registry.UpdateCertification(context.Background(), &estampv1.UpdateCertificationRequest{ProductId: "NEM-CHUA",
		Change: &estampv1.UpdateCertificationRequest_Renewal{Renewal: &estampv1.Renewal{StarGrade: 4,
			Certificate: &estampv1.Certificate{DecisionNumber: "2/QĐ-UBND", DecisionDate: "2028-08-01"}}}})
	if err != nil {
		t.Fatal(err)
	}

	scanner := []string{
		good[0].Code,                         // genuine
		"  " + strings.ToLower(good[1].Code), // lower case with stray spaces
		good[2].Code[strings.LastIndex(good[2].Code, "/")+1:] + "\r", // bare token
		"",           // blank line: skipped
		good[0].Code, // twice in this delivery
		tampered,
		recalled[0].Code,
		five[0].Code,
		foreign,
		"https://example.com/khuyen-mai",
	}
	resp := e.receive(t, "SHOP-A", scanner...)
	want := []estampv1.IntakeVerdict{
		estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED,
		estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED,
		estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED,
		estampv1.IntakeVerdict_INTAKE_VERDICT_DUPLICATE_IN_DELIVERY,
		estampv1.IntakeVerdict_INTAKE_VERDICT_BAD_SIGNATURE,
		estampv1.IntakeVerdict_INTAKE_VERDICT_REVOKED,
		estampv1.IntakeVerdict_INTAKE_VERDICT_CERTIFICATE_EXPIRED,
		estampv1.IntakeVerdict_INTAKE_VERDICT_UNKNOWN_KEY,
		estampv1.IntakeVerdict_INTAKE_VERDICT_MALFORMED,
	}
	if len(resp.Items) != len(want) {
		t.Fatalf("%d items, want %d", len(resp.Items), len(want))
	}
	for i, it := range resp.Items {
		if it.Verdict != want[i] {
			t.Errorf("line %d (%q): %v, want %v", it.Line, it.Code, it.Verdict, want[i])
		}
	}
	if it := resp.Items[5]; it.RevocationReason != "Thu hồi lô do lỗi bao bì" || it.Lot != "L-2026-11" {
		t.Errorf("recalled item = %v", it)
	}
	if resp.AllGenuine {
		t.Error("all_genuine for a delivery with problems")
	}
	counts := map[estampv1.IntakeVerdict]uint32{}
	for _, c := range resp.Verdicts {
		counts[c.Verdict] = c.Count
	}
	if counts[estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED] != 3 || counts[estampv1.IntakeVerdict_INTAKE_VERDICT_MALFORMED] != 1 || len(counts) != 7 {
		t.Errorf("summary = %v", resp.Verdicts)
	}
	lots := fmt.Sprint(resp.Lots)
	if len(resp.Lots) != 2 || resp.Lots[0].ProductId != "NEM-CHUA" || resp.Lots[0].Scanned != 4 || resp.Lots[0].Accepted != 3 {
		t.Errorf("lots = %s", lots)
	}

	// The same genuine stamp at another shop: one label is a copy.
	second := e.receive(t, "SHOP-B", good[0].Code, good[3].Code)
	if second.Items[0].Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY || second.Items[0].OtherRetailerId != "SHOP-A" {
		t.Errorf("second shop: %v", second.Items[0])
	}
	if second.Items[1].Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED {
		t.Errorf("fresh stamp at second shop: %v", second.Items[1].Verdict)
	}
	// The first shop scanning again is a re-scan, not a copy.
	again := e.receive(t, "SHOP-A", good[1].Code)
	if again.Items[0].Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_ALREADY_RECEIVED || !again.AllGenuine {
		t.Errorf("re-scan: %v", again.Items[0].Verdict)
	}
	// A consumer scanning the copied stamp is warned.
	if v := e.verify(t, good[0].Code); v.Verdict != estampv1.Verdict_VERDICT_GENUINE || len(v.Warnings) != 1 || v.Warnings[0] != estampv1.VerifyWarning_VERIFY_WARNING_SEVERAL_RETAILERS {
		t.Errorf("consumer scan of a copied stamp: %v %v", v.Verdict, v.Warnings)
	}

	// Its history: issued, received twice, scanned.
	h, err := e.Custody.GetStampHistory(context.Background(), &estampv1.GetStampHistoryRequest{Serial: good[0].Serial})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, ev := range h.Events {
		kinds = append(kinds, strings.TrimPrefix(ev.Kind.String(), "STAMP_EVENT_KIND_")+ev.RetailerId)
	}
	if got := strings.Join(kinds, " "); got != "ISSUED RECEIVEDSHOP-A RECEIVEDSHOP-B SCANNED" {
		t.Errorf("history = %s", got)
	}

	_, err = e.Custody.ReceiveDelivery(context.Background(), &estampv1.ReceiveDeliveryRequest{RetailerId: "NOBODY", Codes: []string{good[0].Code}})
	wantCode(t, err, codes.NotFound, "NOBODY")
	_, err = e.Custody.ReceiveDelivery(context.Background(), &estampv1.ReceiveDeliveryRequest{RetailerId: "SHOP-A", Codes: make([]string, 10_001)})
	wantCode(t, err, codes.InvalidArgument, "codes")
}

func TestRecallAndRevocationList(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	lot := e.issue(t, "NEM-CHUA", 3, "lot").Stamps
	other := e.issue(t, "NEM-CHUA", 3, "other").Stamps
	ctx := context.Background()

	// The registry's one revoked certificate is on the list already, for
	// offline verifiers; no stamp is.
	list, err := e.Custody.ListRevocations(ctx, &estampv1.ListRevocationsRequest{})
	if err != nil || list.Version != 1 || len(list.Entries) != 1 || list.Entries[0].Certificate.GetProductId() != "NEM-CHUA-THU-HOI" || !list.Entries[0].Certificate.GetRevoked() {
		t.Fatalf("list before any stamp revocation = %v, %v", list, err)
	}
	if list.BaseUrl != "HTTP://LOCALHOST:8080" || len(list.BatchBaseUrls) != 1 || list.BatchBaseUrls[0].FirstBatchId != 1 || list.BatchBaseUrls[0].BaseUrl != "HTTP://LOCALHOST:8080" {
		t.Errorf("addresses = %q %v", list.BaseUrl, list.BatchBaseUrls)
	}
	r1, err := e.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: wholeBatch(1), Reason: "Thu hồi lô: nhiễm khuẩn", Actor: "Chi cục QLCL"})
	if err != nil || r1.RevokedCount != 3 || r1.RevocationVersion != 2 {
		t.Fatalf("recall = %v, %v", r1, err)
	}
	again, err := e.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: wholeBatch(1), Reason: "lần nữa", Actor: "Chi cục QLCL"})
	if err != nil || again.RevokedCount != 0 || again.RevocationVersion != 2 {
		t.Errorf("second recall is not idempotent: %v, %v", again, err)
	}
	r2, err := e.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: someStamps(other[1].Serial), Reason: "Tem bị mất cắp", Actor: "HTX"})
	if err != nil || r2.RevokedCount != 1 || r2.RevocationVersion != 3 {
		t.Fatalf("single stamp = %v, %v", r2, err)
	}

	v := e.verify(t, lot[2].Code)
	if v.Verdict != estampv1.Verdict_VERDICT_REVOKED || !strings.Contains(v.Message, "nhiễm khuẩn") || v.Batch.GetRevocationReason() != "Thu hồi lô: nhiễm khuẩn" {
		t.Errorf("recalled stamp: %v %q", v.Verdict, v.Message)
	}
	hs := httptest.NewServer(e.srv.HTTP)
	defer hs.Close()
	if p := get(t, hs.URL+path(lot[0].Code)); !strings.Contains(p.body, "Lô hàng đã bị thu hồi") || !strings.Contains(p.body, "nhiễm khuẩn") {
		t.Errorf("recall page:\n%s", p.body)
	}

	all, err := e.Custody.ListRevocations(ctx, &estampv1.ListRevocationsRequest{})
	if err != nil || all.Version != 3 || len(all.Entries) != 3 || all.Entries[1].BatchId != 1 || len(all.Entries[1].SerialRanges) != 0 ||
		len(all.Entries[2].SerialRanges) != 1 || all.Entries[2].SerialRanges[0].First != other[1].Serial || all.Entries[2].SerialRanges[0].Last != other[1].Serial || all.Entries[2].KeyId != "56475aa7" {
		t.Errorf("full list = %v, %v", all, err)
	}
	since, err := e.Custody.ListRevocations(ctx, &estampv1.ListRevocationsRequest{SinceVersion: 2})
	if err != nil || since.Version != 3 || len(since.Entries) != 1 || since.Entries[0].Version != 3 {
		t.Errorf("since 2 = %v, %v", since, err)
	}
	if p := get(t, hs.URL+web.RevocationsPath+"?since=2"); !strings.Contains(p.body, `"version":"3"`) || strings.Count(p.body, `"first"`) != 1 {
		t.Errorf("HTTP revocation list:\n%s", p.body)
	}
	_, err = e.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: someStamps(999), Reason: "x", Actor: "y"})
	wantCode(t, err, codes.InvalidArgument, "999")
	_, err = e.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: wholeBatch(2), Reason: "x", Actor: strings.Repeat("a", 101)})
	wantCode(t, err, codes.InvalidArgument, "actor")
}

// BenchmarkIntake10000 receives a 10,000-code delivery in one call.
func BenchmarkIntake10000(b *testing.B) {
	e := start(b)
	e.seedRegistry(b)
	e.retailer(b, "SHOP")
	stamps := e.issue(b, "NEM-CHUA", 10_000, "bench").Stamps
	codes := make([]string, len(stamps))
	for i, s := range stamps {
		codes[i] = s.Code
	}
	for b.Loop() {
		resp := e.receive(b, "SHOP", codes...)
		if len(resp.Items) != 10_000 || !resp.AllGenuine {
			b.Fatalf("intake: %d items, all genuine %v", len(resp.Items), resp.AllGenuine)
		}
	}
	b.ReportMetric(float64(b.N*len(codes))/b.Elapsed().Seconds(), "codes/s")
}

// rangesOf shows an entry's serial ranges as "a-b c", in order.
func rangesOf(e *estampv1.RevocationEntry) string {
	var out []string
	for _, r := range e.GetSerialRanges() {
		if r.First == r.Last {
			out = append(out, fmt.Sprint(r.First))
		} else {
			out = append(out, fmt.Sprintf("%d-%d", r.First, r.Last))
		}
	}
	return strings.Join(out, " ")
}

// A recall of 100,000 serials is one revocation-list entry per batch they
// belong to, with the reason once and the serials as ranges — not 100,000
// entries — and the stamps verify as before: revoked with the reason, and
// the ones left out genuine. Who revoked stays off the public list.
func TestRecallOf100000SerialsIsAHandfulOfEntries(t *testing.T) {
	e := start(t)
	e.seedRegistry(t) // the revoked certificate is entry 1
	ctx := context.Background()
	big := e.issue(t, "NEM-CHUA", 100_000, "big")
	small := e.issue(t, "NEM-CHUA-5S", 20, "small")
	first := big.Batch.FirstSerial
	// Every stamp of the big batch but 50,000th and the 70,000th to
	// 70,010th, the first 11 of the small one, and one serial twice: in a
	// shuffled order, 100,000 serials in all.
	var serials []uint64
	for s := first; s < first+100_000; s++ {
		if n := s - first + 1; n != 50_000 && (n < 70_000 || n > 70_010) {
			serials = append(serials, s)
		}
	}
	for _, st := range small.Stamps[:11] {
		serials = append(serials, st.Serial)
	}
	serials = append(serials, first+7)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(serials), func(i, j int) { serials[i], serials[j] = serials[j], serials[i] })
	if len(serials) != 100_000 {
		t.Fatalf("%d serials", len(serials))
	}
	const reason, actor = "Thu hồi lô: nhiễm khuẩn", "Chi cục QLCL"
	r, err := e.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: someStamps(serials...), Reason: reason, Actor: actor})
	if err != nil || r.RevokedCount != 99_999 || r.RevocationVersion != 3 {
		t.Fatalf("recall = %v, %v; want 99,999 stamps at version 3", r, err)
	}
	list, err := e.Custody.ListRevocations(ctx, &estampv1.ListRevocationsRequest{SinceVersion: 1})
	if err != nil || list.Version != 3 || len(list.Entries) != 2 || list.NextPageToken != "" {
		t.Fatalf("list after the recall = %d entries (version %d, next %q), %v; want 2", len(list.GetEntries()), list.GetVersion(), list.GetNextPageToken(), err)
	}
	want := []struct {
		batch  uint64
		ranges string
	}{
		{big.Batch.Id, fmt.Sprintf("%d-%d %d-%d %d-%d", first, first+49_998, first+50_000, first+69_998, first+70_010, first+99_999)},
		{small.Batch.Id, fmt.Sprintf("%d-%d", small.Batch.FirstSerial, small.Batch.FirstSerial+10)},
	}
	for i, w := range want {
		en := list.Entries[i]
		if en.BatchId != w.batch || rangesOf(en) != w.ranges || en.Reason != reason || en.KeyId != "56475aa7" || en.Version != uint64(i+2) || en.Certificate != nil {
			t.Errorf("entry %d = batch %d, ranges %s, %q; want batch %d, ranges %s", i, en.BatchId, rangesOf(en), en.Reason, w.batch, w.ranges)
		}
	}
	again, err := e.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: someStamps(serials[:1000]...), Reason: "lần nữa"})
	if err != nil || again.RevokedCount != 0 || again.RevocationVersion != 3 {
		t.Errorf("revoking them again = %v, %v; want nothing new", again, err)
	}

	for _, tt := range []struct {
		name    string
		code    string
		verdict estampv1.Verdict
	}{
		{"first", big.Stamps[0].Code, estampv1.Verdict_VERDICT_REVOKED},
		{"49,999th", big.Stamps[49_998].Code, estampv1.Verdict_VERDICT_REVOKED},
		{"50,000th, left out", big.Stamps[49_999].Code, estampv1.Verdict_VERDICT_GENUINE},
		{"70,005th, left out", big.Stamps[70_004].Code, estampv1.Verdict_VERDICT_GENUINE},
		{"last", big.Stamps[99_999].Code, estampv1.Verdict_VERDICT_REVOKED},
		{"small batch, 11th", small.Stamps[10].Code, estampv1.Verdict_VERDICT_REVOKED},
		{"small batch, 12th, left out", small.Stamps[11].Code, estampv1.Verdict_VERDICT_GENUINE},
	} {
		v := e.verify(t, tt.code)
		if v.Verdict != tt.verdict || tt.verdict == estampv1.Verdict_VERDICT_REVOKED && v.StampRevocationReason != reason {
			t.Errorf("%s: %v %q, want %v", tt.name, v.Verdict, v.StampRevocationReason, tt.verdict)
		}
	}
	e.retailer(t, "SHOP")
	if in := e.receive(t, "SHOP", big.Stamps[3].Code, big.Stamps[49_999].Code); in.Items[0].Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_REVOKED || in.Items[0].RevocationReason != reason ||
		in.Items[1].Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED {
		t.Errorf("intake of a recalled and a kept stamp = %v", in.Items)
	}
	h, err := e.Custody.GetStampHistory(ctx, &estampv1.GetStampHistoryRequest{Serial: first + 12_345})
	if err != nil || h.Events[len(h.Events)-1].Kind != estampv1.StampEventKind_STAMP_EVENT_KIND_REVOKED || h.Events[len(h.Events)-1].Reason != reason || !strings.Contains(h.Events[len(h.Events)-1].Actor, actor) {
		t.Errorf("history of a recalled stamp = %v, %v", h.GetEvents(), err)
	}

	hs := httptest.NewServer(e.srv.HTTP)
	defer hs.Close()
	p := get(t, hs.URL+web.RevocationsPath+"?since=1")
	if p.status != 200 || strings.Count(p.body, `"version"`) != 3 || strings.Contains(p.body, actor) || strings.Contains(p.body, "admin") {
		t.Errorf("HTTP list after the recall: %d, %d entries, actor shown %v", p.status, strings.Count(p.body, `"version"`)-1, strings.Contains(p.body, actor))
	}
	t.Logf("the list of the 100,000-serial recall: %d entries, %d bytes of protobuf, %d bytes of JSON", len(list.Entries), proto.Size(list), len(p.body))
}

// revocationPage is one page of the HTTP twin of ListRevocations.
type revocationPage struct {
	Version       string `json:"version"`
	NextPageToken string `json:"next_page_token"`
	BaseURL       string `json:"base_url"`
	Entries       []struct {
		Version string `json:"version"`
	} `json:"entries"`
	BatchBaseURLs []json.RawMessage `json:"batch_base_urls"`
}

// The revocation list pages: page_size (1000 by default), page_token and
// next_page_token, since_version across pages, and one version for every
// page of a listing, so that a revocation made between pages comes with
// the next sync instead of being half seen. The HTTP twin pages the same.
func TestRevocationListPages(t *testing.T) {
	e := start(t)
	e.seedRegistry(t) // the revoked certificate is entry 1
	ctx := context.Background()
	stamps := e.issue(t, "NEM-CHUA", 20, "pages").Stamps
	for _, st := range stamps[:9] { // entries 2 to 10
		if _, err := e.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: someStamps(st.Serial), Reason: "mất"}); err != nil {
			t.Fatal(err)
		}
	}
	hs := httptest.NewServer(e.srv.HTTP)
	defer hs.Close()
	// walk reads a listing to its end over gRPC, and over HTTP with the
	// same query, and returns each page's versions and the listing's
	// version.
	walk := func(t *testing.T, since uint64, size int32, between func()) (pages [][]uint64, version uint64) {
		t.Helper()
		for token := ""; ; {
			resp, err := e.Custody.ListRevocations(ctx, &estampv1.ListRevocationsRequest{SinceVersion: since, PageSize: size, PageToken: token})
			if err != nil {
				t.Fatalf("page %d: %v", len(pages)+1, err)
			}
			var page []uint64
			for _, en := range resp.Entries {
				page = append(page, en.Version)
			}
			pages = append(pages, page)
			if len(pages) == 1 {
				version = resp.Version
			} else if resp.Version != version {
				t.Errorf("page %d says version %d, the first %d", len(pages), resp.Version, version)
			}
			if resp.BaseUrl != "HTTP://LOCALHOST:8080" || len(resp.BatchBaseUrls) != 1 {
				t.Errorf("page %d: addresses %q %v", len(pages), resp.BaseUrl, resp.BatchBaseUrls)
			}
			p := get(t, fmt.Sprintf("%s%s?since=%d&page_size=%d&page_token=%s", hs.URL, web.RevocationsPath, since, size, token))
			var twin revocationPage
			if err := json.Unmarshal([]byte(p.body), &twin); err != nil || p.status != 200 {
				t.Fatalf("HTTP page %d: %d %v\n%s", len(pages), p.status, err, p.body)
			}
			var twinVersions []uint64
			for _, en := range twin.Entries {
				n, _ := strconv.ParseUint(en.Version, 10, 64)
				twinVersions = append(twinVersions, n)
			}
			if twin.NextPageToken != resp.NextPageToken || twin.Version != fmt.Sprint(resp.Version) || !slices.Equal(twinVersions, page) || twin.BaseURL != resp.BaseUrl || len(twin.BatchBaseURLs) != 1 {
				t.Errorf("HTTP page %d = %v %v (next %q); gRPC %d %v (next %q)", len(pages), twin.Version, twinVersions, twin.NextPageToken, resp.Version, page, resp.NextPageToken)
			}
			if token = resp.NextPageToken; token == "" {
				return pages, version
			}
			if between != nil {
				between()
				between = nil
			}
		}
	}
	tests := []struct {
		name    string
		since   uint64
		size    int32
		pages   string
		version uint64
	}{
		{"default size", 0, 0, "[[1 2 3 4 5 6 7 8 9 10]]", 10},
		{"pages of 3", 0, 3, "[[1 2 3] [4 5 6] [7 8 9] [10]]", 10},
		{"pages of 5: the last is full", 0, 5, "[[1 2 3 4 5] [6 7 8 9 10]]", 10},
		{"since 4", 4, 3, "[[5 6 7] [8 9 10]]", 10},
		{"since the newest", 10, 3, "[[]]", 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pages, version := walk(t, tt.since, tt.size, nil)
			if got := fmt.Sprint(pages); got != tt.pages || version != tt.version {
				t.Errorf("pages %s, version %d; want %s, %d", got, version, tt.pages, tt.version)
			}
		})
	}

	// A revocation and a certificate change between the first page and
	// the second: this listing ends at version 10, the next sync from it
	// brings them.
	pages, version := walk(t, 4, 2, func() {
		if _, err := e.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: someStamps(stamps[15].Serial, stamps[16].Serial), Reason: "giữa hai trang"}); err != nil {
			t.Fatal(err)
		}
		e.revokeCert(t, "NEM-CHUA-CU")
	})
	if got := fmt.Sprint(pages); got != "[[5 6] [7 8] [9 10]]" || version != 10 {
		t.Errorf("paging while the list grows: %s, version %d; want [[5 6] [7 8] [9 10]], 10", got, version)
	}
	next, err := e.Custody.ListRevocations(ctx, &estampv1.ListRevocationsRequest{SinceVersion: version, PageSize: 2})
	if err != nil || next.Version != 12 || len(next.Entries) != 2 || rangesOf(next.Entries[0]) != fmt.Sprintf("%d-%d", stamps[15].Serial, stamps[16].Serial) || next.Entries[1].Certificate.GetProductId() != "NEM-CHUA-CU" || next.NextPageToken != "" {
		t.Errorf("the sync after = %v, %v", next, err)
	}

	// Every client reads the list to its end: by default a page holds as
	// many entries as any list gives, not 50.
	for _, st := range e.issue(t, "NEM-CHUA", 60, "more").Stamps {
		if _, err := e.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: someStamps(st.Serial), Reason: "mất"}); err != nil {
			t.Fatal(err)
		}
	}
	if all, err := e.Custody.ListRevocations(ctx, &estampv1.ListRevocationsRequest{}); err != nil || len(all.Entries) != 72 || all.NextPageToken != "" {
		t.Errorf("default page: %d entries (next %q), %v; want all 72", len(all.GetEntries()), all.GetNextPageToken(), err)
	}

	// Bad sizes and tokens: InvalidArgument over gRPC, 400 over HTTP, each
	// naming the field.
	for _, tt := range []struct {
		name, query string
		req         *estampv1.ListRevocationsRequest // nil: HTTP only
		message     string
	}{
		{"negative size", "page_size=-1", &estampv1.ListRevocationsRequest{PageSize: -1}, "page_size: -1 is negative"},
		{"not a token", "page_token=%21%21", &estampv1.ListRevocationsRequest{PageToken: "!!"}, "page_token: not a token returned by a previous page"},
		{"one number", "page_token=" + paging.NumberToken(3), &estampv1.ListRevocationsRequest{PageToken: paging.NumberToken(3)}, "page_token: not a token"},
		{"after its end", "page_token=" + paging.NumberToken(5, 5), &estampv1.ListRevocationsRequest{PageToken: paging.NumberToken(5, 5)}, "page_token: not a token"},
		{"size not a number", "page_size=ten", nil, "page_size: not a number"},
		{"size too large for int32", "page_size=4294967296", nil, "page_size: not a number"},
		{"since not a number", "since=-1", nil, "since: not a version number"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.req != nil {
				_, err := e.Custody.ListRevocations(ctx, tt.req)
				wantCode(t, err, codes.InvalidArgument, tt.message)
			}
			p := get(t, hs.URL+web.RevocationsPath+"?"+tt.query)
			if p.status != 400 || !strings.Contains(p.body, tt.message) {
				t.Errorf("HTTP ?%s: %d %q; want 400 %q", tt.query, p.status, p.body, tt.message)
			}
		})
	}
}

// The counts a revocation reports are what it changed: after one serial of
// a 10-stamp batch, a recall of the batch newly revokes 9, and a serial of
// a recalled batch 0. GetBatch lists the serials revoked one by one.
func TestRevocationCountsWhatItChanged(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	stamps := e.issue(t, "NEM-CHUA", 10, "lot").Stamps
	ctx := context.Background()
	revoke := func(target *estampv1.RevokeStampsRequest) uint32 {
		t.Helper()
		target.Reason, target.Actor = "Tem bị mất cắp", "HTX"
		r, err := e.Issuance.RevokeStamps(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		return r.RevokedCount
	}
	batch := stamps[0].Serial // the first serial; the batch is 1
	if n := revoke(&estampv1.RevokeStampsRequest{Target: someStamps(stamps[3].Serial)}); n != 1 {
		t.Errorf("one serial: %d revoked", n)
	}
	got, err := e.Issuance.GetBatch(ctx, &estampv1.GetBatchRequest{Id: 1})
	if err != nil || len(got.RevokedSerials) != 1 || got.RevokedSerials[0].First != stamps[3].Serial || got.RevokedSerials[0].Last != stamps[3].Serial {
		t.Errorf("GetBatch revoked serials = %v, %v; want serial %d", got.GetRevokedSerials(), err, stamps[3].Serial)
	}
	if n := revoke(&estampv1.RevokeStampsRequest{Target: wholeBatch(1)}); n != 9 {
		t.Errorf("recall after one serial: %d newly revoked, want 9", n)
	}
	if n := revoke(&estampv1.RevokeStampsRequest{Target: someStamps(batch + 5)}); n != 0 {
		t.Errorf("a serial of a recalled batch: %d newly revoked, want 0", n)
	}
	if got, err := e.Issuance.GetBatch(ctx, &estampv1.GetBatchRequest{Id: 1}); err != nil || !got.Batch.Revoked || len(got.RevokedSerials) != 1 {
		t.Errorf("after the recall: revoked %v, serials %v, %v", got.GetBatch().GetRevoked(), got.GetRevokedSerials(), err)
	}
}
