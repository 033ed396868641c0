// Package insight implements InsightService: the numbers of the web
// console. The office sees the whole programme (registry, certificates
// due, stamps issued and scanned per day, flags to review); a producer how
// its stamps are scanned and which shops received its goods; a retailer
// its deliveries.
//
// The store keeps the counters as it records scans, intakes and issuance
// (store/insight.go); this package asks for them by day and says them in
// the API's words. Who may ask for what is the access table's
// (server/authz.go).
package insight

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/auth"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/paging"
	"github.com/ocopvn/estamp/internal/record"
	"github.com/ocopvn/estamp/internal/store"
)

// The daily series and the lists a report holds.
const (
	// DefaultDays and MaxDays are the days a daily series covers when the
	// request says 0, and at most: a year, leap day included.
	DefaultDays = 30
	MaxDays     = 366
	// maxCertificates bounds each list of certificates in the overview;
	// the counts beside them say how many in all.
	maxCertificates = 1000
	// maxReportBatches and maxReportFlags bound a scan report's lists;
	// ListFlags pages through every flag.
	maxReportBatches = 1000
	maxReportFlags   = 100
)

// Store is what the service reads and writes.
type Store interface {
	Overview(ctx context.Context, from, to int32) (*store.Overview, error)
	ScanReport(ctx context.Context, q store.ReportQuery) (*store.ScanReport, error)
	Flags(ctx context.Context, q store.FlagQuery) ([]store.Flag, bool, error)
	ReviewFlag(ctx context.Context, serial uint64, note string, ch audit.Change, reviewed func(store.Flag) audit.Entry) (store.Flag, error)
	Deliveries(ctx context.Context, retailerID string, before uint64, limit int) ([]store.Delivery, bool, error)
	Delivery(ctx context.Context, retailerID string, id uint64) (store.Delivery, error)
}

// Service implements estampv1.InsightServiceServer.
type Service struct {
	estampv1.UnimplementedInsightServiceServer
	store  Store
	events Events
	now    func() time.Time
}

// New returns the service; events writes traceability exports; now is the
// clock, whose day in Vietnam ends every daily series.
func New(st Store, events Events, now func() time.Time) *Service {
	return &Service{store: st, events: events, now: now}
}

// window is the days of a daily series ending today: `days` of them, 0
// meaning DefaultDays.
func window(days uint32, now time.Time) (from, to int32, err error) {
	switch {
	case days == 0:
		days = DefaultDays
	case days > MaxDays:
		return 0, 0, ocop.Invalid("days", "%d, tối đa %d", "%d, at most %d", days, MaxDays)
	}
	to = ocop.Day(now)
	return to - int32(days) + 1, to, nil
}

// GetOverview implements estampv1.InsightServiceServer.
func (s *Service) GetOverview(ctx context.Context, req *estampv1.GetOverviewRequest) (*estampv1.GetOverviewResponse, error) {
	now := s.now()
	from, to, err := window(req.GetDays(), now)
	if err != nil {
		return nil, err
	}
	o, err := s.store.Overview(ctx, from, to)
	if err != nil {
		return nil, err
	}
	resp := &estampv1.GetOverviewResponse{
		Producers:         uint32(len(o.Producers)),
		Products:          uint32(len(o.Products)),
		Days:              dayCounts(o.Days),
		OpenFlags:         uint32(o.OpenFlags),
		RevocationEntries: o.RevocationEntries,
	}
	grades := map[int32]uint32{}
	for _, p := range o.Products {
		grades[p.StarGrade]++
	}
	for _, g := range slices.Sorted(maps.Keys(grades)) {
		resp.Grades = append(resp.Grades, &estampv1.GradeCount{StarGrade: g, Products: grades[g]})
	}
	expiring, expired := certificatesDue(o, now)
	resp.ExpiringCount, resp.ExpiredCount = uint32(len(expiring)), uint32(len(expired))
	resp.ExpiringCertificates = expiring[:min(len(expiring), maxCertificates)]
	resp.ExpiredCertificates = expired[:min(len(expired), maxCertificates)]
	return resp, nil
}

