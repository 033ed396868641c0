package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
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
//
// Request ids belong to the product's producer: another producer's id is
// another request.
func (s *Store) IssueBatch(requestID, productID string, ch Change, plan func(*estampv1.Product) (*estampv1.Batch, error)) (batch *estampv1.Batch, created bool, err error) {
	err = s.update(func(tx *bolt.Tx) error {
		batches := tx.Bucket(bucketBatches)
		product := new(estampv1.Product)
		if err := productTx(tx, productID, product); err != nil {
			return err
		}
		reqKey := requestKey(product.ProducerId, requestID)
		if v := tx.Bucket(bucketRequests).Get(reqKey); v != nil {
			batch = new(estampv1.Batch)
			ok, err := get(batches, v, batch)
			if err == nil && !ok {
				err = &ocop.NotFoundError{What: "batch", ID: string(v)}
			}
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
			return &ocop.ExhaustedError{What: "batch ids"}
		}
		first, err := nextCounter(tx, keyNextSerial, uint64(b.Quantity))
		if err != nil {
			return err
		}
		if first+uint64(b.Quantity)-1 > MaxSerial {
			return &ocop.ExhaustedError{What: "serial numbers"}
		}
		// The mark outside the file first: once this batch commits, no
		// restored backup may hand out its serials or id again.
		if err := s.hw.reserve(first+uint64(b.Quantity), id+1); err != nil {
			return err
		}
		b.Id, b.FirstSerial, b.ProductId, b.RequestId = id, first, productID, requestID
		b.IssueTime = timestamppb.New(ch.Time)
		key := u64(id)
		d, err := putAudited(batches, bucketBatches, key, b)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketRequests).Put(reqKey, key); err != nil {
			return err
		}
		if err := noteBaseURL(tx, id, b.BaseUrl); err != nil {
			return err
		}
		if err := tx.Bucket(bucketProductBatches).Put(productBatchKey(productID, id), nil); err != nil {
			return err
		}
		if err := tx.Bucket(bucketBatchRanges).Put(u64(first), key); err != nil {
			return err
		}
		batch, created = b, true
		return appendAudit(tx, ch, "stamps.issue", formatUint(id),
			fmt.Sprintf("product %s, lot %s, %d stamps, serials %d-%d, key %s", productID, b.Lot, b.Quantity, first, first+uint64(b.Quantity)-1, b.KeyId), d)
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

func requestKey(producerID, requestID string) []byte {
	k := make([]byte, 0, len(producerID)+1+len(requestID))
	k = append(k, producerID...)
	k = append(k, 0)
	return append(k, requestID...)
}

// noteBaseURL records the base URL a batch was issued under when it
// differs from the previous batch's: the list stays as short as the
// service's moves.
func noteBaseURL(tx *bolt.Tx, batchID uint64, prefix string) error {
	base := strings.TrimSuffix(prefix, "/V/")
	if base == "" {
		return nil // a batch from before base URLs were kept
	}
	b := tx.Bucket(bucketBaseURLs)
	if _, last := b.Cursor().Last(); last != nil && string(last) == base {
		return nil
	}
	return b.Put(u64(batchID), []byte(base))
}

// BatchBaseURLs lists every base URL batches were issued under, in batch
// order.
func (s *Store) BatchBaseURLs() ([]*estampv1.BatchBaseUrl, error) {
	var out []*estampv1.BatchBaseUrl
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketBaseURLs).ForEach(func(k, v []byte) error {
			out = append(out, &estampv1.BatchBaseUrl{FirstBatchId: binary.BigEndian.Uint64(k), BaseUrl: string(v)})
			return nil
		})
	})
	return out, err
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
	State    *StampState
}

