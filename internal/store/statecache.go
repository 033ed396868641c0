package store

import (
	"sync"

	"github.com/ocopvn/estamp/internal/record"
)

// With a scan journal the store keeps the encoded states of the stamps it
// lately read or folded (Store.states), so that a verification of a stamp
// scanned before begins no read transaction, and a fold reads no B-tree
// page for it. A transaction's begin, its buckets and the B-tree search
// were most of a verification's allocations, and on a database of
// millions of stamps the search read a leaf of the settled tree, cold on
// the stamp's first scan since the start (issue 17).
//
// An entry is a stamp's state as the B-tree holds it now, encoded, with
// the journal's folded position it counts the scans up to: the journal's
// scans past that position are counted onto it as onto a read of the
// B-tree (journal.countPast). It stays the B-tree's state because of who
// writes the entries, and when:
//   - A fold, the only transaction that counts scans into the B-tree,
//     replaces the entries of the stamps it folded after its commit,
//     before its write is counted as ended (writeSpan) and before the
//     overlay retires the folded scans. Folds run one at a time (foldMu),
//     and only they read entries inside a write transaction.
//   - A reader keeps what its transaction read only while no write has
//     started since the mark it took before that transaction began
//     (writeSpan.unchangedSince), checked under the cache's lock; a fold
//     that started since replaces entries under that lock after it.
//   - Every other write (a revocation, a receipt, a sale, an activation)
//     moves the write generation on when it begins and when it has ended
//     (Store.update), and an entry serves only under the generation it
//     was read or folded under, as genCache's do.
//
// Settling moves states from one bucket to the other and changes none.
// Without a journal scans are committed to the B-tree directly, and the
// store keeps no entries.

// stateCacheMax bounds Store.states: about a week of newly scanned
// stamps at 20,000 a day. Full of stamps scanned three times (51 bytes
// encoded) it held 24 MiB of heap. Past it the cache starts again empty,
// as genCache does.
const stateCacheMax = 1 << 17

// stateCache holds encoded stamp states; see above. Its values are never
// changed once put: readers decode their own copies.
type stateCache struct {
	max int // 0: the store keeps none (Options.NoStateCache)
	mu  sync.Mutex
	m   map[uint64]cachedState
	// closed: the store is closing, and answers nothing from memory
	// that it could not read from the database.
	closed bool
	// Tests' pauses: beforeKeep runs between a reader's read and the
	// check that keeps it, beforeCount between Stamp's get of an entry
	// and its count of the journal's scans onto it.
	beforeKeep, beforeCount func()
}

// cachedState is a stamp's state as the B-tree holds it, encoded (empty:
// it has none), counting the journal's scans up to folded, kept under
// the write generation gen.
type cachedState struct {
	encoded []byte
	folded  jpos
	gen     uint64
}

// get is serial's entry, if one serves under generation gen.
func (c *stateCache) get(gen, serial uint64) (cachedState, bool) {
	if c.max == 0 {
		return cachedState{}, false
	}
	c.mu.Lock()
	e, ok := c.m[serial]
	c.mu.Unlock()
	return e, ok && e.gen == gen
}

// keepRead keeps a reader's read of serial, taken in a transaction that
// began after mark and under generation gen, unless a write has started
// since mark: that read may be outdated already.
func (c *stateCache) keepRead(span *writeSpan, mark, serial uint64, e cachedState) {
	if c.max == 0 {
		return
	}
	if c.beforeKeep != nil {
		c.beforeKeep()
	}
	c.mu.Lock()
	if span.unchangedSince(mark) {
		c.putLocked(serial, e)
	}
	c.mu.Unlock()
}

// keepFolded replaces the entries of the stamps a fold just committed,
// each at the fold's new folded position.
func (c *stateCache) keepFolded(f *foldedStates, folded jpos) {
	if c.max == 0 || len(f.encoded) == 0 {
		return
	}
	c.mu.Lock()
	for serial, v := range f.encoded {
		c.putLocked(serial, cachedState{encoded: v, folded: folded, gen: f.gen})
	}
	c.mu.Unlock()
}

func (c *stateCache) putLocked(serial uint64, e cachedState) {
	if c.closed {
		return
	}
	if c.m == nil || len(c.m) >= c.max {
		c.m = make(map[uint64]cachedState)
	}
	c.m[serial] = e
}

// close drops every entry and keeps none from then on.
func (c *stateCache) close() {
	c.mu.Lock()
	c.closed, c.m = true, nil
	c.mu.Unlock()
}

// foldedStates is what one fold's transaction reads from the cache and
// leaves for it: the write generation it read under, and the states it
// put, encoded, by serial.
type foldedStates struct {
	gen     uint64
	encoded map[uint64][]byte
}

// foldState is serial's stored state as a fold's transaction reads it
// through stamps: the one this fold put already, else the cache's, else
// the B-tree's.
func (s *Store) foldState(stamps stampStates, f *foldedStates, serial uint64) (*record.StampState, error) {
	if v, ok := f.encoded[serial]; ok {
		return decodeStampState(v)
	}
	if e, ok := s.states.get(f.gen, serial); ok {
		return decodeStampState(e.encoded)
	}
	return stamps.state(serial)
}

// cachedStamp is Stamp without a transaction, from the record cache and
// the state cache, when both have what it needs: a batch activated as a
// whole, and a stamp whose revocation, if any, needs no list entry read.
// gen and mark are Stamp's.
func (s *Store) cachedStamp(gen, mark, batchID, serial uint64) (*record.Stamp, bool, error) {
	j := s.journal
	if j == nil {
		return nil, false, nil
	}
	base, ok := s.records.get(gen, batchID)
	if !ok || base.Batch.IssuedInactive {
		return nil, false, nil
	}
	if b := base.Batch; serial < b.FirstSerial || serial-b.FirstSerial >= uint64(b.Quantity) {
		return nil, false, nil
	}
	// The overlay must keep the scans the entry lacks while they are
	// counted onto it: see overlay.retire.
	g := j.ov.pin()
	defer j.ov.unpin(g)
	e, ok := s.states.get(gen, serial)
	if !ok {
		return nil, false, nil
	}
	if s.states.beforeCount != nil {
		s.states.beforeCount()
	}
	st, err := decodeStampState(e.encoded)
	if err != nil {
		return nil, false, err
	}
	if st.GetRevocation().GetListVersion() != 0 {
		return nil, false, nil
	}
	view := j.countPast(j.ov.of(serial), st, e.folded, allScans)
	return &record.Stamp{Batch: base.Batch, Product: base.Product, Producer: base.Producer, State: view,
		Read: &stateRead{serial: serial, stored: st, folded: e.folded, mark: mark}}, true, nil
}
