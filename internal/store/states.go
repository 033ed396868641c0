package store

import (
	"context"
	"encoding/binary"
	"slices"
	"sync"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
)

// Stamp states live in two buckets: recentStamps, the states written since
// they were last settled, over stamps, all the others. Every write of a
// state goes to recentStamps, and a state there hides the one in stamps.
//
// Why: scans come to the stamps on sale now, a small part of all the
// stamps ever issued, spread over the whole serial range. With one bucket
// a fold rewrote a 4 KiB leaf of the whole registry's tree for nearly
// every scan of a database of millions of stamps (issue 17: 5,000,000
// preloaded stamps, one leaf a scan); in the small tree of recent states
// a fold's scans share leaves as they do on a fresh database.
//
// Settling moves the recent states to stamps, sorted, once there are more
// than the limit (Options.RecentStates): each state is then written once
// into the big tree for all the writes it had while recent.

// defaultRecentStates is Options.RecentStates when zero: about 25 MiB of
// states, a fortnight of 20,000 newly scanned stamps a day.
const defaultRecentStates = 1 << 18

// settleChunk is the most states one settling transaction moves: bbolt
// holds a transaction's written pages in memory until it commits.
const settleChunk = 4096

// settleEvery is how many writes of states pass between two checks of
// the recent states' number (bbolt counts them by reading the bucket's
// pages); a quarter of the limit when that is less.
const settleEvery = 16384

// stampStates are the stored states of a transaction.
type stampStates struct {
	tx     *bolt.Tx
	recent *bolt.Bucket
	// store, for writers (Store.statesTx), counts the states put, and
	// settles when enough were.
	store *Store
}

// statesTx is the states a reader of tx reads.
func statesTx(tx *bolt.Tx) stampStates {
	return stampStates{tx: tx, recent: tx.Bucket(bucketRecentStamps)}
}

// settled is the bucket of settled states, opened only when a state is
// not recent: most reads (a verification's) find it recent.
func (s stampStates) settled() *bolt.Bucket { return s.tx.Bucket(bucketStamps) }

// statesTx is the states a writer in tx reads and writes.
func (s *Store) statesTx(tx *bolt.Tx) stampStates {
	st := statesTx(tx)
	st.store = s
	return st
}

// get returns serial's stored state, encoded, or nil when it has none.
func (s stampStates) get(serial uint64) []byte {
	k := u64(serial)
	if v := s.recent.Get(k); v != nil {
		return v
	}
	return s.settled().Get(k)
}

// state returns serial's stored state, decoded (empty when it has none).
func (s stampStates) state(serial uint64) (*storagev1.StampState, error) {
	return decodeStampState(s.get(serial))
}

// put stores st as serial's state, and returns it encoded as stored,
// which nothing may change.
func (s stampStates) put(serial uint64, st *storagev1.StampState) ([]byte, error) {
	v, err := proto.Marshal(st)
	if err != nil {
		return nil, err
	}
	if err := s.recent.Put(u64(serial), v); err != nil {
		return nil, err
	}
	if s.store != nil && s.store.statePuts.Add(1)%s.store.settleEvery == 0 {
		// Checked once this transaction commits, in the background.
		s.store.settleDue.Store(true)
	}
	return v, nil
}

// each calls fn with the stored state of every stamp from first to last
// that has one, ascending: the recent one where there is one.
func (s stampStates) each(first, last uint64, fn func(serial uint64, v []byte) error) error {
	in := func(k []byte) (uint64, bool) {
		if k == nil {
			return 0, false
		}
		n := binary.BigEndian.Uint64(k)
		return n, n <= last
	}
	rc, sc := s.recent.Cursor(), s.settled().Cursor()
	rk, rv := rc.Seek(u64(first))
	sk, sv := sc.Seek(u64(first))
	for {
		r, okR := in(rk)
		t, okS := in(sk)
		switch {
		case !okR && !okS:
			return nil
		case okR && (!okS || r <= t):
			if okS && r == t {
				sk, sv = sc.Next() // hidden by the recent state
			}
			if err := fn(r, rv); err != nil {
				return err
			}
			rk, rv = rc.Next()
		default:
			if err := fn(t, sv); err != nil {
				return err
			}
			sk, sv = sc.Next()
		}
	}
}

// recentStates is how many states are recent.
func (s *Store) recentStates(ctx context.Context) (int, error) {
	n := 0
	err := s.view(ctx, func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketRecentStamps).Stats().KeyN
		return nil
	})
	return n, err
}

// settleStates moves the recent states to stamps when more than the
// limit are recent: as many as there were when it began, settleChunk a
// transaction in serial order, until ctx ends. A reader finds each state
// in one bucket or the other at every commit. It changes no state, so it
// leaves the record cache as it is (updateStates).
func (s *Store) settleStates(ctx context.Context) error {
	n, err := s.recentStates(ctx)
	if err != nil || n <= s.recentLimit {
		return err
	}
	for left := n; left > 0; {
		moved := 0
		err := s.updateStates(ctx, func(tx *bolt.Tx) error {
			moved = 0
			recent, settled := tx.Bucket(bucketRecentStamps), tx.Bucket(bucketStamps)
			var keys [][]byte
			c := recent.Cursor()
			for k, v := c.First(); k != nil && len(keys) < min(left, settleChunk); k, v = c.Next() {
				if err := settled.Put(k, slices.Clone(v)); err != nil {
					return err
				}
				keys = append(keys, slices.Clone(k))
			}
			for _, k := range keys {
				if err := recent.Delete(k); err != nil {
					return err
				}
			}
			moved = len(keys)
			return nil
		})
		if err != nil {
			return err
		}
		if moved == 0 {
			return nil
		}
		left -= moved
	}
	return nil
}

// settler runs settleStates off the writers' calls, one at a time; Close
// stops it (ctx) and waits for it.
type settler struct {
	mu      sync.Mutex
	closed  bool
	busy    bool
	wg      sync.WaitGroup
	ctx     context.Context
	stop    context.CancelFunc
	onError func(error)
}

// settleInBackground settles the recent states unless that is under way
// or the store is closing.
func (s *Store) settleInBackground() {
	st := &s.settler
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed || st.busy {
		return
	}
	st.busy = true
	st.wg.Go(func() {
		err := s.settleStates(st.ctx)
		if err != nil && st.ctx.Err() == nil && st.onError != nil {
			// The states stay recent, read as well as settled ones;
			// the next check tries again.
			st.onError(err)
		}
		st.mu.Lock()
		st.busy = false
		st.mu.Unlock()
	})
}

// stopSettling ends settling for Close: a settle under way stops after
// its current transaction.
func (s *Store) stopSettling() {
	st := &s.settler
	st.mu.Lock()
	st.closed = true
	if st.stop != nil { // nil in a store opened read-only
		st.stop()
	}
	st.mu.Unlock()
	st.wg.Wait()
}