// Stamp returns the batch, product, producer and state of a serial claimed
// to be in batchID. NotFound when the batch does not exist or does not hold
// the serial.
func (s *Store) Stamp(batchID, serial uint64) (*StampRecord, error) {
	var rec *StampRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		if rec, err = recordTx(tx, batchID); err != nil {
			return err
		}
		if serial < rec.Batch.FirstSerial || serial-rec.Batch.FirstSerial >= uint64(rec.Batch.Quantity) {
			return &ocop.NotFoundError{What: "stamp", ID: formatUint(serial)}
		}
		rec.State, err = decodeStampState(tx.Bucket(bucketStamps).Get(u64(serial)))
		return err
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// batchOfSerial finds the batch whose serial range holds serial.
func batchOfSerial(tx *bolt.Tx, serial uint64) (*estampv1.Batch, error) {
	c := tx.Bucket(bucketBatchRanges).Cursor()
	k, v := c.Seek(u64(serial))
	if k == nil || binary.BigEndian.Uint64(k) > serial {
		k, v = c.Prev()
	}
	if k != nil {
		b := new(estampv1.Batch)
		if err := batchTx(tx, binary.BigEndian.Uint64(v), b); err != nil {
			return nil, err
		}
		if serial >= b.FirstSerial && serial-b.FirstSerial < uint64(b.Quantity) {
			return b, nil
		}
	}
	return nil, &ocop.NotFoundError{What: "stamp", ID: formatUint(serial)}
}

// addRevocation appends to the revocation list under the next version.
func addRevocation(tx *bolt.Tx, b *estampv1.Batch, serial uint64, reason string, at time.Time) error {
	return addListEntry(tx, &estampv1.RevocationEntry{KeyId: b.KeyId, BatchId: b.Id, Serial: serial, Reason: reason, RevokeTime: timestamppb.New(at)})
}

// addCertificate appends a product's certificate as it now stands to the
// revocation list: offline verifiers learn of renewals and revocations.
func addCertificate(tx *bolt.Tx, p *estampv1.Product, at time.Time) error {
	c := p.GetCertificate()
	return addListEntry(tx, &estampv1.RevocationEntry{
		Reason: c.GetRevocationReason(), RevokeTime: timestamppb.New(at),
		Certificate: &estampv1.CertificateChange{ProductNumber: p.Number, ProductId: p.Id, ValidUntil: c.GetValidUntil(), Revoked: c.GetRevokeTime() != nil},
	})
}

func addListEntry(tx *bolt.Tx, e *estampv1.RevocationEntry) error {
	version, err := nextCounter(tx, keyNextRevocation, 1)
	if err != nil {
		return err
	}
	e.Version = version
	return put(tx.Bucket(bucketRevocations), u64(version), e)
}

// Revocation is one request to revoke: a whole batch, or serials.
type Revocation struct {
	BatchID uint64   // revoke this batch whole, unless Serials are given
	Serials []uint64 // revoke these; with BatchID they must belong to it
	Reason  string
	// Change.Actor is recorded with each revoked stamp.
	Change Change
}

// RevokeStamps revokes a batch or stamps, idempotently: what is already
// revoked stays as it was. It returns the batch when BatchID was given, how
// many stamps this call newly revoked, and the revocation-list version.
func (s *Store) RevokeStamps(r Revocation) (*estampv1.Batch, int, uint64, error) {
	var (
		named   *estampv1.Batch
		count   int
		version uint64
	)
	err := s.update(func(tx *bolt.Tx) error {
		if r.BatchID != 0 {
			named = new(estampv1.Batch)
			if err := batchTx(tx, r.BatchID, named); err != nil {
				return err
			}
		}
		if len(r.Serials) == 0 {
			if named.Revoked {
				return nil
			}
			named.Revoked, named.RevocationReason, named.RevokedBy = true, r.Reason, r.Change.Actor
			named.RevokeTime = timestamppb.New(r.Change.Time)
			count = int(named.Quantity)
			d, err := putAudited(tx.Bucket(bucketBatches), bucketBatches, u64(named.Id), named)
			if err != nil {
				return err
			}
			if err := addRevocation(tx, named, 0, r.Reason, r.Change.Time); err != nil {
				return err
			}
			return appendAudit(tx, r.Change, "batch.revoke", formatUint(named.Id), r.Reason, d)
		}
		stamps := tx.Bucket(bucketStamps)
		for i, serial := range r.Serials {
			b, err := batchOfSerial(tx, serial)
			var nf *ocop.NotFoundError
			if errors.As(err, &nf) {
				return ocop.Invalid("serials", "serial %d (index %d) was never issued", serial, i)
			}
			if err != nil {
				return err
			}
			if named != nil && b.Id != named.Id {
				return ocop.Invalid("serials", "serial %d (index %d) is not in batch %d", serial, i, named.Id)
			}
			st, err := decodeStampState(stamps.Get(u64(serial)))
			if err != nil {
				return err
			}
			if st.Revocation != nil {
				continue
			}
			st.Revocation = &storagev1.Revocation{TimeUnixNano: r.Change.Time.UnixNano(), Reason: r.Reason, Actor: r.Change.Actor}
			if err := putStampState(stamps, serial, st); err != nil {
				return err
			}
			if err := addRevocation(tx, b, serial, r.Reason, r.Change.Time); err != nil {
				return err
			}
			count++
		}
		if count == 0 {
			return nil
		}
		target := "serials"
		if named != nil {
			target = formatUint(named.Id)
		}
		return appendAudit(tx, r.Change, "stamps.revoke", target, fmt.Sprintf("%d stamps (%s): %s", count, serialSpan(r.Serials), r.Reason))
	})
	if err != nil {
		return nil, 0, 0, err
	}
	version, err = s.RevocationVersion()
	return named, count, version, err
}

// RevocationVersion is the version of the newest revocation-list entry.
func (s *Store) RevocationVersion() (uint64, error) {
	var v uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketMeta).Get(keyNextRevocation); b != nil {
			v = binary.BigEndian.Uint64(b) - 1
		}
		return nil
	})
	return v, err
}

