package store_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/record"
	"github.com/ocopvn/estamp/internal/store"
)

// day0 is the day of t0 in Vietnam: 2026-11-28 (t0 is 16:00 there).
var day0 = ocop.Day(t0)

// insightStore opens a store on a real file that flags stamps past
// manyScans scans, with producer P (products A and B) and producer Q
// (product C), and retailers R1 to R3.
func insightStore(t *testing.T, manyScans uint64) *store.Store {
	t.Helper()
	s, err := store.Open(filepath.Join(t.TempDir(), "estamp.db"), store.Options{ManyScans: manyScans})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	seed(t, s, "P", "A", "B")
	seed(t, s, "Q", "C")
	for _, id := range []string{"R1", "R2", "R3"} {
		if err := s.CreateRetailer(ctx, &estampv1.Retailer{Id: id, Name: "Cửa hàng " + id}, at(t0), said(audit.RetailerCreate, id)); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// issue issues a batch of n stamps of a product at a time.
func issue(t *testing.T, s *store.Store, product string, n uint32, when time.Time) *estampv1.Batch {
	t.Helper()
	b, _, err := s.IssueBatch(ctx, fmt.Sprint(product, when.UnixNano(), n), product, at(when), planOf(n), issued)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// scan records scans in one commit, as the recorder groups them.
func scan(t *testing.T, s *store.Store, scans ...record.Scan) {
	t.Helper()
	if _, err := s.RecordScans(ctx, scans, counted); err != nil {
		t.Fatal(err)
	}
}

// scansOf is n scans of serial at `at`.
func scansOf(serial uint64, when time.Time, n int) []record.Scan {
	out := make([]record.Scan, n)
	for i := range out {
		out[i] = record.Scan{Serial: serial, Time: when.Add(time.Duration(i) * time.Second)}
	}
	return out
}

// daysOf shows days as "offset from day0: scans/first scans/issued".
func daysOf(days []store.Day) []string {
	var out []string
	for _, d := range days {
		if d.Scans != 0 || d.FirstScans != 0 || d.StampsIssued != 0 {
			out = append(out, fmt.Sprintf("%+d: %d/%d/%d", d.Day-day0, d.Scans, d.FirstScans, d.StampsIssued))
		}
	}
	return out
}

// Scans are counted per batch and per day in Vietnam in the commit that
// records them, however a commit mixes batches and days: a stamp's first
// scan counts on its day, and the service's days sum every batch.
func TestScanCountersPerBatchAndDay(t *testing.T) {
	s := insightStore(t, 0)
	a := issue(t, s, "A", 10, t0)                                 // serials 1-10
	b := issue(t, s, "B", 5, t0.Add(24*time.Hour))                // 11-15, the next day
	c := issue(t, s, "C", 4, t0.Add(-24*time.Hour))               // 16-19, producer Q's
	lastMinute := time.Date(2026, 11, 28, 16, 59, 0, 0, time.UTC) // 23:59 in Vietnam, day0
	midnight := time.Date(2026, 11, 28, 17, 0, 0, 0, time.UTC)    // 00:00 in Vietnam, day0+1

	// One commit: batches A and B and C, two days.
	scan(t, s, append(append(scansOf(1, t0, 3), scansOf(11, lastMinute, 1)...), record.Scan{Serial: 2, Time: midnight}, record.Scan{Serial: 16, Time: t0})...)
	// The next commits: stamp 1 again the next day, stamp 12 two days on.
	scan(t, s, record.Scan{Serial: 1, Time: midnight}, record.Scan{Serial: 11, Time: midnight})
	scan(t, s, record.Scan{Serial: 12, Time: t0.Add(48 * time.Hour)})

	tests := []struct {
		name    string
		product string
		from    int32
		want    []string
		batches []string // id: scans/scanned of quantity
	}{
		{"producer P", "", day0 - 1, []string{"+0: 4/2/10", "+1: 3/1/5", "+2: 1/1/0"}, []string{
			fmt.Sprintf("%d: 3/2 of 5", b.Id), fmt.Sprintf("%d: 5/2 of 10", a.Id)}},
		{"product A", "A", day0 - 1, []string{"+0: 3/1/10", "+1: 2/1/0"}, []string{fmt.Sprintf("%d: 5/2 of 10", a.Id)}},
		{"product B", "B", day0 - 1, []string{"+0: 1/1/0", "+1: 1/0/5", "+2: 1/1/0"}, []string{fmt.Sprintf("%d: 3/2 of 5", b.Id)}},
		// A window leaves out the days outside it, not the totals.
		{"product B from the next day", "B", day0 + 1, []string{"+1: 1/0/5", "+2: 1/1/0"}, []string{fmt.Sprintf("%d: 3/2 of 5", b.Id)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := s.ScanReport(ctx, store.ReportQuery{ProducerID: "P", ProductID: tt.product, From: tt.from, To: day0 + 3, MaxBatches: 10, MaxFlags: 10})
			if err != nil {
				t.Fatal(err)
			}
			if got := daysOf(r.Days); !slices.Equal(got, tt.want) {
				t.Errorf("days = %q, want %q", got, tt.want)
			}
			if len(r.Days) != int(day0+3-tt.from+1) || r.Days[0].Day != tt.from {
				t.Errorf("%d days from %d, want every day from %d to %d", len(r.Days), r.Days[0].Day, tt.from, day0+3)
			}
			var batches []string
			for _, b := range r.Batches {
				batches = append(batches, fmt.Sprintf("%d: %d/%d of %d", b.Batch.Id, b.Scans, b.Scanned, b.Batch.Quantity))
			}
			if !slices.Equal(batches, tt.batches) {
				t.Errorf("batches = %q, want %q (newest first)", batches, tt.batches)
			}
		})
	}

	// The office's days hold every producer's batches.
	o, err := s.Overview(ctx, day0-1, day0+2)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := daysOf(o.Days), []string{"-1: 0/0/4", "+0: 5/3/10", "+1: 3/1/5", "+2: 1/1/0"}; !slices.Equal(got, want) {
		t.Errorf("the service's days = %q, want %q", got, want)
	}
	if len(o.Producers) != 2 || len(o.Products) != 3 || o.OpenFlags != 0 {
		t.Errorf("overview: %d producers, %d products, %d open flags", len(o.Producers), len(o.Products), o.OpenFlags)
	}
	if _, err := s.ScanReport(ctx, store.ReportQuery{ProducerID: "P", ProductID: "C", From: day0, To: day0}); !errors.As(err, new(*ocop.InvalidError)) {
		t.Errorf("report of P for Q's product: %v, want InvalidArgument", err)
	}
	if _, err := s.ScanReport(ctx, store.ReportQuery{ProducerID: "X", From: day0, To: day0}); !errors.As(err, new(*ocop.NotFoundError)) {
		t.Errorf("report of a producer that does not exist: %v, want NotFound", err)
	}
	if r, err := s.ScanReport(ctx, store.ReportQuery{ProducerID: "Q", From: day0 - 1, To: day0, MaxBatches: 10}); err != nil ||
		!slices.Equal(daysOf(r.Days), []string{"-1: 0/0/4", "+0: 1/1/0"}) || len(r.Batches) != 1 || r.Batches[0].Batch.Id != c.Id {
		t.Errorf("Q's report = %+v, %v", r, err)
	}
}

// A report lists the newest batches up to its bound and says how many it
// left out; every batch still counts in the days.
func TestScanReportBoundsItsBatches(t *testing.T) {
	s := insightStore(t, 0)
	for i := range 3 {
		issue(t, s, "A", 2, t0.Add(time.Duration(i)*time.Minute))
	}
	scan(t, s, record.Scan{Serial: 1, Time: t0}, record.Scan{Serial: 6, Time: t0})
	r, err := s.ScanReport(ctx, store.ReportQuery{ProducerID: "P", From: day0, To: day0, MaxBatches: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Batches) != 2 || r.Batches[0].Batch.Id != 3 || r.Batches[1].Batch.Id != 2 || r.BatchesLeftOut != 1 || r.Days[0].Scans != 2 || r.Days[0].StampsIssued != 6 {
		t.Errorf("report = %d batches (%v), %d left out, day %+v", len(r.Batches), r.Batches, r.BatchesLeftOut, r.Days[0])
	}
}

// A stamp is flagged MANY_SCANS in the commit where its count first passes
// the threshold, at that scan's time, once; no threshold flags nothing.
func TestManyScansFlagAtTheThreshold(t *testing.T) {
	tests := []struct {
		name      string
		threshold uint64
		commits   [][]record.Scan
		wantAt    time.Time // zero: no flag
	}{
		{"at the threshold: not yet", 3, [][]record.Scan{scansOf(1, t0, 3)}, time.Time{}},
		{"one past it, scan by scan", 3, [][]record.Scan{scansOf(1, t0, 3), scansOf(1, t0.Add(time.Hour), 1), scansOf(1, t0.Add(2*time.Hour), 2)}, t0.Add(time.Hour)},
		{"past it within one commit", 3, [][]record.Scan{scansOf(1, t0, 6)}, t0.Add(3 * time.Second)},
		{"no threshold", 0, [][]record.Scan{scansOf(1, t0, 20)}, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := insightStore(t, tt.threshold)
			issue(t, s, "A", 3, t0)
			for _, c := range tt.commits {
				scan(t, s, c...)
			}
			flags, _, err := s.Flags(ctx, store.FlagQuery{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantAt.IsZero() {
				if len(flags) != 0 {
					t.Errorf("flags = %v, want none", flags)
				}
				return
			}
			if len(flags) != 1 {
				t.Fatalf("flags = %v, want stamp 1's", flags)
			}
			f := flags[0]
			total := 0
			for _, c := range tt.commits {
				total += len(c)
			}
			if f.Serial != 1 || !slices.Equal(f.Record.Kinds, []int32{int32(estampv1.FlagKind_FLAG_KIND_MANY_SCANS)}) ||
				!record.Time(f.Record.FirstUnixNano).Equal(tt.wantAt) || f.Record.ScanCount != tt.threshold+1 ||
				f.Record.ProducerId != "P" || f.Record.ProductId != "A" || f.Record.BatchId != 1 || f.ScanCount != uint64(total) {
				t.Errorf("flag = %+v (scan count now %d), want MANY_SCANS of P's stamp 1 at %v, flagged at %d scans", f.Record, f.ScanCount, tt.wantAt, tt.threshold+1)
			}
		})
	}
}

// receive is an intake of serials at a retailer as custody makes one: a
// stamp another retailer received is a suspected copy, and done reports
// the delivery with its problems (plus extra ones, made up). It returns
// the delivery id.
func receive(t *testing.T, s *store.Store, retailer string, when time.Time, batch uint64, extra []*estampv1.IntakeItem, serials ...uint64) uint64 {
	t.Helper()
	items := make([]record.Intake, len(serials))
	rows := make([]*estampv1.IntakeItem, len(serials))
	for i, serial := range serials {
		items[i] = record.Intake{Serial: serial, BatchID: batch}
		rows[i] = &estampv1.IntakeItem{Line: uint32(i + 1), Serial: serial, Verdict: estampv1.IntakeVerdict_INTAKE_VERDICT_NOT_ISSUED}
	}
	_, id, err := s.ReceiveStamps(ctx, retailer, items, audit.Change{Actor: "retailer " + retailer, Time: when}, func(i int, rec *record.Stamp, before []*record.Receipt) bool {
		if rec == nil {
			return false
		}
		it := rows[i]
		it.BatchId, it.ProductId, it.Lot, it.Verdict = rec.Batch.Id, rec.Product.Id, rec.Batch.Lot, estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED
		for _, r := range before {
			switch {
			case r.RetailerId != retailer:
				it.Verdict, it.OtherRetailerId = estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY, r.RetailerId
			case it.Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY:
				it.Verdict = estampv1.IntakeVerdict_INTAKE_VERDICT_ALREADY_RECEIVED
			}
		}
		return true
	}, func(st *record.StampState, retailerID string, at time.Time) {
		for _, r := range st.Receipts {
			if r.RetailerId == retailerID {
				r.Count++
				r.LastUnixNano = at.UnixNano()
				return
			}
		}
		st.Receipts = append(st.Receipts, &record.Receipt{RetailerId: retailerID, FirstUnixNano: at.UnixNano(), LastUnixNano: at.UnixNano(), Count: 1})
	}, func() (audit.Entry, record.Delivery) {
		d := record.Delivery{Reference: "PX-" + retailer, Codes: len(rows) + len(extra)}
		counts := map[estampv1.IntakeVerdict]uint32{}
		for _, it := range append(slices.Clone(rows), extra...) {
			counts[it.Verdict]++
			if it.Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED && it.Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_ALREADY_RECEIVED {
				d.Problems = append(d.Problems, it)
			}
		}
		for v, n := range counts {
			d.Verdicts = append(d.Verdicts, &estampv1.VerdictCount{Verdict: v, Count: n})
		}
		slices.SortFunc(d.Verdicts, func(a, b *estampv1.VerdictCount) int { return int(a.Verdict) - int(b.Verdict) })
		return audit.Entry{Action: audit.DeliveryReceive, Target: retailer}, d
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// An intake of a stamp another retailer received flags it SUSPECTED_COPY
// in the delivery's commit, naming both shops; the delivery keeps its
// problem rows; each shop's receipts count per product. A reviewed flag
// stays closed for a re-scan, and opens again for a third shop.
func TestSuspectedCopyFlagAndDeliveries(t *testing.T) {
	s := insightStore(t, 0)
	a := issue(t, s, "A", 5, t0)
	t1, t2, t3 := t0.Add(time.Hour), t0.Add(2*time.Hour), t0.Add(3*time.Hour)

	first := receive(t, s, "R1", t0, a.Id, nil, 1, 2, 3)
	copied := receive(t, s, "R2", t1, a.Id, nil, 1, 4, 99)
	if first == 0 || copied <= first {
		t.Fatalf("delivery ids %d then %d: want them to grow", first, copied)
	}

	flags, _, err := s.Flags(ctx, store.FlagQuery{ProducerID: "P", Limit: 10})
	if err != nil || len(flags) != 1 {
		t.Fatalf("P's flags = %v, %v; want stamp 1's", flags, err)
	}
	f := flags[0].Record
	if flags[0].Serial != 1 || !slices.Equal(f.Kinds, []int32{int32(estampv1.FlagKind_FLAG_KIND_SUSPECTED_COPY)}) || !slices.Equal(f.RetailerIds, []string{"R1", "R2"}) ||
		!record.Time(f.FirstUnixNano).Equal(t1) || f.BatchId != a.Id || f.ProducerId != "P" || f.ReviewedUnixNano != 0 {
		t.Errorf("flag = %+v", f)
	}
	if others, _, err := s.Flags(ctx, store.FlagQuery{ProducerID: "Q", Limit: 10}); err != nil || len(others) != 0 {
		t.Errorf("Q's flags = %v, %v; want none", others, err)
	}

	// The delivery with the copy: its problems, in line order.
	d, err := s.Delivery(ctx, "R2", copied)
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, p := range d.Record.Problems {
		rows = append(rows, fmt.Sprintf("%d %d %s %s %s", p.Line, p.Serial, p.ProductId, estampv1.IntakeVerdict(p.Verdict), p.OtherRetailerId))
	}
	if want := []string{"1 1 A INTAKE_VERDICT_SUSPECTED_COPY R1", "3 99  INTAKE_VERDICT_NOT_ISSUED "}; !slices.Equal(rows, want) ||
		d.Record.Codes != 3 || d.Record.Reference != "PX-R2" || d.Record.Actor != "retailer R2" || !record.Time(d.Record.TimeUnixNano).Equal(t1) {
		t.Errorf("delivery %d = %+v, problems %q; want %q", copied, d.Record, rows, want)
	}
	if _, err := s.Delivery(ctx, "R1", copied); !errors.As(err, new(*ocop.NotFoundError)) {
		t.Errorf("R2's delivery read as R1's: %v, want NotFound", err)
	}

	// The shops that received P's goods, most stamps first.
	r, err := s.ScanReport(ctx, store.ReportQuery{ProducerID: "P", From: day0, To: day0, MaxFlags: 10})
	if err != nil {
		t.Fatal(err)
	}
	var shops []string
	for _, sh := range r.Shops {
		shops = append(shops, fmt.Sprintf("%s %s: %d stamps, %d copies, %v to %v", sh.RetailerID, sh.RetailerName, sh.Stamps, sh.SuspectedCopies, sh.First.Sub(t0), sh.Last.Sub(t0)))
	}
	if want := []string{"R1 Cửa hàng R1: 3 stamps, 0 copies, 0s to 0s", "R2 Cửa hàng R2: 2 stamps, 1 copies, 1h0m0s to 1h0m0s"}; !slices.Equal(shops, want) {
		t.Errorf("shops = %q, want %q", shops, want)
	}
	if r.OpenFlags != 1 || len(r.Flags) != 1 {
		t.Errorf("report's flags: %d open, %v", r.OpenFlags, r.Flags)
	}

	// Reviewed once, on the record; a second review changes nothing.
	entries := func() int {
		list, _, err := s.AuditEntries(ctx, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	before := entries()
	reviewed := func(f store.Flag) audit.Entry {
		return audit.Entry{Action: audit.FlagReview, Target: fmt.Sprint(f.Serial)}
	}
	got, err := s.ReviewFlag(ctx, 1, "đã kiểm tra", audit.Change{Actor: "admin office", Time: t2}, reviewed)
	if err != nil || got.Record.ReviewedBy != "admin office" || got.Record.ReviewNote != "đã kiểm tra" || !record.Time(got.Record.ReviewedUnixNano).Equal(t2) {
		t.Fatalf("review = %+v, %v", got, err)
	}
	if again, err := s.ReviewFlag(ctx, 1, "lần hai", audit.Change{Actor: "admin other", Time: t3}, reviewed); err != nil || again.Record.ReviewedBy != "admin office" {
		t.Errorf("second review = %+v, %v; want the first kept", again, err)
	}
	if n := entries(); n != before+1 {
		t.Errorf("%d audit entries for two reviews, want 1", n-before)
	}
	if _, err := s.ReviewFlag(ctx, 2, "", at(t2), reviewed); !errors.As(err, new(*ocop.NotFoundError)) {
		t.Errorf("review of a stamp without a flag: %v, want NotFound", err)
	}
	open, _, _ := s.Flags(ctx, store.FlagQuery{Limit: 10})
	all, _, _ := s.Flags(ctx, store.FlagQuery{IncludeReviewed: true, Limit: 10})
	if len(open) != 0 || len(all) != 1 {
		t.Errorf("after the review: %d open, %d in all; want 0 and 1", len(open), len(all))
	}

	// R2 scanning its copy again is nothing new; R3 receiving it is.
	receive(t, s, "R2", t3, a.Id, nil, 1)
	if all, _, _ := s.Flags(ctx, store.FlagQuery{IncludeReviewed: true, Limit: 10}); all[0].Record.ReviewedUnixNano == 0 || !record.Time(all[0].Record.LatestUnixNano).Equal(t3) {
		t.Errorf("after R2's re-scan: %+v; want still reviewed, latest %v", all[0].Record, t3)
	}
	receive(t, s, "R3", t3.Add(time.Hour), a.Id, nil, 1)
	open, _, _ = s.Flags(ctx, store.FlagQuery{Limit: 10})
	if len(open) != 1 || open[0].Record.ReviewedBy != "" || !slices.Equal(open[0].Record.RetailerIds, []string{"R1", "R2", "R3"}) {
		t.Errorf("after R3's intake: %v; want the flag open again with three shops", open)
	}
	if o, err := s.Overview(ctx, day0, day0); err != nil || o.OpenFlags != 1 {
		t.Errorf("overview's open flags: %v, %v", o, err)
	}
	// R2's re-scan is one more copy at R2, not one more stamp.
	r, err = s.ScanReport(ctx, store.ReportQuery{ProducerID: "P", ProductID: "A", From: day0, To: day0})
	if err != nil {
		t.Fatal(err)
	}
	shops = nil
	for _, sh := range r.Shops {
		shops = append(shops, fmt.Sprintf("%s: %d stamps, %d copies, last %v", sh.RetailerID, sh.Stamps, sh.SuspectedCopies, sh.Last.Sub(t0)))
	}
	if want := []string{"R1: 3 stamps, 0 copies, last 0s", "R2: 2 stamps, 2 copies, last 3h0m0s", "R3: 1 stamps, 1 copies, last 4h0m0s"}; !slices.Equal(shops, want) {
		t.Errorf("shops at the end = %q, want %q", shops, want)
	}
}

// A delivery keeps its first MaxDeliveryProblems problem rows and counts
// the rest; a retailer's deliveries list newest first, page by page.
func TestDeliveriesAreBoundedAndListedNewestFirst(t *testing.T) {
	s := insightStore(t, 0)
	var bad []*estampv1.IntakeItem
	for i := range store.MaxDeliveryProblems + 5 {
		bad = append(bad, &estampv1.IntakeItem{Line: uint32(i + 1), Verdict: estampv1.IntakeVerdict_INTAKE_VERDICT_MALFORMED})
	}
	var ids []uint64
	for i := range 3 {
		ids = append(ids, receive(t, s, "R1", t0.Add(time.Duration(i)*time.Minute), 0, bad[:i*400]))
	}
	receive(t, s, "R2", t0, 0, nil) // another retailer's, between
	ids = append(ids, receive(t, s, "R1", t0.Add(time.Hour), 0, bad))

	d, err := s.Delivery(ctx, "R1", ids[3])
	if err != nil || len(d.Record.Problems) != store.MaxDeliveryProblems || d.Record.ProblemsLeftOut != 5 || d.Record.Codes != uint32(len(bad)) {
		t.Errorf("delivery of %d bad codes: %d rows kept, %d left out, %v", len(bad), len(d.Record.GetProblems()), d.Record.GetProblemsLeftOut(), err)
	}
	var pages [][]uint64
	var before uint64
	for {
		list, more, err := s.Deliveries(ctx, "R1", before, 3)
		if err != nil {
			t.Fatal(err)
		}
		var page []uint64
		for _, d := range list {
			page = append(page, d.ID)
			before = d.ID
		}
		pages = append(pages, page)
		if !more {
			break
		}
	}
	if want := [][]uint64{{ids[3], ids[2], ids[1]}, {ids[0]}}; fmt.Sprint(pages) != fmt.Sprint(want) {
		t.Errorf("pages = %v, want %v", pages, want)
	}
	if list, _, err := s.Deliveries(ctx, "R3", 0, 10); err != nil || len(list) != 0 {
		t.Errorf("R3's deliveries = %v, %v; want none", list, err)
	}
	if _, _, err := s.Deliveries(ctx, "NOBODY", 0, 10); !errors.As(err, new(*ocop.NotFoundError)) {
		t.Errorf("deliveries of a retailer that does not exist: %v", err)
	}
}

// Flags page in serial order, one producer's or all, open or all.
func TestFlagsPage(t *testing.T) {
	s := insightStore(t, 1)
	issue(t, s, "A", 4, t0) // P: 1-4
	issue(t, s, "C", 4, t0) // Q: 5-8
	for _, serial := range []uint64{1, 3, 4, 5, 7} {
		scan(t, s, scansOf(serial, t0, 2)...)
	}
	if _, err := s.ReviewFlag(ctx, 3, "", at(t0), func(store.Flag) audit.Entry { return said(audit.FlagReview, "3") }); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		q    store.FlagQuery
		want [][]uint64
	}{
		{"every open flag", store.FlagQuery{Limit: 2}, [][]uint64{{1, 4}, {5, 7}}},
		{"reviewed too", store.FlagQuery{IncludeReviewed: true, Limit: 3}, [][]uint64{{1, 3, 4}, {5, 7}}},
		{"P's", store.FlagQuery{ProducerID: "P", Limit: 1}, [][]uint64{{1}, {4}}},
		{"Q's", store.FlagQuery{ProducerID: "Q", Limit: 5}, [][]uint64{{5, 7}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pages [][]uint64
			q := tt.q
			for {
				list, more, err := s.Flags(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				var page []uint64
				for _, f := range list {
					page = append(page, f.Serial)
					q.After = f.Serial
				}
				pages = append(pages, page)
				if !more {
					break
				}
			}
			if fmt.Sprint(pages) != fmt.Sprint(tt.want) {
				t.Errorf("pages = %v, want %v", pages, tt.want)
			}
		})
	}
	if _, _, err := s.Flags(ctx, store.FlagQuery{ProducerID: "X", Limit: 5}); !errors.As(err, new(*ocop.NotFoundError)) {
		t.Errorf("flags of a producer that does not exist: %v", err)
	}
}

// A schema-6 database opens as schema 7 with its history counted from the
// stamps' states: scans per batch and day (those of days a state dropped
// in the batch's total only), first scans, stamps issued per day, flags
// at the moment the state says, and what each shop received; then the
// counters go on from there.
func TestMigrateSchema6(t *testing.T) {
	key := func(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }
	ns := func(days int, hours time.Duration) int64 {
		return t0.Add(time.Duration(days)*24*time.Hour + hours).UnixNano()
	}
	early := func(days ...int) []int64 {
		var out []int64
		for _, d := range days {
			out = append(out, ns(d, 0))
		}
		return out
	}
	copied := &storagev1.StampState{ // passes 5 scans on day0+2, and R2 took it on day0+1
		ScanCount: 8, FirstScanUnixNano: ns(0, 0), LastScanUnixNano: ns(3, 0), EarlyScansUnixNano: early(0, 0, 1, 1, 1),
		DailyScans: []*storagev1.DailyScans{{Day: day0 + 2, Count: 2}, {Day: day0 + 3, Count: 1}},
		Receipts: []*storagev1.Receipt{
			{RetailerId: "R1", FirstUnixNano: ns(0, time.Hour), LastUnixNano: ns(3, 0), Count: 2},
			{RetailerId: "R2", FirstUnixNano: ns(1, 0), LastUnixNano: ns(1, time.Hour), Count: 2},
		},
	}
	once := &storagev1.StampState{ScanCount: 1, FirstScanUnixNano: ns(1, 0), LastScanUnixNano: ns(1, 0), EarlyScansUnixNano: early(1),
		Receipts: []*storagev1.Receipt{{RetailerId: "R1", FirstUnixNano: ns(0, time.Hour), LastUnixNano: ns(0, time.Hour), Count: 1}}}
	// 100 scans, of which the state dated 5 early and 3 on its last day:
	// 92 on days it dropped, which were before.
	worn := &storagev1.StampState{ScanCount: 100, FirstScanUnixNano: ns(50, 0), LastScanUnixNano: ns(200, 0), EarlyScansUnixNano: early(50, 50, 50, 50, 50),
		DailyScans: []*storagev1.DailyScans{{Day: day0 + 200, Count: 3}}}
	buckets := []string{"meta", "producers", "products", "product_numbers", "batches", "product_batches", "requests", "stamps", "retailers", "batch_ranges", "revocations", "base_urls", "tokens", "key_states", "audit"}
	path := oldDB(t, buckets, func(tx *bolt.Tx, put func(string, []byte, proto.Message)) error {
		put("producers", []byte("P"), &storagev1.ProducerRecord{Name: "HTX P", CreateUnixNano: t0.UnixNano()})
		put("products", []byte("A"), &storagev1.ProductRecord{ProducerId: "P", Name: "Chiếu cói", StarGrade: 4, Number: 1, CreateUnixNano: t0.UnixNano(),
			Certificate: &storagev1.CertificateRecord{DecisionNumber: "1/QĐ-UBND", DecisionDate: "2025-01-01", ValidUntil: "2027-12-31", Authority: 2}})
		for _, r := range []string{"R1", "R2"} {
			put("retailers", []byte(r), &storagev1.RetailerRecord{Name: "Cửa hàng " + r})
		}
		put("batches", key(1), &storagev1.BatchRecord{ProductId: "A", Lot: "L1", Quantity: 10, FirstSerial: 1, StarGrade: 4, IssueUnixNano: t0.UnixNano()})
		tx.Bucket([]byte("batch_ranges")).Put(key(1), key(1))
		tx.Bucket([]byte("product_batches")).Put(append([]byte("A\x00"), key(1)...), nil)
		put("stamps", key(1), copied)
		put("stamps", key(2), once)
		put("stamps", key(3), worn)
		put("stamps", key(4), &storagev1.StampState{Revocation: &storagev1.Revocation{ListVersion: 1}})
		put("revocations", key(1), &storagev1.RevocationRecord{Entry: &estampv1.RevocationEntry{Version: 1, BatchId: 1, SerialRanges: []*estampv1.SerialRange{{First: 4, Last: 4}}}})
		meta := tx.Bucket([]byte("meta"))
		meta.Put([]byte("next_batch"), key(2))
		meta.Put([]byte("next_serial"), key(11))
		meta.Put([]byte("next_revocation"), key(2))
		return meta.Put([]byte("schema_version"), key(6))
	})
	upgraded := t0.Add(300 * 24 * time.Hour)
	s, err := store.Open(path, store.Options{ManyScans: 5, Now: func() time.Time { return upgraded }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	r, err := s.ScanReport(ctx, store.ReportQuery{ProducerID: "P", From: day0, To: day0 + 200, MaxBatches: 10, MaxFlags: 10})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"+0: 2/1/10", "+1: 4/1/0", "+2: 2/0/0", "+3: 1/0/0", "+50: 5/1/0", "+200: 3/0/0"}
	if got := daysOf(r.Days); !slices.Equal(got, want) {
		t.Errorf("days after the upgrade = %q, want %q", got, want)
	}
	if len(r.Batches) != 1 || r.Batches[0].Scans != 109 || r.Batches[0].Scanned != 3 {
		t.Errorf("batch 1 after the upgrade = %+v; want 109 scans of 3 stamps", r.Batches)
	}
	var shops []string
	for _, sh := range r.Shops {
		shops = append(shops, fmt.Sprintf("%s: %d stamps, %d copies, %v to %v", sh.RetailerID, sh.Stamps, sh.SuspectedCopies, sh.First.Sub(t0), sh.Last.Sub(t0)))
	}
	if want := []string{"R1: 2 stamps, 0 copies, 1h0m0s to 72h0m0s", "R2: 1 stamps, 2 copies, 24h0m0s to 25h0m0s"}; !slices.Equal(shops, want) {
		t.Errorf("shops after the upgrade = %q, want %q", shops, want)
	}

	flags, _, err := s.Flags(ctx, store.FlagQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range flags {
		var kinds []string
		for _, k := range f.Record.Kinds {
			kinds = append(kinds, strings.TrimPrefix(estampv1.FlagKind(k).String(), "FLAG_KIND_"))
		}
		got = append(got, fmt.Sprintf("%d %s %v to %v %v", f.Serial, strings.Join(kinds, "+"),
			record.Time(f.Record.FirstUnixNano).Sub(t0), record.Time(f.Record.LatestUnixNano).Sub(t0), f.Record.RetailerIds))
	}
	// Stamp 1: R2's first intake (day0+1, 16:00 in Vietnam), then its
	// sixth scan, on day0+2 (from its start, 00:00 in Vietnam), up to R1's
	// last intake. Stamp 3 passed 5 on a day its state dropped: flagged at
	// the first day it kept.
	sixth := ocop.DayStart(day0 + 2).Sub(t0)
	want = []string{
		"1 SUSPECTED_COPY+MANY_SCANS 24h0m0s to 72h0m0s [R1 R2]",
		fmt.Sprintf("3 MANY_SCANS %v to %v []", ocop.DayStart(day0+200).Sub(t0), ocop.DayStart(day0+200).Sub(t0)),
	}
	if !slices.Equal(got, want) {
		t.Errorf("flags after the upgrade = %q, want %q (stamp 1's sixth scan at %v)", got, want, sixth)
	}

	o, err := s.Overview(ctx, day0, day0+1)
	if err != nil || o.OpenFlags != 2 || !slices.Equal(daysOf(o.Days), []string{"+0: 2/1/10", "+1: 4/1/0"}) || o.RevocationEntries != 1 {
		t.Errorf("overview after the upgrade = %+v, %v", o, err)
	}
	log, _, err := s.AuditEntries(ctx, 0, 10)
	if err != nil || len(log) != 2 || log[0].Record.Action != "schema.upgrade" || log[0].Record.Detail != "6 -> 7: scans per batch and day, receipts per shop and flags of 2 stamps, from the stamps' states" ||
		!record.Time(log[0].Record.TimeUnixNano).Equal(upgraded) || !strings.HasPrefix(log[1].Record.Detail, "7 -> 8: ") {
		t.Errorf("the upgrade's audit entry = %v, %v", log, err)
	}

	// The counters go on from what the upgrade counted.
	scan(t, s, record.Scan{Serial: 2, Time: t0.Add(3 * 24 * time.Hour)}, record.Scan{Serial: 5, Time: t0.Add(3 * 24 * time.Hour)})
	if id := receive(t, s, "R2", t0.Add(4*24*time.Hour), 1, nil, 2); id != 1 {
		t.Errorf("the first delivery after the upgrade has id %d, want 1", id)
	}
	r, err = s.ScanReport(ctx, store.ReportQuery{ProducerID: "P", From: day0 + 3, To: day0 + 3, MaxBatches: 10})
	if err != nil || !slices.Equal(daysOf(r.Days), []string{"+3: 3/1/0"}) || r.Batches[0].Scans != 111 || r.Batches[0].Scanned != 4 {
		t.Errorf("after more scans: days %q, batches %+v, %v", daysOf(r.Days), r.Batches, err)
	}
	if r.Shops[1].RetailerID != "R2" || r.Shops[1].Stamps != 2 || r.Shops[1].SuspectedCopies != 3 {
		t.Errorf("R2 after another intake: %+v", r.Shops)
	}
}
