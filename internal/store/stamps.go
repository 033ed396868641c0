package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	"github.com/ocopvn/estamp/internal/ocop"
)

// StampState is the mutable state of one issued stamp.
type StampState = storagev1.StampState

// Bounds on one stamp's record, so that it does not grow with use.
const (
	// EarlyScans are kept one by one; later scans are counted per day.
	EarlyScans = 5
	// ScanDays is how many days of daily counts are kept.
	ScanDays = 90
	// MaxReceipts is how many retailers' receipts are kept; past it the
	// oldest goes (a stamp in that many shops is a copy already).
	MaxReceipts = 20
)

func decodeStampState(v []byte) (*StampState, error) {
	st := new(StampState)
	if v == nil {
		return st, nil
	}
	if err := proto.Unmarshal(v, st); err != nil {
		return nil, fmt.Errorf("store: corrupt stamp state: %w", err)
	}
	return st, nil
}

func putStampState(b *bolt.Bucket, serial uint64, st *StampState) error {
	v, err := proto.Marshal(st)
	if err != nil {
		return err
	}
	return b.Put(u64(serial), v)
}

// Time reads a Unix-nanosecond field; zero stays the zero time.
func Time(unixNano int64) time.Time {
	if unixNano == 0 {
		return time.Time{}
	}
	return time.Unix(0, unixNano).UTC()
}

// Scan is one verification of an issued stamp.
type Scan struct {
	Serial uint64
	Time   time.Time
}

// addScan counts one scan into a state, keeping it bounded.
func addScan(st *StampState, at time.Time) {
	n := at.UnixNano()
	st.ScanCount++
	if st.FirstScanUnixNano == 0 {
		st.FirstScanUnixNano = n
	}
	st.LastScanUnixNano = n
	if len(st.EarlyScansUnixNano) < EarlyScans {
		st.EarlyScansUnixNano = append(st.EarlyScansUnixNano, n)
		return
	}
	day := ocop.Day(at)
	if k := len(st.DailyScans); k > 0 && st.DailyScans[k-1].Day == day {
		st.DailyScans[k-1].Count++
	} else {
		st.DailyScans = append(st.DailyScans, &storagev1.DailyScans{Day: day, Count: 1})
	}
	for len(st.DailyScans) > 0 && st.DailyScans[0].Day <= day-ScanDays {
		st.DailyScans = st.DailyScans[1:]
	}
}

// RecordScans applies many scans in one transaction, so that one fsync
// serves them all, and returns each stamp's state after its scan, in order
// (a revocation with its reason, as Stamp returns it).
func (s *Store) RecordScans(ctx context.Context, scans []Scan) ([]*StampState, error) {
	states := make([]*StampState, len(scans))
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketStamps)
		for i, sc := range scans {
			st, err := decodeStampState(b.Get(u64(sc.Serial)))
			if err != nil {
				return err
			}
			addScan(st, sc.Time)
			if err := putStampState(b, sc.Serial, st); err != nil {
				return err
			}
			if states[i], err = stampView(tx, st); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return states, nil
}

func formatUint(v uint64) string { return strconv.FormatUint(v, 10) }