// certificatesDue lists the certificates in force that expire within
// ocop.ExpiryNotice days of now, soonest first, and those that have expired,
// most recently first. A revoked certificate is in neither: it ended by
// decision, not by date.
func certificatesDue(o *store.Overview, now time.Time) (expiring, expired []*estampv1.CertificateDue) {
	names := map[string]string{}
	for _, p := range o.Producers {
		names[p.Id] = p.Name
	}
	horizon := ocop.Today(now).AddDate(0, 0, ocop.ExpiryNotice)
	for _, p := range o.Products {
		c := p.GetCertificate()
		if c == nil {
			continue
		}
		due := &estampv1.CertificateDue{ProductId: p.Id, ProductName: p.Name, ProducerId: p.ProducerId, ProducerName: names[p.ProducerId],
			StarGrade: p.StarGrade, DecisionNumber: c.DecisionNumber, ValidUntil: c.ValidUntil}
		switch ocop.CertificateStatus(c, now) {
		case estampv1.CertificateStatus_CERTIFICATE_STATUS_EXPIRED:
			expired = append(expired, due)
		case estampv1.CertificateStatus_CERTIFICATE_STATUS_ACTIVE:
			// Active means valid_until parses and is today or later.
			if until, _ := time.Parse(ocop.DateLayout, c.ValidUntil); !until.After(horizon) {
				expiring = append(expiring, due)
			}
		}
	}
	// YYYY-MM-DD sorts as the dates do.
	slices.SortFunc(expiring, func(a, b *estampv1.CertificateDue) int {
		return cmp.Or(strings.Compare(a.ValidUntil, b.ValidUntil), strings.Compare(a.ProductId, b.ProductId))
	})
	slices.SortFunc(expired, func(a, b *estampv1.CertificateDue) int {
		return cmp.Or(strings.Compare(b.ValidUntil, a.ValidUntil), strings.Compare(a.ProductId, b.ProductId))
	})
	return expiring, expired
}

func dayCounts(days []store.Day) []*estampv1.DayCount {
	out := make([]*estampv1.DayCount, len(days))
	for i, d := range days {
		out[i] = &estampv1.DayCount{Date: ocop.DayDate(d.Day), StampsIssued: d.StampsIssued, Scans: d.Scans, FirstScans: d.FirstScans}
	}
	return out
}

// GetScanReport implements estampv1.InsightServiceServer.
func (s *Service) GetScanReport(ctx context.Context, req *estampv1.GetScanReportRequest) (*estampv1.GetScanReportResponse, error) {
	if err := ocop.CheckID("producer_id", req.GetProducerId()); err != nil {
		return nil, err
	}
	if req.GetProductId() != "" {
		if err := ocop.CheckID("product_id", req.GetProductId()); err != nil {
			return nil, err
		}
	}
	from, to, err := window(req.GetDays(), s.now())
	if err != nil {
		return nil, err
	}
	r, err := s.store.ScanReport(ctx, store.ReportQuery{ProducerID: req.GetProducerId(), ProductID: req.GetProductId(),
		From: from, To: to, MaxBatches: maxReportBatches, MaxFlags: maxReportFlags})
	if err != nil {
		return nil, err
	}
	resp := &estampv1.GetScanReportResponse{
		ProducerId:     req.GetProducerId(),
		ProductId:      req.GetProductId(),
		Days:           dayCounts(r.Days),
		BatchesLeftOut: uint32(r.BatchesLeftOut),
		OpenFlags:      uint32(r.OpenFlags),
	}
	for _, b := range r.Batches {
		bs := &estampv1.BatchScans{BatchId: b.Batch.Id, ProductId: b.Batch.ProductId, ProductName: b.ProductName, Lot: b.Batch.Lot,
			Quantity: b.Batch.Quantity, IssueTime: b.Batch.IssueTime, Revoked: b.Batch.Revoked, ScannedStamps: b.Scanned, Scans: b.Scans}
		if b.Batch.Quantity > 0 {
			bs.FirstScanRate = float64(b.Scanned) / float64(b.Batch.Quantity)
		}
		resp.Batches = append(resp.Batches, bs)
	}
	for _, f := range r.Flags {
		resp.Flags = append(resp.Flags, flagOf(f))
	}
	for _, sh := range r.Shops {
		resp.Shops = append(resp.Shops, &estampv1.ShopReceipt{RetailerId: sh.RetailerID, RetailerName: sh.RetailerName,
			StampsReceived: sh.Stamps, SuspectedCopies: sh.SuspectedCopies,
			FirstReceiveTime: timestamp(sh.First), LastReceiveTime: timestamp(sh.Last)})
	}
	return resp, nil
}

