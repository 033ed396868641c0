package store

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/record"
)

// foreignKey is where another province's stamp's custody is kept.
func foreignKey(issuer string, serial uint64) []byte {
	return append(append([]byte(issuer), 0), u64(serial)...)
}

// foreignHeld is the custody of another province's stamp at this
// province's shops, read in an intake's or a sale's transaction: its
// state, and a record that carries only that state (no batch, product or
// producer: those are the issuing province's).
func foreignHeld(tx *bolt.Tx, it record.Intake) (*record.Stamp, error) {
	st, err := decodeStampState(tx.Bucket(bucketForeignCustody).Get(foreignKey(it.Issuer, it.Serial)))
	if err != nil {
		return nil, err
	}
	return &record.Stamp{State: st}, nil
}

func putForeign(tx *bolt.Tx, it record.Intake, st *storagev1.StampState) error {
	v, err := proto.Marshal(st)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketForeignCustody).Put(foreignKey(it.Issuer, it.Serial), v)
}

// queueReceipt queues a shop's receipt of another province's stamp to be
// reported to that province, in the intake's own commit: a receipt is
// never recorded without its report, nor reported without being recorded.
func queueReceipt(tx *bolt.Tx, retailerID string, it record.Intake, at int64) (uint64, error) {
	shop, err := retailerTable.getTx(tx, []byte(retailerID), retailerID)
	if err != nil {
		return 0, err
	}
	b := tx.Bucket(bucketReceiptOutbox)
	// The bucket's sequence only grows, even as reports leave the queue:
	// a receipt id is never used twice by this database.
	id, err := b.NextSequence()
	if err != nil {
		return 0, err
	}
	v, err := proto.Marshal(&storagev1.OutboundReceipt{IssuerId: it.Issuer, Receipt: &estampv1.ForeignReceipt{
		ReceiptId: id, Code: it.Code, RetailerId: retailerID, RetailerName: shop.GetName(),
		Commune: shop.GetAddress().GetCommune(), Province: shop.GetAddress().GetProvince(),
		ReceiveTime: timestamppb.New(record.Time(at)),
	}})
	if err != nil {
		return 0, err
	}
	return id, b.Put(u64(id), v)
}

// QueuedReceipt is a receipt waiting to be reported to another province.
type QueuedReceipt struct {
	IssuerID string
	Receipt  *estampv1.ForeignReceipt
}

// QueuedReceipts returns up to limit queued receipts with ids after
// `after`, oldest first.
func (s *Store) QueuedReceipts(ctx context.Context, after uint64, limit int) ([]QueuedReceipt, error) {
	var out []QueuedReceipt
	err := s.view(ctx, func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketReceiptOutbox).Cursor()
		for k, v := c.Seek(u64(after + 1)); k != nil && len(out) < limit; k, v = c.Next() {
			q, err := decodeQueued(v)
			if err != nil {
				return err
			}
			out = append(out, q)
		}
		return nil
	})
	return out, err
}

// QueuedReceiptsOf returns the receipts of ids still queued.
func (s *Store) QueuedReceiptsOf(ctx context.Context, ids []uint64) ([]QueuedReceipt, error) {
	var out []QueuedReceipt
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketReceiptOutbox)
		for _, id := range ids {
			if v := b.Get(u64(id)); v != nil {
				q, err := decodeQueued(v)
				if err != nil {
					return err
				}
				out = append(out, q)
			}
		}
		return nil
	})
	return out, err
}

// QueuedReceiptCount is how many receipts wait to be reported.
func (s *Store) QueuedReceiptCount(ctx context.Context) (int, error) {
	var n int
	err := s.view(ctx, func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketReceiptOutbox).Stats().KeyN
		return nil
	})
	return n, err
}

// ReceiptsReported takes receipts off the queue once their province has
// answered them.
func (s *Store) ReceiptsReported(ctx context.Context, ids []uint64) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketReceiptOutbox)
		for _, id := range ids {
			if err := b.Delete(u64(id)); err != nil {
				return err
			}
		}
		return nil
	})
}

func decodeQueued(v []byte) (QueuedReceipt, error) {
	var o storagev1.OutboundReceipt
	if err := proto.Unmarshal(v, &o); err != nil {
		return QueuedReceipt{}, fmt.Errorf("store: corrupt queued receipt: %w", err)
	}
	return QueuedReceipt{IssuerID: o.IssuerId, Receipt: o.Receipt}, nil
}
