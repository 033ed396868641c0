package store

import (
	"encoding/binary"
	"errors"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// StampState is the mutable state of one issued stamp.
type StampState struct {
	ScanCount        uint64
	FirstScan        time.Time // zero until scanned
	LastScan         time.Time
	RevokeTime       time.Time // zero unless this stamp was revoked
	RevocationReason string
}

// Revoked reports whether this stamp (not its batch) was revoked.
func (s StampState) Revoked() bool { return !s.RevokeTime.IsZero() }

// On disk: scan count, first scan, last scan, revoke time (uint64 each,
// times as Unix nanoseconds, 0 for none), then the revocation reason as
// UTF-8 to the end. Fixed-width because it is written on every scan.
const stampStateFixed = 4 * 8

var errCorruptStamp = errors.New("store: corrupt stamp state")

func decodeStampState(v []byte) (StampState, error) {
	var s StampState
	if v == nil {
		return s, nil
	}
	if len(v) < stampStateFixed {
		return s, errCorruptStamp
	}
	s.ScanCount = binary.BigEndian.Uint64(v[0:])
	s.FirstScan = fromNanos(v[8:])
	s.LastScan = fromNanos(v[16:])
	s.RevokeTime = fromNanos(v[24:])
	s.RevocationReason = string(v[stampStateFixed:]) // string() copies
	return s, nil
}

func (s StampState) encode() []byte {
	v := make([]byte, stampStateFixed, stampStateFixed+len(s.RevocationReason))
	binary.BigEndian.PutUint64(v[0:], s.ScanCount)
	binary.BigEndian.PutUint64(v[8:], toNanos(s.FirstScan))
	binary.BigEndian.PutUint64(v[16:], toNanos(s.LastScan))
	binary.BigEndian.PutUint64(v[24:], toNanos(s.RevokeTime))
	return append(v, s.RevocationReason...)
}

func toNanos(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	return uint64(t.UnixNano())
}

func fromNanos(b []byte) time.Time {
	n := binary.BigEndian.Uint64(b)
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(n)).UTC()
}

// Scan is one verification of an issued stamp.
type Scan struct {
	Serial uint64
	Time   time.Time
}

// RecordScans applies many scans in one transaction, so that one fsync
// serves them all, and returns each stamp's state after its scan, in order.
func (s *Store) RecordScans(scans []Scan) ([]StampState, error) {
	states := make([]StampState, len(scans))
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketStamps)
		for i, sc := range scans {
			key := u64(sc.Serial)
			st, err := decodeStampState(b.Get(key))
			if err != nil {
				return err
			}
			st.ScanCount++
			if st.FirstScan.IsZero() {
				st.FirstScan = sc.Time
			}
			st.LastScan = sc.Time
			if err := b.Put(key, st.encode()); err != nil {
				return err
			}
			states[i] = st
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return states, nil
}

func formatUint(v uint64) string { return strconv.FormatUint(v, 10) }