// timestamp is t as the API sends it; unset for the zero time.
func timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// flagOf is a stored flag as the API shows it.
func flagOf(f store.Flag) *estampv1.Flag {
	r := f.Record
	out := &estampv1.Flag{
		Serial:      f.Serial,
		FirstTime:   timestamp(record.Time(r.FirstUnixNano)),
		LatestTime:  timestamp(record.Time(r.LatestUnixNano)),
		RetailerIds: r.RetailerIds,
		BatchId:     r.BatchId,
		ProductId:   r.ProductId,
		ProducerId:  r.ProducerId,
		ScanCount:   f.ScanCount,
		Reviewed:    r.ReviewedUnixNano != 0,
		ReviewedBy:  r.ReviewedBy,
		ReviewTime:  timestamp(record.Time(r.ReviewedUnixNano)),
		ReviewNote:  r.ReviewNote,
	}
	for _, k := range r.Kinds {
		out.Kinds = append(out.Kinds, estampv1.FlagKind(k))
	}
	return out
}

// ListFlags implements estampv1.InsightServiceServer.
func (s *Service) ListFlags(ctx context.Context, req *estampv1.ListFlagsRequest) (*estampv1.ListFlagsResponse, error) {
	limit, after, err := paging.Numbered(req)
	if err != nil {
		return nil, err
	}
	if req.GetProducerId() != "" {
		if err := ocop.CheckID("producer_id", req.GetProducerId()); err != nil {
			return nil, err
		}
	}
	list, more, err := s.store.Flags(ctx, store.FlagQuery{ProducerID: req.GetProducerId(), IncludeReviewed: req.GetIncludeReviewed(), After: after, Limit: limit})
	if err != nil {
		return nil, err
	}
	resp := &estampv1.ListFlagsResponse{NextPageToken: paging.Next(list, more, func(last store.Flag) string { return paging.NumberToken(last.Serial) })}
	for _, f := range list {
		resp.Flags = append(resp.Flags, flagOf(f))
	}
	return resp, nil
}

// ReviewFlag implements estampv1.InsightServiceServer.
func (s *Service) ReviewFlag(ctx context.Context, req *estampv1.ReviewFlagRequest) (*estampv1.ReviewFlagResponse, error) {
	if req.GetSerial() == 0 {
		return nil, ocop.Invalid("serial", "bắt buộc", "required")
	}
	note, err := ocop.Text("note", req.GetNote(), false, ocop.MaxReasonLength)
	if err != nil {
		return nil, err
	}
	f, err := s.store.ReviewFlag(ctx, req.GetSerial(), note, audit.Change{Actor: auth.Actor(ctx), Time: s.now()}, func(f store.Flag) audit.Entry {
		return audit.Entry{Action: audit.FlagReview, Target: fmt.Sprint(f.Serial), Detail: reviewDetail(f, note)}
	})
	if err != nil {
		return nil, err
	}
	return &estampv1.ReviewFlagResponse{Flag: flagOf(f)}, nil
}

