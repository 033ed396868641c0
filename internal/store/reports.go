package store

import (
	"context"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/record"
)

// ForeignShopID is the id a shop of another province goes by here: in
// its receipts in stamp states, in flags and as the key of its record.
// Retailer ids cannot hold ':' (ocop.CheckID), so it never names one of
// this province's own retailers, whose receipts carry their bare id.
func ForeignShopID(issuerID, retailerID string) string { return issuerID + ":" + retailerID }

// ShopIssuer is the province of the shop a receipt names: its issuer id
// for a shop of another province (ForeignShopID), "" for this issuer's
// own.
func ShopIssuer(shopID string) string {
	issuer, _, ok := strings.Cut(shopID, ":")
	if !ok {
		return ""
	}
	return issuer
}

// shopTx is the shop a receipt names, as a retailer record: one of this
// province's retailers, or a shop another province reported, with the
// name and address it reported last.
func shopTx(tx *bolt.Tx, id string) (*estampv1.Retailer, error) {
	if ShopIssuer(id) == "" {
		return retailerTable.getTx(tx, []byte(id), id)
	}
	var sh storagev1.ForeignShop
	found, err := get(tx.Bucket(bucketForeignShops), []byte(id), &sh)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, &ocop.NotFoundError{What: "foreign shop", ID: id}
	}
	return &estampv1.Retailer{Id: id, Name: sh.Name, Address: &estampv1.Address{Commune: sh.Commune, Province: sh.Province}}, nil
}

// ReportedReceipt is one receipt of another province's report, as the
// store is to record it.
type ReportedReceipt struct {
	// Receipt is the receipt as reported, its texts normalised.
	Receipt *estampv1.ForeignReceipt
	// Stamp is the stamp the receipt's code claims, when the code is
	// signed by one of this issuer's keys; nil for any other code, which
	// has no record here to look up.
	Stamp *record.Intake
}

// RecordReportedReceipts records, in one transaction, a report of the
// receipts shops of province from made of this issuer's stamps.
//
// A receipt answered before, by its id within from, gets the answer kept
// then, and nothing else happens to it: a report is sent at least once,
// and a retry must not count a shop's receipt twice. Every other receipt
// is handed to judge with its stamp's record (nil when its code names no
// issued stamp) and the receipts the stamp had before it, and a name
// function that reads a shop's name (its id's) in this transaction. When
// judge keeps it, receive folds it into the stamp's state under the shop's
// ForeignShopID at the time the shop received it, the shop's name and
// address are kept (the latest report's), the answer is kept for a retry,
// and a suspected copy is flagged as intake flags one. What judge does
// not keep leaves no trace, and a retry is judged again.
//
// done gives the audit entry, asked for only when something was kept: a
// retry that changes nothing is not a change.
func (s *Store) RecordReportedReceipts(ctx context.Context, from string, receipts []ReportedReceipt, ch audit.Change,
	judge func(i int, rec *record.Stamp, before []*record.Receipt, name func(shopID string) string) (*estampv1.ReceiptOutcome, bool),
	receive func(st *record.StampState, retailerID string, at time.Time),
	done func() audit.Entry,
) ([]*estampv1.ReceiptOutcome, error) {
	out := make([]*estampv1.ReceiptOutcome, len(receipts))
	err := s.update(ctx, func(tx *bolt.Tx) error {
		answers, shops, stamps := tx.Bucket(bucketReportedReceipts), tx.Bucket(bucketForeignShops), s.statesTx(tx)
		name := func(id string) string {
			// A shop that cannot be read goes unnamed, as at intake: the
			// answer is still the rule's.
			if r, err := shopTx(tx, id); err == nil {
				return r.Name
			}
			return ""
		}
		cache := batchRecords{}
		kept := false
		for i, r := range receipts {
			key := reportedKey(from, r.Receipt.GetReceiptId())
			var answered storagev1.ReportedReceipt
			found, err := get(answers, key, &answered)
			if err != nil {
				return err
			}
			if found && answered.Code == r.Receipt.GetCode() {
				out[i] = answered.Outcome
				continue
			}
			var (
				base, rec *record.Stamp
				st        *record.StampState
				before    []*record.Receipt
			)
			if r.Stamp != nil {
				if base, err = cache.holding(tx, *r.Stamp); err != nil {
					return err
				}
			}
			if base != nil {
				if st, err = stamps.state(r.Stamp.Serial); err != nil {
					return err
				}
				if rec, err = s.stampOfTx(tx, base, r.Stamp.Serial, st); err != nil {
					return err
				}
				// Copied: the view may be st itself, which receive changes.
				before = append([]*record.Receipt(nil), st.Receipts...)
			}
			o, keep := judge(i, rec, before, name)
			out[i] = o
			if !keep || rec == nil {
				continue
			}
			shop := ForeignShopID(from, r.Receipt.GetRetailerId())
			receive(st, shop, r.Receipt.GetReceiveTime().AsTime())
			if _, err := stamps.put(r.Stamp.Serial, st); err != nil {
				return err
			}
			err = put(shops, []byte(shop), &storagev1.ForeignShop{IssuerId: from, RetailerId: r.Receipt.GetRetailerId(),
				Name: r.Receipt.GetRetailerName(), Commune: r.Receipt.GetCommune(), Province: r.Receipt.GetProvince()})
			if err != nil {
				return err
			}
			if err := put(answers, key, &storagev1.ReportedReceipt{Outcome: o, Code: r.Receipt.GetCode()}); err != nil {
				return err
			}
			if o.GetVerdict() == estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY {
				err := raiseFlag(tx, r.Stamp.Serial, flagging{kind: estampv1.FlagKind_FLAG_KIND_SUSPECTED_COPY, at: ch.Time, batch: base.Batch,
					producer: base.Producer.Id, scanCount: st.ScanCount, retailers: copyShops(st)})
				if err != nil {
					return err
				}
			}
			kept = true
		}
		if !kept {
			return nil
		}
		return appendAudit(tx, ch, done())
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// reportedKey is the key of a reported receipt's answer: the sending
// issuer's id, ':', the receipt id.
func reportedKey(from string, receiptID uint64) []byte {
	return append([]byte(from+":"), u64(receiptID)...)
}
