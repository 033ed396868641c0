package store

import (
	"sync"
	"sync/atomic"

	"github.com/ocopvn/estamp/internal/record"
)

// recordCacheMax bounds the batches the record cache holds; past it the
// cache starts again empty. A province prints a few thousand batches a
// year, and scans favour the recent ones.
const recordCacheMax = 4096

// recordCache keeps batches decoded with their product and producer for
// Stamp, which every verification and every code of an intake calls:
// decoding the three records was about a tenth of a verification's CPU
// and most of its garbage.
//
// It is never stale by more than a write in flight. Every write
// transaction but those that only count scans (which change no batch,
// product or producer) moves the generation on once it has ended; an
// entry is tagged with the generation read before the read transaction
// that decoded it began, and is used only while the generation is still
// that. So an entry decoded before a write can serve no read that starts
// after the write has returned, and a write's caller hears of its success
// only after that.
type recordCache struct {
	gen atomic.Uint64
	mu  sync.RWMutex
	m   map[uint64]cachedRecord
}

type cachedRecord struct {
	gen uint64
	rec *record.Stamp // Batch, Product and Producer only
}

// written moves the generation on: every cached record is old.
func (c *recordCache) written() { c.gen.Add(1) }

// get is batchID's record decoded under generation gen, if cached.
func (c *recordCache) get(gen, batchID uint64) (*record.Stamp, bool) {
	c.mu.RLock()
	e, ok := c.m[batchID]
	c.mu.RUnlock()
	if !ok || e.gen != gen {
		return nil, false
	}
	return e.rec, true
}

// put keeps rec, decoded by a transaction that began under generation
// gen.
func (c *recordCache) put(gen, batchID uint64, rec *record.Stamp) {
	c.mu.Lock()
	if c.m == nil || len(c.m) >= recordCacheMax {
		c.m = make(map[uint64]cachedRecord)
	}
	c.m[batchID] = cachedRecord{gen: gen, rec: &record.Stamp{Batch: rec.Batch, Product: rec.Product, Producer: rec.Producer}}
	c.mu.Unlock()
}
