package server_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// sell sells codes at a shop with the admin connection.
func (e *env) sell(t testing.TB, retailer, requestID string, codes ...string) *estampv1.RecordSaleResponse {
	t.Helper()
	resp, err := e.Custody.RecordSale(context.Background(), &estampv1.RecordSaleRequest{RetailerId: retailer, Codes: codes, RequestId: requestID})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// verdicts are the outcomes of a sale's or a delivery's items, in order.
func verdicts(items []*estampv1.IntakeItem) []estampv1.IntakeVerdict {
	out := make([]estampv1.IntakeVerdict, len(items))
	for i, it := range items {
		out[i] = it.Verdict
	}
	return out
}

// A stamp's life after intake: shop A takes it in and sells it; a buyer
// sees where and when, on gRPC, the page and its JSON; the same label
// taken in at shop B, taken in again at A, or sold again anywhere is a
// suspected copy that names A's sale; a stamp that is not genuine is not
// sold; a stamp a shop never took in may be sold.
func TestSaleEndToEnd(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	e.retailer(t, "SHOP-A")
	e.retailer(t, "SHOP-B")
	ctx := context.Background()
	stamps := e.issue(t, "NEM-CHUA", 5, "sale").Stamps
	if _, err := e.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: someStamps(stamps[3].Serial), Reason: "Tem bị mất", Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	tampered := stamps[4].Code[:100] + string("AB"[boolInt(stamps[4].Code[100] == 'A')]) + stamps[4].Code[101:]
	hs := httptest.NewServer(e.srv.HTTP)
	defer hs.Close()

	if got := e.receive(t, "SHOP-A", stamps[0].Code).Items[0].Verdict; got != estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED {
		t.Fatalf("intake at A: %v", got)
	}
	// The sale, two hours later (12:00 in Vietnam): stamps[1] was never
	// taken in, which a small shop may skip.
	soldAt := time.Date(2026, 11, 28, 5, 0, 0, 0, time.UTC)
	e.clock.Set(soldAt)
	sale := e.sell(t, "SHOP-A", "", stamps[0].Code, stamps[1].Code, stamps[3].Code, tampered, stamps[0].Code)
	want := []estampv1.IntakeVerdict{
		estampv1.IntakeVerdict_INTAKE_VERDICT_SOLD,
		estampv1.IntakeVerdict_INTAKE_VERDICT_SOLD,
		estampv1.IntakeVerdict_INTAKE_VERDICT_REVOKED,
		estampv1.IntakeVerdict_INTAKE_VERDICT_BAD_SIGNATURE,
		estampv1.IntakeVerdict_INTAKE_VERDICT_DUPLICATE_IN_DELIVERY,
	}
	if got := verdicts(sale.Items); !equal(got, want) {
		t.Fatalf("sale at A: %v, want %v", got, want)
	}
	if it := sale.Items[0]; it.Serial != stamps[0].Serial || it.ProductName != "Nem chua NEM-CHUA" || it.Lot != "L-2026-11" || it.Message != "Tem chính hãng, đã ghi nhận bán." {
		t.Errorf("sold item = %v", it)
	}
	if it := sale.Items[2]; it.RevocationReason != "Tem bị mất" || !strings.Contains(it.Message, "Tem bị mất") {
		t.Errorf("revoked item = %v", it)
	}
	if sale.AllSold || len(sale.Verdicts) != 4 || sale.Verdicts[len(sale.Verdicts)-1].Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_SOLD || sale.Verdicts[len(sale.Verdicts)-1].Count != 2 {
		t.Errorf("summary: all sold %v, %v", sale.AllSold, sale.Verdicts)
	}

	// A buyer sees the sale: the shop's name and place, and when.
	v := e.verify(t, stamps[0].Code)
	if s := v.GetSold(); v.Verdict != estampv1.Verdict_VERDICT_GENUINE || s.GetRetailerName() != "Cửa hàng SHOP-A" || s.GetCommune() != "Phường Hạc Thành" ||
		s.GetProvince() != "Thanh Hóa" || !s.GetSaleTime().AsTime().Equal(soldAt) {
		t.Errorf("Verify of the sold stamp: %v, sold %v", v.Verdict, s)
	}
	page := get(t, hs.URL+path(stamps[0].Code))
	if !strings.Contains(page.body, `Đã bán tại <span lang="vi">Cửa hàng SHOP-A, Phường Hạc Thành, Thanh Hóa</span>, lúc 12:00, 28/11/2026`) {
		t.Errorf("the stamp page does not say where and when it was sold:\n%s", page.body)
	}
	if js := get(t, hs.URL+path(stamps[0].Code), "Accept", "application/json"); !strings.Contains(js.body, `"sold":{"retailer_name":"Cửa hàng SHOP-A"`) {
		t.Errorf("JSON answer: %s", js.body)
	}
	// Not genuine, not sold.
	if v := e.verify(t, stamps[3].Code); v.Verdict != estampv1.Verdict_VERDICT_REVOKED || v.Sold != nil {
		t.Errorf("revoked stamp: %v, sold %v", v.Verdict, v.Sold)
	}
	if v := e.verify(t, stamps[2].Code); v.Sold != nil {
		t.Errorf("a stamp never sold shows a sale: %v", v.Sold)
	}

	// The sold label turns up again.
	e.clock.Set(soldAt.Add(24 * time.Hour))
	for _, tt := range []struct {
		name string
		do   func() *estampv1.IntakeItem
	}{
		{"intake at another shop", func() *estampv1.IntakeItem { return e.receive(t, "SHOP-B", stamps[0].Code).Items[0] }},
		{"intake again at the shop that sold it", func() *estampv1.IntakeItem { return e.receive(t, "SHOP-A", stamps[0].Code).Items[0] }},
		{"sold again by another shop", func() *estampv1.IntakeItem { return e.sell(t, "SHOP-B", "", stamps[0].Code).Items[0] }},
		{"sold again by the same shop", func() *estampv1.IntakeItem { return e.sell(t, "SHOP-A", "", stamps[0].Code).Items[0] }},
		{"the sold stamp that was never taken in, at intake", func() *estampv1.IntakeItem { return e.receive(t, "SHOP-B", stamps[1].Code).Items[0] }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			it := tt.do()
			if it.Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY || it.OtherRetailerId != "SHOP-A" || it.OtherRetailerName != "Cửa hàng SHOP-A" ||
				!it.GetOtherSaleTime().AsTime().Equal(soldAt) || it.OtherReceiveTime != nil {
				t.Errorf("item = %v", it)
			}
			if it.Message != "Tem này đã bán tại Cửa hàng SHOP-A lúc 12:00, 28/11/2026: nghi tem sao chép." ||
				it.MessageEn != "This stamp was already sold at Cửa hàng SHOP-A on 28 Nov 2026, 12:00 (UTC+7): a suspected copy." {
				t.Errorf("message %q / %q", it.Message, it.MessageEn)
			}
		})
	}
	// The first sale stands, and the office has a flag naming the shops.
	if v := e.verify(t, stamps[0].Code); !v.GetSold().GetSaleTime().AsTime().Equal(soldAt) || v.GetSold().GetRetailerName() != "Cửa hàng SHOP-A" {
		t.Errorf("the sale after the copies: %v", v.Sold)
	}
	flags, err := e.Insight.ListFlags(ctx, &estampv1.ListFlagsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	flagged := map[uint64]string{}
	for _, f := range flags.Flags {
		flagged[f.Serial] = strings.Join(f.RetailerIds, " ")
	}
	if flagged[stamps[0].Serial] != "SHOP-A SHOP-B" || flagged[stamps[1].Serial] != "SHOP-B SHOP-A" {
		t.Errorf("flags: %v", flagged)
	}
	// The delivery read back says it was sold, not received, before.
	deliveries, err := e.Insight.ListDeliveries(ctx, &estampv1.ListDeliveriesRequest{RetailerId: "SHOP-B"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.Insight.GetDelivery(ctx, &estampv1.GetDeliveryRequest{RetailerId: "SHOP-B", DeliveryId: deliveries.Deliveries[len(deliveries.Deliveries)-1].DeliveryId})
	if err != nil {
		t.Fatal(err)
	}
	if p := d.Delivery.Problems; len(p) != 1 || !p[0].GetOtherSaleTime().AsTime().Equal(soldAt) || p[0].OtherReceiveTime != nil || p[0].OtherRetailerName != "Cửa hàng SHOP-A" {
		t.Errorf("delivery read back: %v", p)
	}
	// Its history.
	h, err := e.Custody.GetStampHistory(ctx, &estampv1.GetStampHistoryRequest{Serial: stamps[0].Serial})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, ev := range h.Events {
		if ev.Kind != estampv1.StampEventKind_STAMP_EVENT_KIND_SCANNED {
			kinds = append(kinds, strings.TrimPrefix(ev.Kind.String(), "STAMP_EVENT_KIND_")+ev.RetailerId)
		}
	}
	if got := strings.Join(kinds, " "); got != "ISSUED RECEIVEDSHOP-A SOLDSHOP-A RECEIVEDSHOP-B" {
		t.Errorf("history = %s", got)
	}
}

// A till that lost the answer sends the sale again: with the same
// request id the same shop is told SOLD again and nothing is recorded
// twice; another key, or another shop with the same key, is a copy.
func TestSaleRetry(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	e.retailer(t, "SHOP-A")
	e.retailer(t, "SHOP-B")
	code := e.issue(t, "NEM-CHUA", 1, "retry").Stamps[0].Code
	first := e.clock.Now()
	for i, tt := range []struct {
		shop, key string
		want      estampv1.IntakeVerdict
	}{
		{"SHOP-A", "till-7", estampv1.IntakeVerdict_INTAKE_VERDICT_SOLD},
		{"SHOP-A", "till-7", estampv1.IntakeVerdict_INTAKE_VERDICT_SOLD},
		{"SHOP-A", "till-8", estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY},
		{"SHOP-A", "", estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY},
		{"SHOP-B", "till-7", estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY},
		{"SHOP-A", "till-7", estampv1.IntakeVerdict_INTAKE_VERDICT_SOLD},
	} {
		e.clock.Set(first.Add(time.Duration(i) * time.Minute))
		if got := e.sell(t, tt.shop, tt.key, code).Items[0].Verdict; got != tt.want {
			t.Errorf("sale %d, %s with key %q: %v, want %v", i+1, tt.shop, tt.key, got, tt.want)
		}
	}
	if s := e.verify(t, code).GetSold(); !s.GetSaleTime().AsTime().Equal(first) {
		t.Errorf("sold at %v, want the first sale's time %v", s.GetSaleTime().AsTime(), first)
	}
	// No shop took it in: the sales alone flagged it, naming the shop
	// that sold it and the one that sold it again.
	flags, err := e.Insight.ListFlags(context.Background(), &estampv1.ListFlagsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(flags.Flags) != 1 || strings.Join(flags.Flags[0].RetailerIds, " ") != "SHOP-A SHOP-B" || flags.Flags[0].Kinds[0] != estampv1.FlagKind_FLAG_KIND_SUSPECTED_COPY {
		t.Errorf("flags = %v", flags.Flags)
	}
	// One audit entry per call, with its counts.
	list, err := e.Admin.ListAuditEntries(context.Background(), &estampv1.ListAuditEntriesRequest{PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range list.Entries {
		if a.Action == "stamps.sell" {
			got = append(got, a.Target+": "+a.Detail)
		}
	}
	wantAudit := []string{"SHOP-A: 1 codes: 1 sold", "SHOP-A: 1 codes: 1 sold", "SHOP-A: 1 codes: 1 suspected copy", "SHOP-A: 1 codes: 1 suspected copy",
		"SHOP-B: 1 codes: 1 suspected copy", "SHOP-A: 1 codes: 1 sold"}
	if !equal(got, wantAudit) {
		t.Errorf("sale audit entries = %q, want %q", got, wantAudit)
	}
}

// Who may sell, and what a sale refuses before it looks at codes.
func TestSaleRefusals(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	e.retailer(t, "SHOP-A")
	e.retailer(t, "SHOP-B")
	code := e.issue(t, "NEM-CHUA", 1, "refusals").Stamps[0].Code
	shopA, _ := e.token(t, estampv1.Role_ROLE_RETAILER, "", "SHOP-A")
	asA := e.dial(t, shopA)
	for _, tt := range []struct {
		name    string
		c       clients
		req     *estampv1.RecordSaleRequest
		code    codes.Code
		mention string
	}{
		{"a shop selling as another", asA, &estampv1.RecordSaleRequest{RetailerId: "SHOP-B", Codes: []string{code}}, codes.PermissionDenied, ""},
		{"no codes", e.clients, &estampv1.RecordSaleRequest{RetailerId: "SHOP-A", Codes: []string{" ", ""}}, codes.InvalidArgument, "codes"},
		{"too many codes", e.clients, &estampv1.RecordSaleRequest{RetailerId: "SHOP-A", Codes: make([]string, 10_001)}, codes.InvalidArgument, "codes"},
		{"a request id too long", e.clients, &estampv1.RecordSaleRequest{RetailerId: "SHOP-A", Codes: []string{code}, RequestId: strings.Repeat("k", 129)}, codes.InvalidArgument, "request_id"},
		{"no retailer", e.clients, &estampv1.RecordSaleRequest{Codes: []string{code}}, codes.InvalidArgument, "retailer_id"},
		{"an unknown retailer", e.clients, &estampv1.RecordSaleRequest{RetailerId: "NOBODY", Codes: []string{code}}, codes.NotFound, "NOBODY"},
		{"a shop selling as itself", asA, &estampv1.RecordSaleRequest{RetailerId: "SHOP-A", Codes: []string{code}}, codes.OK, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.c.Custody.RecordSale(context.Background(), tt.req)
			if status.Code(err) != tt.code || !strings.Contains(status.Convert(err).Message(), tt.mention) {
				t.Errorf("%v, want %v mentioning %q", err, tt.code, tt.mention)
			}
		})
	}
	// Nothing a refused call named was sold: shop A's own call sold it.
	if s := e.verify(t, code).GetSold(); s.GetRetailerName() != "Cửa hàng SHOP-A" {
		t.Errorf("sold by %q", s.GetRetailerName())
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
