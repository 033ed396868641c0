package store_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocopvn/estamp/internal/record"
	"github.com/ocopvn/estamp/internal/store"
)

// fold folds every journaled scan now: reading the flags folds first.
func fold(t *testing.T, s *store.Store) {
	t.Helper()
	if _, _, err := s.Flags(ctx, store.FlagQuery{Limit: 1}); err != nil {
		t.Fatal(err)
	}
}

// A stamp read or folded before is answered from the state cache without
// a transaction, until any write other than a fold: then from the
// database again, which the next read keeps. A stamp whose revocation
// needs its list entry read is never answered from the cache.
func TestStateCacheServesReadAndFoldedStamps(t *testing.T) {
	s := journalStore(t, t.TempDir(), journaled(1<<20))
	defer s.Close()
	stamp := func(serial uint64) *record.Stamp {
		t.Helper()
		rec, err := s.Stamp(ctx, 1, serial)
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	scan := func(serial uint64, rec *record.Stamp) uint64 {
		t.Helper()
		states, err := s.RecordScans(ctx, []record.Scan{{Serial: serial, Time: t0, Read: rec.Read}}, counted)
		if err != nil {
			t.Fatal(err)
		}
		return states[0].ScanCount
	}
	if s.StampFromCache(1, 7) {
		t.Fatal("stamp 7 is in the cache before anything read it")
	}
	if got := scan(7, stamp(7)); got != 1 {
		t.Fatalf("first scan answered %d scans, want 1", got)
	}
	if !s.StampFromCache(1, 7) {
		t.Error("stamp 7 is not in the cache after a read")
	}
	if got := scan(7, stamp(7)); got != 2 {
		t.Errorf("second scan, read from the cache: answered %d scans, want 2", got)
	}
	fold(t, s)
	if !s.StampFromCache(1, 7) {
		t.Error("stamp 7 is not in the cache after the fold that counted its scans")
	}
	if got := stamp(7).State.GetScanCount(); got != 2 {
		t.Errorf("after the fold: %d scans from the cache, want 2", got)
	}
	if s.StampFromCache(1, 8) {
		t.Error("stamp 8, never read or scanned, is in the cache")
	}
	if s.StampFromCache(1, 1001) {
		t.Error("serial 1001, outside batch 1, is answered from the cache")
	}

	// A revocation of another stamp is a write of another kind: every
	// entry was read before it.
	if _, _, _, err := s.RevokeStamps(ctx, record.Revocation{Serials: []uint64{9}, Reason: "mất", Change: at(t0)}, revoked); err != nil {
		t.Fatal(err)
	}
	if s.StampFromCache(1, 7) {
		t.Error("stamp 7 is answered from the cache after a revocation")
	}
	if got := scan(7, stamp(7)); got != 3 {
		t.Errorf("third scan, read from the database: answered %d scans, want 3", got)
	}
	if !s.StampFromCache(1, 7) {
		t.Error("stamp 7 is not in the cache after a read following the revocation")
	}
	if _, _, _, err := s.RevokeStamps(ctx, record.Revocation{Serials: []uint64{7}, Reason: "mất", Change: at(t0)}, revoked); err != nil {
		t.Fatal(err)
	}
	rec := stamp(7)
	if rec.State.GetRevocation().GetReason() != "mất" || rec.State.GetScanCount() != 3 {
		t.Errorf("revoked stamp 7 reads as %v, want revoked for %q with 3 scans", rec.State, "mất")
	}
	if s.StampFromCache(1, 7) {
		t.Error("revoked stamp 7 is answered from the cache: its reason is in the revocation list")
	}

	off := journalStore(t, t.TempDir(), store.Options{ManyScans: 3, NoStateCache: true, Journal: journaled(1 << 20).Journal})
	defer off.Close()
	rec, err := off.Stamp(ctx, 1, 7)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := off.RecordScans(ctx, []record.Scan{{Serial: 7, Time: t0, Read: rec.Read}}, counted); err != nil {
		t.Fatal(err)
	}
	fold(t, off)
	if off.StampFromCache(1, 7) {
		t.Error("a store opened with NoStateCache answers from a cache")
	}
}

// With the state cache a store reads and answers as one without: the
// same stamps, scans, folds (in the background, every 16 scans, and when
// asked) and revocations, in the same order, give the same state from
// every Stamp and every scan's answer.
func TestStateCacheAnswersAsTheDatabase(t *testing.T) {
	opts := func(noCache bool) store.Options {
		o := journaled(16)
		o.NoStateCache = noCache
		return o
	}
	cached := journalStore(t, t.TempDir(), opts(false))
	defer cached.Close()
	uncached := journalStore(t, t.TempDir(), opts(true))
	defer uncached.Close()
	both := []*store.Store{cached, uncached}
	rng := rand.New(rand.NewPCG(17, 4))
	when := t0
	serial := func() uint64 {
		if rng.IntN(3) == 0 {
			return uint64(1 + rng.IntN(5)) // a few stamps scanned often
		}
		return uint64(1 + rng.IntN(300))
	}
	fromCache := 0
	for step := range 600 {
		switch n := rng.IntN(40); {
		case n == 0:
			for _, s := range both {
				fold(t, s)
			}
		case n == 1:
			r := record.Revocation{Serials: []uint64{serial()}, Reason: "mất", Change: at(when)}
			for _, s := range both {
				if _, _, _, err := s.RevokeStamps(ctx, r, revoked); err != nil {
					t.Fatal(err)
				}
			}
		default:
			group := make([]record.Scan, 1+rng.IntN(6))
			for i := range group {
				when = when.Add(time.Duration(rng.IntN(3600)) * time.Second)
				group[i] = record.Scan{Serial: serial(), Time: when}
			}
			var reads, answers [2][]*record.StampState
			for k, s := range both {
				scans := make([]record.Scan, len(group))
				for i, sc := range group {
					if k == 0 && s.StampFromCache(1, sc.Serial) {
						fromCache++
					}
					rec, err := s.Stamp(ctx, 1, sc.Serial)
					if err != nil {
						t.Fatal(err)
					}
					reads[k] = append(reads[k], rec.State)
					scans[i] = record.Scan{Serial: sc.Serial, Time: sc.Time, Read: rec.Read}
				}
				states, err := s.RecordScans(ctx, scans, counted)
				if err != nil {
					t.Fatal(err)
				}
				answers[k] = states
			}
			for i := range group {
				if !proto.Equal(reads[0][i], reads[1][i]) {
					t.Fatalf("step %d: stamp %d reads %v with the cache, %v without", step, group[i].Serial, reads[0][i], reads[1][i])
				}
				if !proto.Equal(answers[0][i], answers[1][i]) {
					t.Fatalf("step %d: scan of stamp %d answered %v with the cache, %v without", step, group[i].Serial, answers[0][i], answers[1][i])
				}
			}
		}
	}
	if fromCache < 100 {
		t.Errorf("only %d reads were answered from the cache: the comparison hardly tried it", fromCache)
	}
	for serial := uint64(1); serial <= 300; serial++ {
		want, err := uncached.Stamp(ctx, 1, serial)
		if err != nil {
			t.Fatal(err)
		}
		got, err := cached.Stamp(ctx, 1, serial)
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(got.State, want.State) {
			t.Errorf("stamp %d: %v with the cache, %v without", serial, got.State, want.State)
		}
	}
}

// A read that a fold outdates while it is taken is not kept: here a fold
// of the stamp's journaled scan commits while the read, taken before it,
// waits 200 ms to be kept. Kept, it would hide the folded scan once the
// overlay retires it, and the stamp would read as never scanned.
func TestStateCacheKeepsNoReadAFoldOutdated(t *testing.T) {
	s := journalStore(t, t.TempDir(), journaled(1<<20))
	defer s.Close()
	// Recorded without a read: nothing is in the cache.
	if _, err := s.RecordScans(ctx, []record.Scan{{Serial: 7, Time: t0}}, counted); err != nil {
		t.Fatal(err)
	}
	read := make(chan struct{})
	var once sync.Once
	s.BeforeKeepingReads(func() {
		once.Do(func() {
			close(read)
			time.Sleep(200 * time.Millisecond)
		})
	})
	got := make(chan *record.Stamp, 1)
	go func() {
		rec, err := s.Stamp(ctx, 1, 7)
		if err != nil {
			t.Error(err)
		}
		got <- rec
	}()
	<-read
	fold(t, s)
	if rec := <-got; rec.State.GetScanCount() != 1 {
		t.Errorf("the read taken before the fold says %d scans, want 1", rec.State.GetScanCount())
	}
	s.BeforeKeepingReads(nil)
	rec, err := s.Stamp(ctx, 1, 7)
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.State.GetScanCount(); got != 1 {
		t.Errorf("after the fold: %d scans, want 1", got)
	}
}

// A fold that commits between Stamp's get of a cached state and its
// count of the journal's scans onto it keeps the scans that state lacks
// until the count is done. Here the fold is given 200 ms to finish in
// between; retiring the scans, it would leave the read one short.
func TestStateCacheCountsScansAFoldRetires(t *testing.T) {
	s := journalStore(t, t.TempDir(), journaled(1<<20))
	defer s.Close()
	scanCached(t, s, 7)
	var once sync.Once
	folded := make(chan struct{})
	s.BeforeCountingOntoCachedStates(func() {
		once.Do(func() {
			go func() {
				defer close(folded)
				if _, _, err := s.Flags(ctx, store.FlagQuery{Limit: 1}); err != nil {
					t.Error(err)
				}
			}()
			select {
			case <-folded:
			case <-time.After(200 * time.Millisecond):
			}
		})
	})
	rec, err := s.Stamp(ctx, 1, 7)
	if err != nil {
		t.Fatal(err)
	}
	<-folded
	s.BeforeCountingOntoCachedStates(nil)
	if got := rec.State.GetScanCount(); got != 1 {
		t.Errorf("read %d scans while a fold retired the journaled one, want 1", got)
	}
}

// Stamp answers from the state cache only what it could read from the
// database: a done context gets its error, as every read does
// (TestCancelledContextIsRefusedBeforeAnyWrite), and a closed store
// answers nothing.
func TestStateCacheAnswersNothingOnceDoneOrClosed(t *testing.T) {
	s := journalStore(t, t.TempDir(), journaled(1<<20))
	scanCached(t, s, 7)
	done, cancel := context.WithCancel(context.Background())
	cancel()
	if rec, err := s.Stamp(done, 1, 7); !errors.Is(err, context.Canceled) {
		t.Errorf("cached stamp 7 with a cancelled context: err %v, record %v; want context.Canceled", err, rec != nil)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if rec, err := s.Stamp(ctx, 1, 7); err == nil {
		t.Errorf("cached stamp 7 from a closed store: %v, want an error", rec.State)
	}
}

// scanCached reads serial of batch 1 as a verification does and records
// its scan with that read, which leaves the stamp in the state cache.
func scanCached(t *testing.T, s *store.Store, serial uint64) {
	t.Helper()
	rec, err := s.Stamp(ctx, 1, serial)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordScans(ctx, []record.Scan{{Serial: serial, Time: t0, Read: rec.Read}}, counted); err != nil {
		t.Fatal(err)
	}
	if !s.StampFromCache(1, serial) {
		t.Fatalf("stamp %d is not in the cache after a read", serial)
	}
}
