package store

import (
	"sync"
	"sync/atomic"
)

// The store keeps a few records decoded between reads (Store.records,
// Store.tokens): every verification and every code of an intake reads a
// stamp's batch, product and producer, and every call with a token reads
// that token; decoding them was about a tenth of a verification's CPU
// and most of its garbage.
//
// A cached record is never stale by more than a write in flight. Every
// write transaction but those that only count scans (which change no
// batch, product, producer or token) moves the store's write generation
// on once it has ended (Store.update); an entry is tagged with the
// generation read before the read transaction that decoded it began, and
// is used only while the generation is still that. So an entry decoded
// before a write can serve no read that starts after the write has
// returned, and a write's caller hears of its success only after that: a
// revoked token is refused by the next call.

// writeGen counts the store's write transactions that may change a
// cached record.
type writeGen struct{ n atomic.Uint64 }

// now is the generation to tag what a read transaction beginning after
// this call decodes.
func (g *writeGen) now() uint64 { return g.n.Load() }

// written moves the generation on: every cached record is old.
func (g *writeGen) written() { g.n.Add(1) }

// genCache holds up to max records decoded under a generation; past max
// it starts again empty (a province prints a few thousand batches a year
// and issues fewer tokens, and reads favour the recent ones). What it
// holds is shared by every reader: read it, never change it.
type genCache[K comparable, V any] struct {
	max int
	mu  sync.RWMutex
	m   map[K]genEntry[V]
}

type genEntry[V any] struct {
	gen uint64
	v   V
}

// get is k's record decoded under generation gen, if cached.
func (c *genCache[K, V]) get(gen uint64, k K) (v V, ok bool) {
	c.mu.RLock()
	e, ok := c.m[k]
	c.mu.RUnlock()
	if !ok || e.gen != gen {
		return v, false
	}
	return e.v, true
}

// put keeps v, decoded by a transaction that began under generation gen.
func (c *genCache[K, V]) put(gen uint64, k K, v V) {
	c.mu.Lock()
	if c.m == nil || len(c.m) >= c.max {
		c.m = make(map[K]genEntry[V])
	}
	c.m[k] = genEntry[V]{gen: gen, v: v}
	c.mu.Unlock()
}

// writeSpan counts every write transaction as it starts and as it ends,
// so that a reader can learn that the database is still exactly as a
// read transaction saw it without beginning another: a mark taken before
// that transaction began, equal to the writes started since, means no
// write was in flight at the mark and none has started after it. The
// scan journal answers a scan's state from the verification's own read
// this way (stateRead).
type writeSpan struct{ started, ended atomic.Uint64 }

func (w *writeSpan) begin() { w.started.Add(1) }
func (w *writeSpan) end()   { w.ended.Add(1) }

// mark is taken before a read transaction begins.
func (w *writeSpan) mark() uint64 { return w.ended.Load() }

// unchangedSince reports whether no write has changed the database since
// a read transaction that began after mark m.
func (w *writeSpan) unchangedSince(m uint64) bool { return w.started.Load() == m }