// Revocations returns the revocation-list entries after version since, and
// the current version.
func (s *Store) Revocations(since uint64) (uint64, []*estampv1.RevocationEntry, error) {
	var (
		version uint64
		list    []*estampv1.RevocationEntry
	)
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRevocations)
		c := b.Cursor()
		// since+1 would wrap to 0 at the largest version and list
		// everything; nothing is after it.
		k, _ := c.Seek(u64(since + 1))
		if since == math.MaxUint64 {
			k = nil
		}
		for ; k != nil; k, _ = c.Next() {
			e := new(estampv1.RevocationEntry)
			if _, err := get(b, k, e); err != nil {
				return err
			}
			list = append(list, e)
		}
		if v := tx.Bucket(bucketMeta).Get(keyNextRevocation); v != nil {
			version = binary.BigEndian.Uint64(v) - 1
		}
		return nil
	})
	return version, list, err
}

// serialSpan names revoked serials briefly for the audit log.
func serialSpan(serials []uint64) string {
	if len(serials) == 1 {
		return formatUint(serials[0])
	}
	lo, hi := serials[0], serials[0]
	for _, s := range serials {
		lo, hi = min(lo, s), max(hi, s)
	}
	return fmt.Sprintf("%d of %d-%d", len(serials), lo, hi)
}

// ProductsOfSerials returns the distinct products whose batches hold the
// serials, so that a caller can check who owns them; NotFound for a serial
// never issued.
func (s *Store) ProductsOfSerials(serials []uint64) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	err := s.db.View(func(tx *bolt.Tx) error {
		var last *estampv1.Batch
		for _, serial := range serials {
			if last != nil && serial >= last.FirstSerial && serial-last.FirstSerial < uint64(last.Quantity) {
				continue
			}
			b, err := batchOfSerial(tx, serial)
			if err != nil {
				return err
			}
			last = b
			if !seen[b.ProductId] {
				seen[b.ProductId] = true
				out = append(out, b.ProductId)
			}
		}
		return nil
	})
	return out, err
}
