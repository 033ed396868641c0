package store

import "context"

// SettleStates settles the recent states now if there are more than the
// limit (settleStates), for benchmarks.
func (s *Store) SettleStates(ctx context.Context) error { return s.settleStates(ctx) }
