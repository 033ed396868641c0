package store

import (
	"context"
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/record"
)

// CreateRetailer stores a new retailer, stamping its create time, with the
// audit entry e.
func (s *Store) CreateRetailer(ctx context.Context, r *estampv1.Retailer, ch audit.Change, e audit.Entry) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		return retailerTable.createTx(tx, r.Id, r, ch, e, func() error {
			r.CreateTime = timestamppb.New(ch.Time)
			return nil
		})
	})
}

// Retailer returns a retailer by id, or, by an id ForeignShopID made, a
// shop of another province that received this issuer's stamps, as a
// retailer with the name and address its province reported: whoever
// names the shops of a stamp's receipts names both kinds alike.
func (s *Store) Retailer(ctx context.Context, id string) (*estampv1.Retailer, error) {
	if ShopIssuer(id) == "" {
		return retailerTable.byID(ctx, s, []byte(id), id)
	}
	var r *estampv1.Retailer
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var err error
		r, err = shopTx(tx, id)
		return err
	})
	return r, err
}

// Retailers returns up to limit retailers with ids after `after`.
func (s *Store) Retailers(ctx context.Context, after string, limit int) ([]*estampv1.Retailer, bool, error) {
	return retailerTable.listAfter(ctx, s, after, limit)
}

// ReceiveStamps looks up every intake in one transaction and hands each
// to accept with its record (nil when never issued) and the receipts it
// had before this delivery; for each that accept approves, receive folds
// the retailer's receipt into the stamp's stored state (what a state keeps
// of its receipts is custody's policy): one commit for a whole delivery.
// Records of the same batch share their product and producer.
//
// Once every intake was seen, done returns the delivery's audit entry and
// its account, which the same commit keeps under a new delivery id, with
// its suspected copies flagged and what the retailer received counted
// per product (insight.go). ReceiveStamps returns the records accept saw,
// by intake, and the delivery id.
func (s *Store) ReceiveStamps(ctx context.Context, retailerID string, items []record.Intake, ch audit.Change,
	accept func(i int, rec *record.Stamp, before []*record.Receipt) bool,
	receive func(st *record.StampState, retailerID string, at time.Time),
	done func() (audit.Entry, record.Delivery),
) ([]*record.Stamp, uint64, error) {
	out := make([]*record.Stamp, len(items))
	var deliveryID uint64
	err := s.update(ctx, func(tx *bolt.Tx) error {
		if err := retailerKind.existsTx(tx, retailerID); err != nil {
			return err
		}
		stamps := s.statesTx(tx)
		cache := batchRecords{}
		shops := shopTally{}
		at := ch.Time.UnixNano()
		for i, it := range items {
			if it.Issuer != "" {
				// Another province's stamp: the same custody rule, on
				// what this province's shops did with it, and a report
				// queued for its issuer.
				rec, err := foreignHeld(tx, it)
				if err != nil {
					return err
				}
				st := rec.State
				before := append([]*record.Receipt(nil), st.Receipts...)
				out[i] = rec
				if !accept(i, rec, before) {
					continue
				}
				fresh := !receivedBy(st, retailerID)
				receive(st, retailerID, ch.Time)
				if err := putForeign(tx, it, st); err != nil {
					return err
				}
				if fresh {
					if items[i].ReceiptID, err = queueReceipt(tx, retailerID, it, at); err != nil {
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
				accept(i, nil, nil)
				continue
			}
			st, err := stamps.state(it.Serial)
			if err != nil {
				return err
			}
			// accept sees the revocation's reason and the journal's
			// scans; st is written back as stored.
			rec, err := s.stampOfTx(tx, base, it.Serial, st)
			if err != nil {
				return err
			}
			// Copied: view may be st itself, which receive changes.
			before := append([]*record.Receipt(nil), st.Receipts...)
			out[i] = rec
			if !accept(i, rec, before) {
				continue
			}
			fresh := !receivedBy(st, retailerID)
			receive(st, retailerID, ch.Time)
			if _, err := stamps.put(it.Serial, st); err != nil {
				return err
			}
			if fresh {
				shops.at(shopOf{base.Producer.Id, base.Product.Id, retailerID}, at, at).Stamps++
			}
		}
		e, d := done()
		var err error
		if deliveryID, err = s.keepDelivery(tx, retailerID, ch, d, cache, shops); err != nil {
			return err
		}
		return appendAudit(tx, ch, e)
	})
	if err != nil {
		return nil, 0, err
	}
	return out, deliveryID, nil
}

func isNotFound(err error) bool { return errors.As(err, new(*ocop.NotFoundError)) }

// batchRecords are the batches one intake or sale has read, by id; nil
// for an id no batch has: a delivery's codes are mostly of a few batches.
type batchRecords map[uint64]*record.Stamp

// holding is the record of the batch that holds its serial, or nil when
// no batch of that id holds it.
func (c batchRecords) holding(tx *bolt.Tx, it record.Intake) (*record.Stamp, error) {
	base, ok := c[it.BatchID]
	if !ok {
		r, err := recordTx(tx, it.BatchID)
		if err != nil && !isNotFound(err) {
			return nil, err
		}
		c[it.BatchID], base = r, r
	}
	if base == nil || !holds(base.Batch, it.Serial) {
		return nil, nil
	}
	return base, nil
}

// stampOfTx is the record of one stamp of base's batch with its stored
// state st, as every reader of stamps sees it: with the scans the journal
// holds, a revocation carries its entry's time, reason and actor, and a
// stamp of a roll printed ahead its activation. st itself is left as
// stored, to be written back.
func (s *Store) stampOfTx(tx *bolt.Tx, base *record.Stamp, serial uint64, st *record.StampState) (*record.Stamp, error) {
	view, err := s.stateView(tx, serial, st, allScans)
	if err != nil {
		return nil, err
	}
	rec := &record.Stamp{Batch: base.Batch, Product: base.Product, Producer: base.Producer, State: view}
	if rec.Activation, err = activationTx(tx, base.Batch, serial); err != nil {
		return nil, err
	}
	return rec, nil
}

// recordTx loads a batch with its product and producer.
func recordTx(tx *bolt.Tx, batchID uint64) (*record.Stamp, error) {
	var (
		r   record.Stamp
		err error
	)
	if r.Batch, err = batchTx(tx, batchID); err != nil {
		return nil, err
	}
	if r.Product, err = productTx(tx, r.Batch.ProductId); err != nil {
		return nil, err
	}
	if r.Producer, err = producerTable.getTx(tx, []byte(r.Product.ProducerId), r.Product.ProducerId); err != nil {
		return nil, err
	}
	return &r, nil
}

// StampOf returns the record of a serial, finding its batch by range.
func (s *Store) StampOf(ctx context.Context, serial uint64) (*record.Stamp, error) {
	var rec *record.Stamp
	err := s.viewStamps(ctx, func(tx *bolt.Tx) error {
		b, err := batchOfSerial(tx, serial)
		if err != nil {
			return err
		}
		if rec, err = recordTx(tx, b.Id); err != nil {
			return err
		}
		st, err := statesTx(tx).state(serial)
		if err != nil {
			return err
		}
		rec, err = s.stampOfTx(tx, rec, serial, st)
		return err
	})
	return rec, err
}
