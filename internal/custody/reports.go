package custody

import (
	"context"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/record"
	"github.com/ocopvn/estamp/internal/relay"
	"github.com/ocopvn/estamp/internal/store"
	"github.com/ocopvn/estamp/internal/trust"
	"github.com/ocopvn/estamp/internal/verdict"
)

// trusted is what a report of another province is checked against: the
// national trust list as held now, which names the sender's keys, and
// how this issuer knows its own entry in it.
type trusted struct {
	issuers verdict.Issuers
	own     func(trust.Issuer) bool
}

// SetTrust lets the service take other provinces' reports of receipts
// (ReportReceipts), checked against the trust list issuers hold at each
// call; own recognises this issuer's entry in it (verdict.Checker.Own).
// Without it every report is refused: nothing vouches for its sender.
func (s *Service) SetTrust(issuers verdict.Issuers, own func(trust.Issuer) bool) {
	s.trust = trusted{issuers: issuers, own: own}
}

// ReportReceipts implements estampv1.CustodyServiceServer: another
// province's shops took in this issuer's stamps, and each receipt meets
// the custody rule that intake here does (takeIn), so that the same
// stamp at a shop here and a shop there is a suspected copy at either.
// docs/trust-list.md §9 specifies the exchange.
func (s *Service) ReportReceipts(ctx context.Context, req *estampv1.ReportReceiptsRequest) (*estampv1.ReportReceiptsResponse, error) {
	now := s.now()
	var list *trust.List
	if s.trust.issuers != nil {
		list = s.trust.issuers.List()
	}
	ownID, named := relay.OwnID(list, s.trust.own)
	if list != nil && !named {
		return nil, ocop.Precondition("danh sách tin cậy quốc gia không có đơn vị này, nên không có báo cáo nào gửi cho nó", "the national trust list does not name this issuer, so no report can be for it")
	}
	report, err := relay.Open(req, list, ownID, now)
	if err != nil {
		return nil, err
	}
	from, receipts := report.GetFromIssuerId(), report.GetReceipts()
	if from == ownID {
		return nil, ocop.Invalid("report.from_issuer_id", "%q là chính đơn vị này: cửa hàng của tỉnh này nhận tem qua ReceiveDelivery", "%q is this issuer itself: its own shops take stamps in through ReceiveDelivery", from)
	}
	codes := make([]string, len(receipts))
	for i, r := range receipts {
		codes[i] = r.GetCode()
	}
	looks := s.screen(codes, now)
	items := make([]store.ReportedReceipt, len(receipts))
	for i, r := range receipts {
		// As shops are registered here: equal names are equal bytes.
		r.RetailerName, r.Commune, r.Province = normal(r.GetRetailerName()), normal(r.GetCommune()), normal(r.GetProvince())
		items[i] = store.ReportedReceipt{Receipt: r}
		if lk := looks[i]; lk.sc != nil {
			items[i].Stamp = &lk.sc.stamps[lk.j]
		}
	}
	var judged []*estampv1.IntakeItem
	judge := func(i int, rec *record.Stamp, before []*record.Receipt, name func(string) string) (*estampv1.ReceiptOutcome, bool) {
		lk, r := looks[i], receipts[i]
		it, keep := &estampv1.IntakeItem{Verdict: lk.verdict}, false
		if lk.sc != nil {
			it = lk.sc.decide(s.checker, lk.j, rec, now)
			keep = takeIn(it, rec, before, store.ForeignShopID(from, r.GetRetailerId()))
		}
		judged = append(judged, it)
		o := &estampv1.ReceiptOutcome{ReceiptId: r.GetReceiptId(), Verdict: it.Verdict, OtherIssuerId: it.OtherIssuerId, OtherTime: it.OtherReceiveTime}
		if it.OtherSaleTime != nil {
			o.OtherTime = it.OtherSaleTime
		}
		if id := it.OtherRetailerId; id != "" {
			o.OtherRetailerName = name(id)
		}
		return o, keep
	}
	// The sender, not a token, vouches for the change: the audit log names
	// the province, never its key or signature.
	ch := audit.Change{Actor: "issuer " + from, Time: now}
	outcomes, err := s.store.RecordReportedReceipts(ctx, from, items, ch, judge, Receive, func() audit.Entry {
		return audit.Entry{Action: audit.ReceiptsReport, Target: from, Detail: auditSummary(judged)}
	})
	if err != nil {
		return nil, err
	}
	return &estampv1.ReportReceiptsResponse{Outcomes: outcomes}, nil
}

// reported is where one reported receipt's verdict comes from: the stamp
// its code claims, to look up (sc's j-th), or, when sc is nil, the
// verdict the code alone was given.
type reported struct {
	sc      *scanned
	j       int
	verdict estampv1.IntakeVerdict
}

// screen checks a report's codes as intake checks a delivery's (scan),
// but each receipt stands on its own: two receipts of one stamp are two
// shops' receipts, or one shop's again, never a duplicate in a delivery.
func (s *Service) screen(codes []string, now time.Time) []reported {
	sc := s.scan(codes, now)
	out := make([]reported, len(codes))
	for i := range out {
		// scan skips a blank code: there is nothing to read in it.
		out[i].verdict = estampv1.IntakeVerdict_INTAKE_VERDICT_MALFORMED
	}
	lookup := make(map[int]int, len(sc.where))
	for j, k := range sc.where {
		lookup[k] = j
	}
	for k, it := range sc.items {
		i := int(it.Line) - 1
		j, ok := lookup[k]
		switch {
		case ok && sc.stamps[j].Issuer != "":
			// Another province's genuine stamp, which intake here would
			// keep in custody: to this issuer not one of its codes.
			out[i].verdict = estampv1.IntakeVerdict_INTAKE_VERDICT_MALFORMED
		case ok:
			out[i] = reported{sc: sc, j: j}
		case it.Verdict == estampv1.IntakeVerdict_INTAKE_VERDICT_DUPLICATE_IN_DELIVERY:
			// Checked again on its own: a stamp a report names twice is
			// rare, and a scan of its own keeps scan as intake has it.
			one := s.scan(codes[i:i+1], now)
			switch {
			case len(one.where) == 1 && one.stamps[0].Issuer != "":
				out[i].verdict = estampv1.IntakeVerdict_INTAKE_VERDICT_MALFORMED
			case len(one.where) == 1:
				out[i] = reported{sc: one}
			default:
				out[i].verdict = one.items[0].Verdict
			}
		case good(it.Verdict):
			// A genuine stamp with no record here is another province's,
			// should the checker know them: none of this issuer's to take
			// custody of, and to this issuer not one of its codes.
			out[i].verdict = estampv1.IntakeVerdict_INTAKE_VERDICT_MALFORMED
		default:
			out[i].verdict = it.Verdict
		}
	}
	return out
}

// normal is a reported text as the registry keeps its own: relay.Open
// has checked it, so only its form changes.
func normal(s string) string {
	t, err := ocop.Text("", s, false, ocop.MaxTextLength)
	if err != nil {
		return s
	}
	return t
}
