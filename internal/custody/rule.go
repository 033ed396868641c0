package custody

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/record"
	"github.com/ocopvn/estamp/internal/store"
)

// takeIn is the custody rule for a shop taking in a stamp, whether one of
// this province's shops at intake (ReceiveDelivery) or a shop of another
// province as its province reports it (ReportReceipts): one rule, so that
// the same stamp at two shops is a suspected copy wherever either is.
//
// it is the stamp's item as decided from its code and record (rec); shop
// is the receiving shop's id as receipts carry it, and before are the
// stamp's receipts until now. takeIn reports whether the receipt is to be
// recorded: only a genuine stamp's is (it ACCEPTED), and then it says
// what custody makes of it: ACCEPTED; ALREADY_RECEIVED when this shop
// had it; SUSPECTED_COPY when it was sold, or another shop had it, with
// that shop (and its province when it is another) and when.
func takeIn(it *estampv1.IntakeItem, rec *record.Stamp, before []*record.Receipt, shop string) bool {
	if it.Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED {
		return false
	}
	if sold := rec.State.GetSale(); sold != nil {
		// Sold goods go to a buyer, not back into a shop: whichever
		// shop takes it in, even the one that sold it, holds a
		// re-used or copied label.
		soldBefore(it, sold)
		it.OtherIssuerId = store.ShopIssuer(sold.RetailerId)
		return true
	}
	for _, r := range before {
		if r.RetailerId != shop {
			it.Verdict, it.OtherRetailerId = estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY, r.RetailerId
			it.OtherReceiveTime = timestamppb.New(record.Time(r.FirstUnixNano))
			it.OtherIssuerId = store.ShopIssuer(r.RetailerId)
		}
	}
	if it.Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY {
		for _, r := range before {
			if r.RetailerId == shop {
				it.Verdict = estampv1.IntakeVerdict_INTAKE_VERDICT_ALREADY_RECEIVED
			}
		}
	}
	// A suspected copy is recorded too: both shops now show in its
	// history, and consumers scanning it are warned.
	return true
}
