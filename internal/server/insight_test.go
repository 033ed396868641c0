package server_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// days shows a daily series as "date: issued/scans/first scans", days
// with nothing left out.
func days(list []*estampv1.DayCount) []string {
	var out []string
	for _, d := range list {
		if d.StampsIssued != 0 || d.Scans != 0 || d.FirstScans != 0 {
			out = append(out, fmt.Sprintf("%s: %d/%d/%d", d.Date, d.StampsIssued, d.Scans, d.FirstScans))
		}
	}
	return out
}

// InsightService end to end: a batch issued, some of its codes verified
// over two days, deliveries at two shops (one with a copy), and then the
// office's overview, the producer's scan report and the shops' deliveries
// tell the right numbers; producers and retailers read only their own.
func TestInsightEndToEnd(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	e.seedOtherProducer(t, "HTX-KHAC")
	e.retailer(t, "CH-A")
	e.retailer(t, "CH-B")
	ctx := context.Background()
	// A certificate that runs out within 90 days of the second day,
	// 2026-11-29: valid until 2027-01-09.
	_, err := e.Registry.CreateProduct(ctx, &estampv1.CreateProductRequest{Product: &estampv1.Product{
		Id: "GIO-LUA", ProducerId: "HTX-NEM-CHUA", Name: "Giò lụa", StarGrade: 3, Group: estampv1.ProductGroup_PRODUCT_GROUP_FOOD,
		Certificate: &estampv1.Certificate{DecisionNumber: "9/QĐ-UBND", DecisionDate: "2024-01-10"}}})
	if err != nil {
		t.Fatal(err)
	}

	// Day one, 2026-11-28 in Vietnam: ten stamps issued, stamp 0 verified
	// seven times (past the threshold of 5: flagged), stamp 1 once.
	nem := e.issue(t, "NEM-CHUA", 10, "nem").Stamps
	chieu := e.issue(t, "CHIEU-COI", 3, "chieu").Stamps
	for range 7 {
		e.verify(t, nem[0].Code)
	}
	e.verify(t, nem[1].Code)
	// Day two: stamp 2 for the first time, stamp 0 again.
	e.clock.Set(e.clock.Now().Add(24 * time.Hour))
	e.verify(t, nem[2].Code)
	e.verify(t, nem[0].Code)

	// CH-A receives stamps 0 to 4 and a stray code; CH-B stamp 4 (a copy)
	// and one of HTX-KHAC's; CH-A rescans stamp 0.
	codesOf := func(stamps []*estampv1.Stamp) []string {
		var out []string
		for _, s := range stamps {
			out = append(out, s.Code)
		}
		return out
	}
	a, err := e.Custody.ReceiveDelivery(ctx, &estampv1.ReceiveDeliveryRequest{RetailerId: "CH-A", Codes: append(codesOf(nem[:5]), "https://example.com/khuyen-mai"), Reference: " PX  0042 "})
	if err != nil {
		t.Fatal(err)
	}
	b := e.receive(t, "CH-B", nem[4].Code, chieu[0].Code)
	again := e.receive(t, "CH-A", nem[0].Code)
	if a.DeliveryId == 0 || b.DeliveryId <= a.DeliveryId || again.DeliveryId <= b.DeliveryId {
		t.Fatalf("delivery ids %d, %d, %d: want them to grow", a.DeliveryId, b.DeliveryId, again.DeliveryId)
	}

	// The office's overview of the last week.
	o, err := e.Insight.GetOverview(ctx, &estampv1.GetOverviewRequest{Days: 7})
	if err != nil {
		t.Fatal(err)
	}
	var grades []string
	for _, g := range o.Grades {
		grades = append(grades, fmt.Sprintf("%d★ %d", g.StarGrade, g.Products))
	}
	due := func(list []*estampv1.CertificateDue) (out []string) {
		for _, c := range list {
			out = append(out, c.ProductId+" "+c.ProducerName+" "+c.ValidUntil)
		}
		return out
	}
	list, err := e.Custody.ListRevocations(ctx, &estampv1.ListRevocationsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if o.Producers != 2 || o.Products != 7 || !slices.Equal(grades, []string{"2★ 1", "3★ 3", "4★ 2", "5★ 1"}) {
		t.Errorf("overview registry: %d producers, %d products, grades %q", o.Producers, o.Products, grades)
	}
	if got := due(o.ExpiringCertificates); o.ExpiringCount != 1 || !slices.Equal(got, []string{"GIO-LUA Hợp tác xã Nem chua Thanh Hóa 2027-01-09"}) {
		t.Errorf("expiring: %d %q", o.ExpiringCount, got)
	}
	if got := due(o.ExpiredCertificates); o.ExpiredCount != 1 || !slices.Equal(got, []string{"NEM-CHUA-CU Hợp tác xã Nem chua Thanh Hóa 2024-01-03"}) {
		t.Errorf("expired: %d %q", o.ExpiredCount, got)
	}
	if got, want := days(o.Days), []string{"2026-11-28: 13/8/2", "2026-11-29: 0/2/1"}; len(o.Days) != 7 || o.Days[6].Date != "2026-11-29" || !slices.Equal(got, want) {
		t.Errorf("overview days: %d ending %s, %q; want 7 ending 2026-11-29, %q", len(o.Days), o.Days[len(o.Days)-1].GetDate(), got, want)
	}
	if o.OpenFlags != 2 || o.RevocationEntries != list.Version || o.RevocationEntries == 0 {
		t.Errorf("overview: %d open flags, %d revocation entries (the list is at %d)", o.OpenFlags, o.RevocationEntries, list.Version)
	}

	// The producer's report, with its own token.
	producer, _ := e.token(t, estampv1.Role_ROLE_PRODUCER, "HTX-NEM-CHUA", "")
	mine := e.dial(t, producer)
	r, err := mine.Insight.GetScanReport(ctx, &estampv1.GetScanReportRequest{ProducerId: "HTX-NEM-CHUA", Days: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := days(r.Days), []string{"2026-11-28: 10/8/2", "2026-11-29: 0/2/1"}; len(r.Days) != 2 || !slices.Equal(got, want) {
		t.Errorf("report days = %q, want %q", got, want)
	}
	if len(r.Batches) != 1 || r.Batches[0].ProductId != "NEM-CHUA" || r.Batches[0].Quantity != 10 || r.Batches[0].ScannedStamps != 3 || r.Batches[0].Scans != 10 || r.Batches[0].FirstScanRate != 0.3 {
		t.Errorf("report batches = %v; want NEM-CHUA's, 3 of 10 stamps scanned 10 times", r.Batches)
	}
	var flags []string
	for _, f := range r.Flags {
		flags = append(flags, fmt.Sprintf("%d %v %v", f.Serial, f.Kinds, f.RetailerIds))
	}
	wantFlags := []string{
		fmt.Sprintf("%d [FLAG_KIND_MANY_SCANS] []", nem[0].Serial),
		fmt.Sprintf("%d [FLAG_KIND_SUSPECTED_COPY] [CH-A CH-B]", nem[4].Serial),
	}
	if r.OpenFlags != 2 || !slices.Equal(flags, wantFlags) {
		t.Errorf("report flags: %d open, %q; want %q", r.OpenFlags, flags, wantFlags)
	}
	if f := r.Flags[0]; f.ScanCount != 8 || !f.FirstTime.AsTime().Equal(time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)) || f.ProducerId != "HTX-NEM-CHUA" || f.Reviewed {
		t.Errorf("stamp 0's flag = %v", f)
	}
	var shops []string
	for _, s := range r.Shops {
		shops = append(shops, fmt.Sprintf("%s %s: %d stamps, %d copies", s.RetailerId, s.RetailerName, s.StampsReceived, s.SuspectedCopies))
	}
	if want := []string{"CH-A Cửa hàng CH-A: 5 stamps, 0 copies", "CH-B Cửa hàng CH-B: 1 stamps, 1 copies"}; !slices.Equal(shops, want) {
		t.Errorf("report shops = %q, want %q", shops, want)
	}
	other, err := e.Insight.GetScanReport(ctx, &estampv1.GetScanReportRequest{ProducerId: "HTX-KHAC", ProductId: "CHIEU-COI"})
	if err != nil || len(other.Days) != 30 || len(other.Shops) != 1 || other.Shops[0].RetailerId != "CH-B" || other.OpenFlags != 0 || other.Batches[0].ScannedStamps != 0 {
		t.Errorf("HTX-KHAC's report = %v, %v", other, err)
	}

	// The shops' deliveries, with their own tokens.
	shopA, _ := e.token(t, estampv1.Role_ROLE_RETAILER, "", "CH-A")
	shopB, _ := e.token(t, estampv1.Role_ROLE_RETAILER, "", "CH-B")
	asA, asB := e.dial(t, shopA), e.dial(t, shopB)
	ds, err := asA.Insight.ListDeliveries(ctx, &estampv1.ListDeliveriesRequest{RetailerId: "CH-A", PageSize: 1})
	if err != nil || len(ds.Deliveries) != 1 || ds.Deliveries[0].DeliveryId != again.DeliveryId || ds.NextPageToken == "" {
		t.Fatalf("CH-A's first page = %v, %v; want its latest delivery", ds, err)
	}
	ds, err = asA.Insight.ListDeliveries(ctx, &estampv1.ListDeliveriesRequest{RetailerId: "CH-A", PageToken: ds.NextPageToken})
	if err != nil || len(ds.Deliveries) != 1 || ds.NextPageToken != "" {
		t.Fatalf("CH-A's second page = %v, %v; want its first delivery, and the end", ds, err)
	}
	first := ds.Deliveries[0]
	var verdicts []string
	for _, v := range first.Verdicts {
		verdicts = append(verdicts, fmt.Sprintf("%d %s", v.Count, strings.TrimPrefix(v.Verdict.String(), "INTAKE_VERDICT_")))
	}
	if first.DeliveryId != a.DeliveryId || first.Codes != 6 || first.Reference != "PX 0042" || first.ProblemCount != 1 || len(first.Problems) != 0 ||
		!strings.HasPrefix(first.Actor, "admin/") || !first.ReceiveTime.AsTime().Equal(e.clock.Now()) || !slices.Equal(verdicts, []string{"5 ACCEPTED", "1 MALFORMED"}) {
		t.Errorf("CH-A's first delivery as listed = %v (verdicts %q)", first, verdicts)
	}
	got, err := asA.Insight.GetDelivery(ctx, &estampv1.GetDeliveryRequest{RetailerId: "CH-A", DeliveryId: a.DeliveryId})
	if err != nil || len(got.Delivery.Problems) != 1 || got.Delivery.Problems[0].Line != 6 || got.Delivery.Problems[0].Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_MALFORMED {
		t.Errorf("CH-A's first delivery = %v, %v; want line 6 malformed", got, err)
	}
	got, err = asB.Insight.GetDelivery(ctx, &estampv1.GetDeliveryRequest{RetailerId: "CH-B", DeliveryId: b.DeliveryId})
	if err != nil || len(got.Delivery.Problems) != 1 {
		t.Fatalf("CH-B's delivery = %v, %v", got, err)
	}
	if p := got.Delivery.Problems[0]; p.Line != 1 || p.Serial != nem[4].Serial || p.Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY ||
		p.OtherRetailerId != "CH-A" || p.ProductId != "NEM-CHUA" || p.Lot != "L-2026-11" || p.BatchId != r.Batches[0].BatchId {
		t.Errorf("CH-B's problem row = %v; want stamp 4, a copy of CH-A's", p)
	}

	// The office reviews the copy: it leaves the open flags, and the log
	// says who.
	rev, err := e.Insight.ReviewFlag(ctx, &estampv1.ReviewFlagRequest{Serial: nem[4].Serial, Note: "Cửa hàng CH-B nhận nhầm"})
	if err != nil || !rev.Flag.Reviewed || !strings.HasPrefix(rev.Flag.ReviewedBy, "admin/") || rev.Flag.ReviewNote != "Cửa hàng CH-B nhận nhầm" {
		t.Errorf("review = %v, %v", rev, err)
	}
	open, err := mine.Insight.ListFlags(ctx, &estampv1.ListFlagsRequest{ProducerId: "HTX-NEM-CHUA"})
	if err != nil || len(open.Flags) != 1 || open.Flags[0].Serial != nem[0].Serial {
		t.Errorf("open flags after the review = %v, %v; want stamp 0's", open, err)
	}
	log, err := e.Admin.ListAuditEntries(ctx, &estampv1.ListAuditEntriesRequest{PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if last := log.Entries[len(log.Entries)-1]; last.Action != "flag.review" || last.Target != fmt.Sprint(nem[4].Serial) ||
		!strings.Contains(last.Detail, "suspected copy") || !strings.Contains(last.Detail, "Cửa hàng CH-B nhận nhầm") {
		t.Errorf("the review's audit entry = %v", last)
	}

	// Nobody reads another's numbers.
	denied := []struct {
		name string
		call func() error
	}{
		{"a producer, another's report", func() error {
			_, err := mine.Insight.GetScanReport(ctx, &estampv1.GetScanReportRequest{ProducerId: "HTX-KHAC"})
			return err
		}},
		{"a producer, another's product under its own id", func() error {
			_, err := mine.Insight.GetScanReport(ctx, &estampv1.GetScanReportRequest{ProducerId: "HTX-NEM-CHUA", ProductId: "CHIEU-COI"})
			return err
		}},
		{"a producer, every producer's flags", func() error {
			_, err := mine.Insight.ListFlags(ctx, &estampv1.ListFlagsRequest{})
			return err
		}},
		{"a producer, the overview", func() error {
			_, err := mine.Insight.GetOverview(ctx, &estampv1.GetOverviewRequest{})
			return err
		}},
		{"a producer, a review of its own flag", func() error {
			_, err := mine.Insight.ReviewFlag(ctx, &estampv1.ReviewFlagRequest{Serial: nem[0].Serial})
			return err
		}},
		{"a retailer, another's deliveries", func() error {
			_, err := asA.Insight.ListDeliveries(ctx, &estampv1.ListDeliveriesRequest{RetailerId: "CH-B"})
			return err
		}},
		{"a retailer, another's delivery", func() error {
			_, err := asA.Insight.GetDelivery(ctx, &estampv1.GetDeliveryRequest{RetailerId: "CH-B", DeliveryId: b.DeliveryId})
			return err
		}},
		{"a retailer, a producer's report", func() error {
			_, err := asB.Insight.GetScanReport(ctx, &estampv1.GetScanReportRequest{ProducerId: "HTX-NEM-CHUA"})
			return err
		}},
	}
	for _, d := range denied {
		if err := d.call(); status.Code(err) != codes.PermissionDenied {
			t.Errorf("%s: %v, want PermissionDenied", d.name, err)
		}
	}

	// A daily series is at most a year long.
	_, err = e.Insight.GetOverview(ctx, &estampv1.GetOverviewRequest{Days: 367})
	wantCode(t, err, codes.InvalidArgument, "days: 367, at most 366")
	_, err = e.Insight.GetDelivery(ctx, &estampv1.GetDeliveryRequest{RetailerId: "CH-A", DeliveryId: b.DeliveryId})
	wantCode(t, err, codes.NotFound, "delivery")
}
