package store

import "context"

// SettleStates settles the recent states now if there are more than the
// limit (settleStates), for benchmarks.
func (s *Store) SettleStates(ctx context.Context) error { return s.settleStates(ctx) }

// StampFromCache reports whether Stamp would answer serial of batchID
// now from the record and state caches, beginning no transaction.
func (s *Store) StampFromCache(batchID, serial uint64) bool {
	_, ok, err := s.cachedStamp(s.writes.now(), s.span.mark(), batchID, serial)
	return ok && err == nil
}

// BeforeKeepingReads has Stamp call f between its read of a stamp's
// state and the state cache's check that keeps it.
func (s *Store) BeforeKeepingReads(f func()) { s.states.beforeKeep = f }

// BeforeCountingOntoCachedStates has Stamp call f between its get of a
// cached state and its count of the journal's scans onto it.
func (s *Store) BeforeCountingOntoCachedStates(f func()) { s.states.beforeCount = f }
