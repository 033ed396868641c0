package server_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/web"
)

func (e *env) retailer(t testing.TB, id string) {
	t.Helper()
	_, err := e.reg.CreateRetailer(context.Background(), &estampv1.CreateRetailerRequest{Retailer: &estampv1.Retailer{
		Id: id, Name: "Cửa hàng " + id, Address: &estampv1.Address{Province: "Thanh Hóa", Commune: "Phường Hạc Thành"},
	}})
	if err != nil {
		t.Fatal(err)
	}
}

func (e *env) receive(t testing.TB, retailer string, codes ...string) *estampv1.ReceiveDeliveryResponse {
	t.Helper()
	resp, err := e.cust.ReceiveDelivery(context.Background(), &estampv1.ReceiveDeliveryRequest{RetailerId: retailer, Codes: codes})
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
	if _, err := e.iss.RevokeStamps(context.Background(), &estampv1.RevokeStampsRequest{BatchId: 3, Reason: "Thu hồi lô do lỗi bao bì", Actor: "HTX-NEM-CHUA"}); err != nil {
		t.Fatal(err)
	}
	tok, _ := stampcode.Parse(good[0].Code)
	foreign, _ := testKey(t, "other-test-key.pem").Issuer.Sign(tok.Prefix, tok.Claims)
	tampered := good[4].Code[:100] + string("AB"[boolInt(good[4].Code[100] == 'A')]) + good[4].Code[101:]

	// Certificate of the 5★ product expires before delivery.
	e.clock.Set(time.Date(2028, 9, 2, 3, 0, 0, 0, time.UTC))
	_, err := e.reg.UpdateCertification(context.Background(), &estampv1.UpdateCertificationRequest{ProductId: "NEM-CHUA",
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
	h, err := e.cust.GetStampHistory(context.Background(), &estampv1.GetStampHistoryRequest{Serial: good[0].Serial})
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

	_, err = e.cust.ReceiveDelivery(context.Background(), &estampv1.ReceiveDeliveryRequest{RetailerId: "NOBODY", Codes: []string{good[0].Code}})
	wantCode(t, err, codes.NotFound, "NOBODY")
	_, err = e.cust.ReceiveDelivery(context.Background(), &estampv1.ReceiveDeliveryRequest{RetailerId: "SHOP-A", Codes: make([]string, 10_001)})
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
	list, err := e.cust.ListRevocations(ctx, &estampv1.ListRevocationsRequest{})
	if err != nil || list.Version != 1 || len(list.Entries) != 1 || list.Entries[0].Certificate.GetProductId() != "NEM-CHUA-THU-HOI" || !list.Entries[0].Certificate.GetRevoked() {
		t.Fatalf("list before any stamp revocation = %v, %v", list, err)
	}
	if list.BaseUrl != "HTTP://LOCALHOST:8080" || len(list.BatchBaseUrls) != 1 || list.BatchBaseUrls[0].FirstBatchId != 1 || list.BatchBaseUrls[0].BaseUrl != "HTTP://LOCALHOST:8080" {
		t.Errorf("addresses = %q %v", list.BaseUrl, list.BatchBaseUrls)
	}
	r1, err := e.iss.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{BatchId: 1, Reason: "Thu hồi lô: nhiễm khuẩn", Actor: "Chi cục QLCL"})
	if err != nil || r1.RevokedCount != 3 || r1.RevocationVersion != 2 {
		t.Fatalf("recall = %v, %v", r1, err)
	}
	again, err := e.iss.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{BatchId: 1, Reason: "lần nữa", Actor: "Chi cục QLCL"})
	if err != nil || again.RevokedCount != 0 || again.RevocationVersion != 2 {
		t.Errorf("second recall is not idempotent: %v, %v", again, err)
	}
	r2, err := e.iss.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Serials: []uint64{other[1].Serial}, Reason: "Tem bị mất cắp", Actor: "HTX"})
	if err != nil || r2.RevokedCount != 1 || r2.RevocationVersion != 3 {
		t.Fatalf("single stamp = %v, %v", r2, err)
	}

	v := e.verify(t, lot[2].Code)
	if v.Verdict != estampv1.Verdict_VERDICT_REVOKED || !strings.Contains(v.Message, "nhiễm khuẩn") || v.Batch.GetRevocationReason() != "Thu hồi lô: nhiễm khuẩn" {
		t.Errorf("recalled stamp: %v %q", v.Verdict, v.Message)
	}
	hs := httptest.NewServer(e.srv.HTTP)
	defer hs.Close()
	if p := get(t, hs.URL+path(lot[0].Code)); !strings.Contains(p.body, "Tem đã bị thu hồi") || !strings.Contains(p.body, "nhiễm khuẩn") {
		t.Errorf("recall page:\n%s", p.body)
	}

	all, err := e.cust.ListRevocations(ctx, &estampv1.ListRevocationsRequest{})
	if err != nil || all.Version != 3 || len(all.Entries) != 3 || all.Entries[1].BatchId != 1 || all.Entries[1].Serial != 0 || all.Entries[2].Serial != other[1].Serial || all.Entries[2].KeyId != "56475aa7" {
		t.Errorf("full list = %v, %v", all, err)
	}
	since, err := e.cust.ListRevocations(ctx, &estampv1.ListRevocationsRequest{SinceVersion: 2})
	if err != nil || since.Version != 3 || len(since.Entries) != 1 || since.Entries[0].Version != 3 {
		t.Errorf("since 2 = %v, %v", since, err)
	}
	if p := get(t, hs.URL+web.RevocationsPath+"?since=2"); !strings.Contains(p.body, `"version":"3"`) || strings.Count(p.body, `"serial"`) != 1 {
		t.Errorf("HTTP revocation list:\n%s", p.body)
	}
	_, err = e.iss.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Serials: []uint64{999}, Reason: "x", Actor: "y"})
	wantCode(t, err, codes.InvalidArgument, "999")
	_, err = e.iss.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{BatchId: 2, Reason: "x", Actor: strings.Repeat("a", 101)})
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
