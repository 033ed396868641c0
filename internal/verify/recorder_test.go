package verify_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocopvn/estamp/internal/record"
	"github.com/ocopvn/estamp/internal/store"
	"github.com/ocopvn/estamp/internal/verify"
)

// countingStore records scans in a real bbolt file and counts transactions.
type countingStore struct {
	*store.Store
	commits atomic.Int64
	fail    error
	// block, when set, holds every commit until it is closed.
	block chan struct{}
}

func (c *countingStore) RecordScans(ctx context.Context, s []record.Scan, count func(*record.StampState, time.Time)) ([]*record.StampState, error) {
	c.commits.Add(1)
	if c.block != nil {
		<-c.block
	}
	if c.fail != nil {
		return nil, c.fail
	}
	return c.Store.RecordScans(ctx, s, count)
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
				state, err := rec.Record(context.Background(), record.Scan{Serial: 7, Time: at})
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
	if _, err := rec.Record(context.Background(), record.Scan{Serial: 1, Time: time.Now()}); !errors.Is(err, st.fail) {
		t.Errorf("Record error = %v, want disk full", err)
	}
	rec.Close()
	rec.Close() // idempotent
	if _, err := rec.Record(context.Background(), record.Scan{Serial: 1, Time: time.Now()}); !errors.Is(err, verify.ErrRecorderClosed) {
		t.Errorf("Record after Close = %v", err)
	}
}

// Close commits what is queued in one transaction per batch, not one per
// scan: a shutdown under load must not pay an fsync a scan. (Whether the
// recorder sees the queue or the close first is up to select, so the
// scenario runs several times.)
func TestRecorderDrainsTheQueueInOneCommit(t *testing.T) {
	for range 8 {
		drainScenario(t)
	}
}

func drainScenario(t *testing.T) {
	st := openStore(t)
	st.block = make(chan struct{})
	rec := verify.NewRecorder(st, 256)
	at := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	wg.Go(func() { rec.Record(context.Background(), record.Scan{Serial: 1, Time: at}) }) // held in its commit
	for st.commits.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	const queued = 100
	for i := range queued {
		wg.Go(func() {
			if _, err := rec.Record(context.Background(), record.Scan{Serial: uint64(2 + i), Time: at}); err != nil {
				t.Error(err)
			}
		})
	}
	for deadline := time.Now().Add(5 * time.Second); rec.Queued() < queued; {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d requests queued", rec.Queued(), queued)
		}
		time.Sleep(time.Millisecond)
	}
	closed := make(chan struct{})
	go func() { rec.Close(); close(closed) }()
	// Let Close mark the recorder closed before the held commit returns.
	for deadline := time.Now().Add(5 * time.Second); !rec.Closing(); {
		if time.Now().After(deadline) {
			t.Fatal("Close did not start")
		}
		time.Sleep(time.Millisecond)
	}
	close(st.block)
	<-closed
	wg.Wait()
	if n := st.commits.Load(); n != 2 {
		t.Fatalf("%d commits for 1 + %d queued scans, want 2", n, queued)
	}
}

// A group waits for more scans only when scans come in together: with a
// linger of an hour, scans one after another still commit at once, scans
// that came together fill a whole group before it commits, and Close cuts
// a wait short.
func TestRecorderLingersOnlyWhenScansComeTogether(t *testing.T) {
	st := openStore(t)
	st.block = make(chan struct{})
	const group = 4
	var waits atomic.Int64
	rec := verify.NewRecorderLingering(st, group, time.Hour, func() { waits.Add(1) })
	at := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	within := func(what string, f func()) {
		t.Helper()
		done := make(chan struct{})
		go func() { f(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: still waiting after 10 s", what)
		}
	}

	// A lone scan, held in its commit, then two that queued meanwhile.
	var wg sync.WaitGroup
	wg.Go(func() { rec.Record(context.Background(), record.Scan{Serial: 1, Time: at}) })
	for st.commits.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	for i := range 2 {
		wg.Go(func() { rec.Record(context.Background(), record.Scan{Serial: uint64(2 + i), Time: at}) })
	}
	waitFor(t, "two scans queued", func() bool { return rec.Queued() >= 2 })
	close(st.block)
	// The first came alone, so the two were not held for more.
	within("scans after a lone scan", wg.Wait)
	if n := st.commits.Load(); n != 2 {
		t.Fatalf("%d commits, want 2 (1 scan, then 2)", n)
	}

	// Scans came together last time: the next group waits for more,
	// and commits once full.
	for i := range group {
		wg.Go(func() {
			if _, err := rec.Record(context.Background(), record.Scan{Serial: uint64(10 + i), Time: at}); err != nil {
				t.Error(err)
			}
		})
		if i == 0 {
			waitFor(t, "the group to wait", func() bool { return waits.Load() > 0 })
		}
	}
	within("a full group", wg.Wait)
	if n := st.commits.Load(); n != 3 {
		t.Fatalf("%d commits after %d scans that came together, want 3 (one group)", n, group)
	}
	if n := waits.Load(); n != 1 {
		t.Fatalf("groups waited %d times, want once", n)
	}

	// That group was full, so the next scan waits; Close ends the wait
	// and commits it.
	var got *record.StampState
	wg.Go(func() {
		var err error
		if got, err = rec.Record(context.Background(), record.Scan{Serial: 20, Time: at}); err != nil {
			t.Error(err)
		}
	})
	waitFor(t, "the lone scan to wait", func() bool { return waits.Load() >= 2 })
	within("Close during a wait", rec.Close)
	within("the waiting scan", wg.Wait)
	if got.GetScanCount() != 1 {
		t.Errorf("the scan waiting at Close: count %d, want 1", got.GetScanCount())
	}
}

// One scan after another never waits: with a linger of an hour, fifty
// sequential scans finish.
func TestRecorderLoneScansDoNotWait(t *testing.T) {
	st := openStore(t)
	rec := verify.NewRecorderLingering(st, 64, time.Hour, nil)
	defer rec.Close()
	done := make(chan error, 1)
	go func() {
		for i := range 50 {
			if _, err := rec.Record(context.Background(), record.Scan{Serial: uint64(i + 1), Time: time.Now()}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sequential scans waited")
	}
}

// waitFor polls cond until it holds, failing after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after 10 s", what)
		}
	}
}
