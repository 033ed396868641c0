package store

import (
	"bytes"
	"encoding/binary"
	"errors"

	bolt "go.etcd.io/bbolt"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// migrations[v] upgrades a database from schema v to v+1, inside the
// transaction that opens it: a crash mid-migration leaves schema v intact.
// ch is the server acting on its own, at the store's clock.
var migrations = map[uint64]func(*bolt.Tx, Change) error{
	1: migrate1to2,
	2: migrate2to3,
	3: migrate3to4,
}

// migrate3to4 scopes request ids to their producer, lists the base URLs
// batches were issued under, puts every product's certificate in the
// revocation list (offline verifiers then know renewals and revocations
// made before), and writes one audit entry hashing every record as it
// stands, so that `audit verify` can check records from here on.
func migrate3to4(tx *bolt.Tx, ch Change) error {
	now := ch.Time
	requests, batches := tx.Bucket(bucketRequests), tx.Bucket(bucketBatches)
	type rekey struct{ old, new, batch []byte }
	var moves []rekey
	err := requests.ForEach(func(k, v []byte) error {
		b, p := new(estampv1.Batch), new(estampv1.Product)
		if err := batchTx(tx, binary.BigEndian.Uint64(v), b); err != nil {
			return err
		}
		if err := productTx(tx, b.ProductId, p); err != nil {
			return err
		}
		moves = append(moves, rekey{bytes.Clone(k), requestKey(p.ProducerId, string(k)), bytes.Clone(v)})
		return nil
	})
	if err != nil {
		return err
	}
	for _, m := range moves {
		if err := requests.Delete(m.old); err != nil {
			return err
		}
		if err := requests.Put(m.new, m.batch); err != nil {
			return err
		}
	}
	err = batches.ForEach(func(k, _ []byte) error {
		b := new(estampv1.Batch)
		if _, err := get(batches, k, b); err != nil {
			return err
		}
		return noteBaseURL(tx, b.Id, b.BaseUrl)
	})
	if err != nil {
		return err
	}
	products := tx.Bucket(bucketProducts)
	err = products.ForEach(func(k, _ []byte) error {
		p := new(estampv1.Product)
		if _, err := get(products, k, p); err != nil {
			return err
		}
		return addCertificate(tx, p, now)
	})
	if err != nil {
		return err
	}
	var digests []*storagev1.RecordDigest
	for _, ab := range auditedBuckets {
		err := tx.Bucket(ab.bucket).ForEach(func(k, v []byte) error {
			digests = append(digests, digestOf(ab.bucket, k, v))
			return nil
		})
		if err != nil {
			return err
		}
	}
	return appendAudit(tx, ch, "schema.upgrade", "", "3 -> 4: hashes of every record as it stands", digests...)
}

// migrate2to3 needs no data moved: the new buckets exist already. It
// starts the audit log with the upgrade itself, so that the log says from
// when on it is complete.
func migrate2to3(tx *bolt.Tx, ch Change) error {
	return appendAudit(tx, ch, "schema.upgrade", "", "2 -> 3")
}

// migrate1to2 re-encodes stamp states from the fixed binary layout of
// schema 1 (scan count, first scan, last scan, revoke time as uint64 Unix
// nanoseconds, then the revocation reason), indexes batches by serial range
// and writes the revocation list of what was revoked so far.
func migrate1to2(tx *bolt.Tx, _ Change) error {
	batches, ranges := tx.Bucket(bucketBatches), tx.Bucket(bucketBatchRanges)
	err := batches.ForEach(func(k, _ []byte) error {
		b := new(estampv1.Batch)
		if _, err := get(batches, k, b); err != nil {
			return err
		}
		if err := ranges.Put(u64(b.FirstSerial), u64(b.Id)); err != nil {
			return err
		}
		if b.Revoked {
			return addRevocation(tx, b, 0, b.RevocationReason, b.GetRevokeTime().AsTime())
		}
		return nil
	})
	if err != nil {
		return err
	}
	stamps := tx.Bucket(bucketStamps)
	type old struct {
		serial uint64
		state  *StampState
	}
	var all []old
	err = stamps.ForEach(func(k, v []byte) error {
		if len(v) < 32 || len(k) != 8 {
			return errors.New("corrupt schema-1 stamp state")
		}
		n := func(i int) int64 { return int64(binary.BigEndian.Uint64(v[i:])) }
		st := &StampState{ScanCount: binary.BigEndian.Uint64(v), FirstScanUnixNano: n(8), LastScanUnixNano: n(16)}
		if n(24) != 0 {
			st.Revocation = &storagev1.Revocation{TimeUnixNano: n(24), Reason: string(v[32:]), Actor: "schema-1"}
		}
		all = append(all, old{binary.BigEndian.Uint64(k), st})
		return nil
	})
	if err != nil {
		return err
	}
	for _, o := range all {
		if err := putStampState(stamps, o.serial, o.state); err != nil {
			return err
		}
		if o.state.Revocation == nil {
			continue
		}
		b, err := batchOfSerial(tx, o.serial)
		if err != nil {
			return err
		}
		if err := addRevocation(tx, b, o.serial, o.state.Revocation.Reason, Time(o.state.Revocation.TimeUnixNano)); err != nil {
			return err
		}
	}
	return nil
}
