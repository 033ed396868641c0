package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	"github.com/ocopvn/estamp/internal/record"
)

// The committer answers a scan from the verification's read while
// nothing was written since it, and reads the stamp again once something
// was, when the read found a revocation, whose details come from the
// list, or when the read was of another stamp. The read handed in here
// says 100 scans where the database has none, so that the answers tell
// which was used.
func TestScanAnsweredFromTheReadUntilAWrite(t *testing.T) {
	ctx := context.Background()
	s := countingJournal(t)
	read := func(st *record.StampState) *stateRead {
		return &stateRead{serial: 5, stored: st, folded: s.journal.folded, mark: s.span.mark()}
	}
	scan := func(r *stateRead) uint64 {
		t.Helper()
		states, err := s.RecordScans(ctx, []record.Scan{{Serial: 5, Time: time.Now(), Read: r}}, countOne)
		if err != nil {
			t.Fatal(err)
		}
		return states[0].ScanCount
	}
	unwritten := read(&record.StampState{ScanCount: 100})
	if got := scan(unwritten); got != 101 {
		t.Errorf("answered %d scans, want 101: from the read", got)
	}
	// The first scan is in the journal: a read from before it is
	// counted with it.
	if got := scan(unwritten); got != 102 {
		t.Errorf("answered %d scans, want 102: from the read, with the scan journaled since", got)
	}
	revokedRead := read(&record.StampState{ScanCount: 100, Revocation: &storagev1.Revocation{ListVersion: 1}})
	if got := scan(revokedRead); got != 3 {
		t.Errorf("a revoked stamp: answered %d scans, want 3: read from the database", got)
	}
	otherStamp := read(&record.StampState{ScanCount: 100})
	otherStamp.serial = 6
	if got := scan(otherStamp); got != 4 {
		t.Errorf("a read of stamp 6: answered %d scans, want 4: read from the database", got)
	}
	if err := s.update(ctx, func(*bolt.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if got := scan(unwritten); got != 5 {
		t.Errorf("after a write: answered %d scans, want 5: read from the database", got)
	}
	if got := scan(read(&record.StampState{ScanCount: 100})); got != 106 {
		t.Errorf("a read after the write: answered %d scans, want 106", got)
	}
}

// A fold may commit, and retire the scans it folded from the overlay,
// between the check that lets a scan be answered from its verification's
// read and the count of the journal's scans onto that read: the read's
// state lacks the folded scans, so the overlay must keep them until the
// count is done (answerFromReads pins it). Here the fold's write starts
// right after the check and is given 200 ms to finish before the count;
// with the overlay unpinned it does, and the answer loses the first scan.
func TestScanCountedFromAReadWhileAFoldRetiresItsScans(t *testing.T) {
	ctx := context.Background()
	s := countingJournal(t)
	if _, err := s.RecordScans(ctx, []record.Scan{{Serial: 5, Time: time.Now()}}, countOne); err != nil {
		t.Fatal(err)
	}
	// The second scan's verification reads the stamp, as Stamp does:
	// nothing stored, its first scan in the journal.
	read := &stateRead{serial: 5, stored: &record.StampState{}, folded: s.journal.folded, mark: s.span.mark()}
	j := s.journal
	frozen, write := make(chan struct{}), make(chan struct{})
	j.foldWrites = func() {
		close(frozen)
		<-write
	}
	foldDone := make(chan struct{})
	var foldErr error
	go func() {
		defer close(foldDone)
		foldErr = s.foldJournal(ctx, true)
	}()
	<-frozen
	j.readTaken = func() {
		close(write)
		select {
		case <-foldDone:
		case <-time.After(200 * time.Millisecond):
		}
	}
	states, err := s.RecordScans(ctx, []record.Scan{{Serial: 5, Time: time.Now(), Read: read}}, countOne)
	if err != nil {
		t.Fatal(err)
	}
	if got := states[0].ScanCount; got != 2 {
		t.Errorf("answered %d scans, want 2: the first, folded meanwhile, and this one", got)
	}
	<-foldDone
	j.foldWrites, j.readTaken = nil, nil
	if foldErr != nil {
		t.Fatal(foldErr)
	}
	if got := s.Unfolded(); got != 1 {
		t.Errorf("%d scans unfolded after the fold, want 1: the second", got)
	}
}

// countingJournal is a store with a scan journal that folds only when
// told to, each scan counting one; closed when the test ends.
func countingJournal(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "estamp.db"), Options{Journal: &Journal{Count: countOne, FoldEvery: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func countOne(st *record.StampState, _ time.Time) { st.ScanCount++ }

// A verification's read carries its transaction's folded position only
// when the overlay holds scans of the stamp, and must then: a fold may
// have committed a scan that the overlay keeps until older readers end.
// Here a reader that began before the fold holds the first scan in the
// overlay after the fold committed it; a read taken then already counts
// it, and the second scan's answer must not count it again.
func TestScanCountedOnceFromAReadAfterAFoldBeforeItsRetirement(t *testing.T) {
	ctx := context.Background()
	s := countingJournal(t)
	j := s.journal
	if _, err := s.RecordScans(ctx, []record.Scan{{Serial: 5, Time: time.Now()}}, countOne); err != nil {
		t.Fatal(err)
	}
	folded := func() (p jpos) {
		t.Helper()
		if err := s.view(ctx, func(tx *bolt.Tx) error { p = foldedTx(tx); return nil }); err != nil {
			t.Fatal(err)
		}
		return p
	}
	before := folded()
	older := j.ov.pin()
	foldDone := make(chan error, 1)
	go func() { foldDone <- s.foldJournal(ctx, true) }()
	// The fold commits, then waits for the older reader to retire.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		// Committed, and its write counted as ended: a read's mark
		// taken now lets the answer come from the read.
		if folded() != before && s.span.started.Load() == s.span.mark() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the fold did not commit")
		}
	}
	if !j.ov.holds(5) {
		t.Fatal("the fold retired the first scan while an older reader was pinned")
	}
	var read *stateRead
	mark := s.span.mark()
	if err := s.viewStamps(ctx, func(tx *bolt.Tx) error {
		st, err := statesTx(tx).state(5)
		if err != nil {
			return err
		}
		if st.ScanCount != 1 {
			t.Errorf("the read found %d scans, want 1: the folded first", st.ScanCount)
		}
		read = j.readOf(tx, 5, st, mark)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	states, err := s.RecordScans(ctx, []record.Scan{{Serial: 5, Time: time.Now(), Read: read}}, countOne)
	if err != nil {
		t.Fatal(err)
	}
	if got := states[0].ScanCount; got != 2 {
		t.Errorf("answered %d scans, want 2: the first, read from the B-tree, and this one", got)
	}
	j.ov.unpin(older)
	if err := <-foldDone; err != nil {
		t.Fatal(err)
	}
	if err := s.foldJournal(ctx, true); err != nil {
		t.Fatal(err)
	}
	// Without scans in the overlay, a read's position is not needed: a
	// scan appended after it is counted onto it.
	if err := s.viewStamps(ctx, func(tx *bolt.Tx) error {
		st, err := statesTx(tx).state(5)
		if err != nil {
			return err
		}
		if j.ov.holds(5) {
			t.Error("the overlay still holds scans of stamp 5 after every fold and reader")
		}
		read = j.readOf(tx, 5, st, s.span.mark())
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	states, err = s.RecordScans(ctx, []record.Scan{{Serial: 5, Time: time.Now(), Read: read}}, countOne)
	if err != nil {
		t.Fatal(err)
	}
	if got := states[0].ScanCount; got != 3 {
		t.Errorf("answered %d scans, want 3", got)
	}
}
