package store

import (
	"context"

	bolt "go.etcd.io/bbolt"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/record"
)

// SellStamps looks up every stamp of a sale in one transaction and hands
// each to decide with its record (nil when never issued): for a stamp it
// decides to sell, sell folds the sale into the stamp's stored state (what
// a state keeps of its sale is custody's policy); a stamp it finds sold
// before is flagged for the office, as intake flags a copy. done returns
// the call's audit entry once every stamp was seen: one commit for the
// whole sale. The sale is kept in the stamp's state only, which is where
// its history, the stamp page and traceability exports read it.
func (s *Store) SellStamps(ctx context.Context, retailerID string, items []record.Intake, ch audit.Change,
	decide func(i int, rec *record.Stamp) record.SaleStep,
	sell func(st *record.StampState),
	done func() audit.Entry,
) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		if err := retailerKind.existsTx(tx, retailerID); err != nil {
			return err
		}
		stamps := s.statesTx(tx)
		cache := batchRecords{}
		for i, it := range items {
			if it.Issuer != "" {
				// Another province's stamp: sold here, as custody here
				// knows it. Its issuer keeps the office's flags.
				rec, err := foreignHeld(tx, it)
				if err != nil {
					return err
				}
				if decide(i, rec) == record.SaleSell {
					sell(rec.State)
					if err := putForeign(tx, it, rec.State); err != nil {
						return err
					}
				}
				continue
			}
			base, err := cache.holding(tx, it)
			if err != nil {
				return err
			}
			if base == nil {
				decide(i, nil)
				continue
			}
			st, err := stamps.state(it.Serial)
			if err != nil {
				return err
			}
			rec, err := s.stampOfTx(tx, base, it.Serial, st)
			if err != nil {
				return err
			}
			switch decide(i, rec) {
			case record.SaleSell:
				sell(st)
				if _, err := stamps.put(it.Serial, st); err != nil {
					return err
				}
			case record.SaleCopy:
				// The shops that took the stamp in, the one that sold it
				// and the one selling it now: whom the office asks.
				err := raiseFlag(tx, it.Serial, flagging{kind: estampv1.FlagKind_FLAG_KIND_SUSPECTED_COPY, at: ch.Time, batch: base.Batch,
					producer: base.Producer.Id, scanCount: rec.State.GetScanCount(), retailers: copyShops(st, retailerID)})
				if err != nil {
					return err
				}
			}
		}
		return appendAudit(tx, ch, done())
	})
}
