package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ocopvn/estamp/internal/record"
)

// States are written to recentStamps and moved to stamps once more than
// the limit are recent; every reader sees each stamp's latest state, in
// either bucket, once.
func TestStatesSettleOnceTooManyAreRecent(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "estamp.db"), Options{RecentStates: 4, Journal: &Journal{Count: countOne, FoldEvery: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	scan := func(serials ...uint64) {
		t.Helper()
		var scans []record.Scan
		for _, n := range serials {
			scans = append(scans, record.Scan{Serial: n, Time: time.Now()})
		}
		if _, err := s.RecordScans(ctx, scans, countOne); err != nil {
			t.Fatal(err)
		}
		if err := s.settleScans(ctx); err != nil {
			t.Fatal(err)
		}
	}
	where := func() (recent, settled int) {
		t.Helper()
		if err := s.view(ctx, func(tx *bolt.Tx) error {
			recent, settled = tx.Bucket(bucketRecentStamps).Stats().KeyN, tx.Bucket(bucketStamps).Stats().KeyN
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return recent, settled
	}
	counts := func() map[uint64]uint64 {
		t.Helper()
		list, err := s.StampStates(ctx, 1, 100)
		if err != nil {
			t.Fatal(err)
		}
		out := map[uint64]uint64{}
		for _, st := range list {
			if _, twice := out[st.Serial]; twice {
				t.Errorf("stamp %d listed twice", st.Serial)
			}
			out[st.Serial] = st.State.GetScanCount()
		}
		return out
	}

	scan(1, 2, 3)
	if err := s.settleStates(ctx); err != nil {
		t.Fatal(err)
	}
	if r, st := where(); r != 3 || st != 0 {
		t.Errorf("3 states, limit 4: %d recent and %d settled, want all recent", r, st)
	}
	scan(3, 4, 5, 6, 7, 8)
	if err := s.settleStates(ctx); err != nil {
		t.Fatal(err)
	}
	if r, st := where(); r != 0 || st != 8 {
		t.Errorf("8 states, limit 4: %d recent and %d settled after settling, want all settled", r, st)
	}
	// Scanned again, stamp 3 has a recent state over its settled one.
	scan(3, 9)
	if r, st := where(); r != 2 || st != 8 {
		t.Errorf("%d recent and %d settled states, want 2 and 8", r, st)
	}
	want := map[uint64]uint64{1: 1, 2: 1, 3: 3, 4: 1, 5: 1, 6: 1, 7: 1, 8: 1, 9: 1}
	got := counts()
	for serial, n := range want {
		if got[serial] != n {
			t.Errorf("stamp %d: %d scans, want %d", serial, got[serial], n)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d stamps with a state, want %d", len(got), len(want))
	}
	if err := s.view(ctx, func(tx *bolt.Tx) error {
		for serial, n := range want {
			st, err := statesTx(tx).state(serial)
			if err != nil {
				return err
			}
			if st.ScanCount != n {
				t.Errorf("stored state of stamp %d: %d scans, want %d", serial, st.ScanCount, n)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// Writers settle the recent states in the background, checking every
// quarter of the limit of states written: here the scans of a store
// without a journal.
func TestStatesSettleInTheBackground(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "estamp.db"), Options{RecentStates: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	scans := make([]record.Scan, settleEvery)
	for i := range scans {
		scans[i] = record.Scan{Serial: uint64(i%1000 + 1), Time: time.Now()}
	}
	if _, err := s.RecordScans(ctx, scans, countOne); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		n, err := s.recentStates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d recent states 10 s after %d writes, limit 100; want all settled", n, settleEvery)
		}
	}
	list, err := s.StampStates(ctx, 1, 1000)
	if err != nil || len(list) != 1000 {
		t.Fatalf("%d states, %v; want 1,000", len(list), err)
	}
	for _, st := range list {
		if want := uint64(settleEvery / 1000); st.Serial <= settleEvery%1000 && st.State.ScanCount != want+1 || st.Serial > settleEvery%1000 && st.State.ScanCount != want {
			t.Errorf("stamp %d: %d scans", st.Serial, st.State.ScanCount)
		}
	}
}
