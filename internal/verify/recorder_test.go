package verify_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocopvn/estamp/internal/store"
	"github.com/ocopvn/estamp/internal/verify"
)

// countingStore records scans in a real bbolt file and counts transactions.
type countingStore struct {
	*store.Store
	commits atomic.Int64
	fail    error
}

func (c *countingStore) RecordScans(s []store.Scan) ([]*store.StampState, error) {
	c.commits.Add(1)
	if c.fail != nil {
		return nil, c.fail
	}
	return c.Store.RecordScans(s)
}

func openStore(t *testing.T) *countingStore {
	t.Helper()
	s, err := store.Open(filepath.Join(t.TempDir(), "estamp.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &countingStore{Store: s}
}

// Concurrent scans share commits, and every scan is counted exactly once.
func TestRecorderGroupsCommits(t *testing.T) {
	st := openStore(t)
	rec := verify.NewRecorder(st, 256)
	const workers, perWorker = 32, 50
	at := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	counts := make(chan uint64, workers*perWorker)
	for range workers {
		wg.Go(func() {
			for range perWorker {
				state, err := rec.Record(context.Background(), 7, at)
				if err != nil {
					t.Error(err)
					return
				}
				counts <- state.ScanCount
			}
		})
	}
	wg.Wait()
	rec.Close()
	close(counts)
	seen := map[uint64]bool{}
	for c := range counts {
		if seen[c] {
			t.Fatalf("scan count %d returned twice", c)
		}
		seen[c] = true
	}
	if len(seen) != workers*perWorker || !seen[workers*perWorker] {
		t.Errorf("got %d distinct counts, want 1..%d", len(seen), workers*perWorker)
	}
	if n := st.commits.Load(); n >= workers*perWorker {
		t.Errorf("%d commits for %d scans: no grouping", n, workers*perWorker)
	} else {
		t.Logf("%d scans in %d commits", workers*perWorker, n)
	}
}

func TestRecorderReportsStoreErrorsAndClose(t *testing.T) {
	st := openStore(t)
	st.fail = errors.New("disk full")
	rec := verify.NewRecorder(st, 8)
	if _, err := rec.Record(context.Background(), 1, time.Now()); !errors.Is(err, st.fail) {
		t.Errorf("Record error = %v, want disk full", err)
	}
	rec.Close()
	rec.Close() // idempotent
	if _, err := rec.Record(context.Background(), 1, time.Now()); !errors.Is(err, verify.ErrRecorderClosed) {
		t.Errorf("Record after Close = %v", err)
	}
}
