package custody

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/auth"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/record"
	"github.com/ocopvn/estamp/internal/verdict"
)

// MaxRequestIDSize bounds a sale's idempotency key, as IssueStamps bounds
// its own.
const MaxRequestIDSize = 128

// RecordSale implements estampv1.CustodyServiceServer.
//
// A sale is the end of a stamp's custody: the first sale of a genuine
// stamp is kept in its state, and from then on the stamp anywhere but in
// a buyer's hands (sold again, by any shop, or taken in at intake) is a
// suspected copy, told by where and when it was sold. A code that is no
// genuine stamp gets intake's verdict and records nothing. A shop that
// skips intake may still sell: receipts are not asked for.
func (s *Service) RecordSale(ctx context.Context, req *estampv1.RecordSaleRequest) (*estampv1.RecordSaleResponse, error) {
	if err := ocop.CheckID("retailer_id", req.GetRetailerId()); err != nil {
		return nil, err
	}
	if len(req.GetCodes()) > MaxDelivery {
		return nil, ocop.Invalid("codes", "%d mã, mỗi lần bán tối đa %d mã", "%d codes, at most %d in one sale", len(req.GetCodes()), MaxDelivery)
	}
	if n := len(req.GetRequestId()); n > MaxRequestIDSize {
		return nil, ocop.Invalid("request_id", "%d byte, tối đa %d", "%d bytes, at most %d", n, MaxRequestIDSize)
	}
	retailer, key, now := req.GetRetailerId(), req.GetRequestId(), s.now()
	sc := s.scan(req.GetCodes(), now)
	if len(sc.items) == 0 {
		return nil, ocop.Invalid("codes", "bắt buộc: ít nhất một mã tem đã bán", "required: at least one code of a stamp sold")
	}
	err := s.store.SellStamps(ctx, retailer, sc.stamps, audit.Change{Actor: auth.Actor(ctx), Time: now}, func(i int, rec *record.Stamp) record.SaleStep {
		it := sc.decide(s.checker, i, rec, now)
		if it.Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED {
			return record.SaleNothing
		}
		it.Verdict = estampv1.IntakeVerdict_INTAKE_VERDICT_SOLD
		sold := rec.State.GetSale()
		switch {
		case sold == nil:
			return record.SaleSell
		case key != "" && sold.RequestId == key && sold.RetailerId == retailer:
			// The retry of the call that sold it: a till that lost the
			// answer must not see its own sale as a copy.
			return record.SaleNothing
		}
		soldBefore(it, sold)
		return record.SaleCopy
	}, func(st *record.StampState) {
		Sell(st, retailer, key, now)
	}, func() audit.Entry {
		return audit.Entry{Action: audit.StampsSell, Target: retailer, Detail: auditSummary(sc.items)}
	})
	if err != nil {
		return nil, err
	}
	s.nameOthers(ctx, sc.items)
	resp := &estampv1.RecordSaleResponse{Items: sc.items, Verdicts: summarize(sc.items).Verdicts, AllSold: true}
	for i, it := range sc.items {
		w := verdict.SaleSentence(it.Verdict, sc.outcomes[i])
		if it.OtherSaleTime != nil {
			w = soldSentence(it)
		}
		it.Message, it.MessageEn = w.VI, w.EN
		resp.AllSold = resp.AllSold && it.Verdict == estampv1.IntakeVerdict_INTAKE_VERDICT_SOLD
	}
	return resp, nil
}

// soldBefore makes an item a suspected copy of a stamp sold before: the
// shop that sold it is the other retailer, whom the clerk may ask.
func soldBefore(it *estampv1.IntakeItem, sold *record.Sale) {
	it.Verdict, it.OtherRetailerId = estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY, sold.RetailerId
	it.OtherSaleTime = timestamppb.New(record.Time(sold.TimeUnixNano))
	it.OtherReceiveTime = nil
}

// soldSentence tells an item sold before by the shop's name (its id when
// the name could not be read) and the time of the sale.
func soldSentence(it *estampv1.IntakeItem) verdict.Words {
	shop := it.OtherRetailerName
	if shop == "" {
		shop = it.OtherRetailerId
	}
	return verdict.SoldBefore(shop, it.OtherSaleTime.AsTime())
}

// Sell folds a shop's sale at `at` into a stamp's state: the first sale
// stands, with the idempotency key of the call that made it; a later one
// changes nothing (RecordSale tells it as a copy).
func Sell(st *record.StampState, retailerID, requestID string, at time.Time) {
	if st.Sale != nil {
		return
	}
	st.Sale = &record.Sale{RetailerId: retailerID, TimeUnixNano: at.UnixNano(), RequestId: requestID}
}