// reviewDetail is the audit log's account of a review: what the flag
// said, and the reviewer's note.
func reviewDetail(f store.Flag, note string) string {
	kinds := make([]string, len(f.Record.Kinds))
	for i, k := range f.Record.Kinds {
		kinds[i] = strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(estampv1.FlagKind(k).String(), "FLAG_KIND_"), "_", " "))
	}
	d := fmt.Sprintf("%s, %d scans", strings.Join(kinds, " and "), f.ScanCount)
	if len(f.Record.RetailerIds) > 0 {
		d += ", received by " + strings.Join(f.Record.RetailerIds, ", ")
	}
	if note != "" {
		d += ": " + note
	}
	return d
}

// ListDeliveries implements estampv1.InsightServiceServer.
func (s *Service) ListDeliveries(ctx context.Context, req *estampv1.ListDeliveriesRequest) (*estampv1.ListDeliveriesResponse, error) {
	// Newest first: a page token holds the last id listed, and the next
	// page lists those below it.
	limit, before, err := paging.Numbered(req)
	if err != nil {
		return nil, err
	}
	if err := ocop.CheckID("retailer_id", req.GetRetailerId()); err != nil {
		return nil, err
	}
	list, more, err := s.store.Deliveries(ctx, req.GetRetailerId(), before, limit)
	if err != nil {
		return nil, err
	}
	resp := &estampv1.ListDeliveriesResponse{NextPageToken: paging.Next(list, more, func(last store.Delivery) string { return paging.NumberToken(last.ID) })}
	for _, d := range list {
		resp.Deliveries = append(resp.Deliveries, deliveryOf(d, false))
	}
	return resp, nil
}

// GetDelivery implements estampv1.InsightServiceServer.
func (s *Service) GetDelivery(ctx context.Context, req *estampv1.GetDeliveryRequest) (*estampv1.GetDeliveryResponse, error) {
	if err := ocop.CheckID("retailer_id", req.GetRetailerId()); err != nil {
		return nil, err
	}
	if req.GetDeliveryId() == 0 {
		return nil, ocop.Invalid("delivery_id", "bắt buộc", "required")
	}
	d, err := s.store.Delivery(ctx, req.GetRetailerId(), req.GetDeliveryId())
	if err != nil {
		return nil, err
	}
	return &estampv1.GetDeliveryResponse{Delivery: deliveryOf(d, true)}, nil
}

// deliveryOf is a stored delivery as the API shows it, with its problem
// rows or without.
func deliveryOf(d store.Delivery, problems bool) *estampv1.Delivery {
	r := d.Record
	out := &estampv1.Delivery{
		DeliveryId:      d.ID,
		RetailerId:      d.RetailerID,
		ReceiveTime:     timestamp(record.Time(r.TimeUnixNano)),
		Actor:           r.Actor,
		Reference:       r.Reference,
		Codes:           r.Codes,
		ProblemCount:    uint32(len(r.Problems)) + r.ProblemsLeftOut,
		ProblemsLeftOut: r.ProblemsLeftOut,
	}
	for _, v := range r.Verdicts {
		out.Verdicts = append(out.Verdicts, &estampv1.VerdictCount{Verdict: estampv1.IntakeVerdict(v.Verdict), Count: v.Count})
	}
	if !problems {
		return out
	}
	for _, p := range r.Problems {
		row := &estampv1.DeliveryProblem{Line: p.Line, Serial: p.Serial, BatchId: p.BatchId, ProductId: p.ProductId,
			Lot: p.Lot, Verdict: estampv1.IntakeVerdict(p.Verdict), OtherRetailerId: p.OtherRetailerId, RevocationReason: p.RevocationReason,
			OtherRetailerName: p.OtherRetailerName}
		if p.OtherReceiveUnixNano != 0 {
			row.OtherReceiveTime = timestamppb.New(record.Time(p.OtherReceiveUnixNano))
		}
		if p.OtherSaleUnixNano != 0 {
			row.OtherSaleTime = timestamppb.New(record.Time(p.OtherSaleUnixNano))
		}
		out.Problems = append(out.Problems, row)
	}
	return out
}
