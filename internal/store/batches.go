package store

import (
	"encoding/binary"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
)

// Limits of what a stamp can carry: a 32-bit batch id and a 48-bit serial.
const (
	MaxBatchID = 0xFFFFFFFF
	MaxSerial  = 1<<48 - 1
)

// IssueBatch stores a new batch for a product, or returns the batch an
// earlier request with the same request id issued (created false).
//
// plan sees the product as stored in this transaction and returns the batch
// to issue (or a refusal); IssueBatch then assigns its id and a fresh range
// of serials. Checking the certificate and allocating serials in the
// transaction that stores the batch means a concurrent revocation cannot
// slip between them, and a crash before commit leaves no serial used.
func (s *Store) IssueBatch(requestID, productID string, now time.Time, plan func(*estampv1.Product) (*estampv1.Batch, error)) (batch *estampv1.Batch, created bool, err error) {
	err = s.db.Update(func(tx *bolt.Tx) error {
		batches := tx.Bucket(bucketBatches)
		if v := tx.Bucket(bucketRequests).Get([]byte(requestID)); v != nil {
			batch = new(estampv1.Batch)
			ok, err := get(batches, v, batch)
			if err == nil && !ok {
				err = &ocop.NotFoundError{What: "batch", ID: string(v)}
			}
			return err
		}
		product := new(estampv1.Product)
		if err := productTx(tx, productID, product); err != nil {
			return err
		}
		b, err := plan(product)
		if err != nil {
			return err
		}
		id, err := nextCounter(tx, keyNextBatch, 1)
		if err != nil {
			return err
		}
		if id > MaxBatchID {
			return ocop.Precondition("batch ids exhausted")
		}
		first, err := nextCounter(tx, keyNextSerial, uint64(b.Quantity))
		if err != nil {
			return err
		}
		if first+uint64(b.Quantity)-1 > MaxSerial {
			return ocop.Precondition("serial numbers exhausted")
		}
		b.Id, b.FirstSerial, b.ProductId, b.RequestId = id, first, productID, requestID
		b.IssueTime = timestamppb.New(now)
		key := u64(id)
		if err := put(batches, key, b); err != nil {
			return err
		}
		if err := tx.Bucket(bucketRequests).Put([]byte(requestID), key); err != nil {
			return err
		}
		if err := tx.Bucket(bucketProductBatches).Put(productBatchKey(productID, id), nil); err != nil {
			return err
		}
		batch, created = b, true
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return batch, created, nil
}

// NextSerial is the serial the next batch will start at; for tests and
// operators checking that serials never go back.
func (s *Store) NextSerial() (uint64, error) {
	next := uint64(1)
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(keyNextSerial); v != nil {
			next = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return next, err
}

func productBatchKey(productID string, batchID uint64) []byte {
	k := make([]byte, 0, len(productID)+9)
	k = append(k, productID...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, batchID)
}

// Batch returns a batch by id.
func (s *Store) Batch(id uint64) (*estampv1.Batch, error) {
	b := new(estampv1.Batch)
	err := s.db.View(func(tx *bolt.Tx) error { return batchTx(tx, id, b) })
	if err != nil {
		return nil, err
	}
	return b, nil
}

func batchTx(tx *bolt.Tx, id uint64, b *estampv1.Batch) error {
	ok, err := get(tx.Bucket(bucketBatches), u64(id), b)
	if err == nil && !ok {
		err = &ocop.NotFoundError{What: "batch", ID: formatUint(id)}
	}
	return err
}

// Batches returns up to limit batches of a product with ids after `after`.
func (s *Store) Batches(productID string, after uint64, limit int) (list []*estampv1.Batch, more bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketProducts).Get([]byte(productID)) == nil {
			return &ocop.NotFoundError{What: "product", ID: productID}
		}
		prefix := append([]byte(productID), 0)
		seek, skip := prefix, []byte(nil)
		if after > 0 {
			seek = productBatchKey(productID, after)
			skip = seek
		}
		more, err = page(tx.Bucket(bucketProductBatches), seek, skip, prefix, limit, func(k, _ []byte) error {
			b := new(estampv1.Batch)
			if err := batchTx(tx, binary.BigEndian.Uint64(k[len(prefix):]), b); err != nil {
				return err
			}
			list = append(list, b)
			return nil
		})
		return err
	})
	return list, more, err
}

// StampRecord is what verification needs about one issued stamp, read in
// one transaction.
type StampRecord struct {
	Batch    *estampv1.Batch
	Product  *estampv1.Product
	Producer *estampv1.Producer
	State    StampState
}

// Stamp returns the batch, product, producer and state of a serial claimed
// to be in batchID. NotFound when the batch does not exist or does not hold
// the serial.
func (s *Store) Stamp(batchID, serial uint64) (*StampRecord, error) {
	r := &StampRecord{Batch: new(estampv1.Batch), Product: new(estampv1.Product), Producer: new(estampv1.Producer)}
	err := s.db.View(func(tx *bolt.Tx) error {
		if err := batchTx(tx, batchID, r.Batch); err != nil {
			return err
		}
		if serial < r.Batch.FirstSerial || serial-r.Batch.FirstSerial >= uint64(r.Batch.Quantity) {
			return &ocop.NotFoundError{What: "stamp", ID: formatUint(serial)}
		}
		if err := productTx(tx, r.Batch.ProductId, r.Product); err != nil {
			return err
		}
		if ok, err := get(tx.Bucket(bucketProducers), []byte(r.Product.ProducerId), r.Producer); err != nil || !ok {
			if err == nil {
				err = &ocop.NotFoundError{What: "producer", ID: r.Product.ProducerId}
			}
			return err
		}
		var err error
		r.State, err = decodeStampState(tx.Bucket(bucketStamps).Get(u64(serial)))
		return err
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// RevokeStamps revokes a whole batch (serials empty) or some of its stamps,
// and returns the batch and how many stamps this call newly revoked.
func (s *Store) RevokeStamps(batchID uint64, serials []uint64, reason string, now time.Time) (*estampv1.Batch, int, error) {
	b := new(estampv1.Batch)
	count := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := batchTx(tx, batchID, b); err != nil {
			return err
		}
		if b.Revoked {
			return ocop.Precondition("batch %d is already revoked", batchID)
		}
		if len(serials) == 0 {
			b.Revoked, b.RevocationReason = true, reason
			count = int(b.Quantity)
			return put(tx.Bucket(bucketBatches), u64(batchID), b)
		}
		stamps := tx.Bucket(bucketStamps)
		for i, serial := range serials {
			if serial < b.FirstSerial || serial-b.FirstSerial >= uint64(b.Quantity) {
				return ocop.Invalid("serials", "serial %d (index %d) is not in batch %d", serial, i, batchID)
			}
			st, err := decodeStampState(stamps.Get(u64(serial)))
			if err != nil {
				return err
			}
			if st.Revoked() {
				continue
			}
			st.RevokeTime, st.RevocationReason = now, reason
			if err := stamps.Put(u64(serial), st.encode()); err != nil {
				return err
			}
			count++
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return b, count, nil
}
