package store

import (
	"encoding/binary"
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// migrations[v] upgrades a database from schema v to v+1, inside the
// transaction that opens it: a crash mid-migration leaves schema v intact.
var migrations = map[uint64]func(*bolt.Tx) error{
	1: migrate1to2,
	2: migrate2to3,
}

// migrate2to3 needs no data moved: the new buckets exist already. It
// starts the audit log with the upgrade itself, so that the log says from
// when on it is complete.
func migrate2to3(tx *bolt.Tx) error {
	return appendAudit(tx, Change{Actor: "estampd", Time: time.Now()}, "schema.upgrade", "", "2 -> 3")
}

// migrate1to2 re-encodes stamp states from the fixed binary layout of
// schema 1 (scan count, first scan, last scan, revoke time as uint64 Unix
// nanoseconds, then the revocation reason), indexes batches by serial range
// and writes the revocation list of what was revoked so far.
func migrate1to2(tx *bolt.Tx) error {
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
