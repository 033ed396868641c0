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
// list, or when the read was of another stamp. The read handed in here says 100 scans where the database has
// none, so that the answers tell which was used.
func TestScanAnsweredFromTheReadUntilAWrite(t *testing.T) {
	ctx := context.Background()
	count := func(st *record.StampState, _ time.Time) { st.ScanCount++ }
	s, err := Open(filepath.Join(t.TempDir(), "estamp.db"), Options{Journal: &Journal{Count: count, FoldEvery: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	read := func(st *record.StampState) *stateRead {
		return &stateRead{serial: 5, stored: st, folded: s.journal.folded, mark: s.span.mark()}
	}
	scan := func(r *stateRead) uint64 {
		t.Helper()
		states, err := s.RecordScans(ctx, []record.Scan{{Serial: 5, Time: time.Now(), Read: r}}, count)
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
