package labels

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// inOrder hands pieces over in order, holds at most its window (and the
// one being consumed) ahead of the consumer, and, once it returns, has
// nothing left running: not even after an error or a cancellation.
func TestInOrder(t *testing.T) {
	const n, workers, window = 200, 4, 3
	for _, stopAt := range []int{-1, 50} { // -1: run to the end
		for _, how := range []string{"error", "cancel"} {
			ctx, cancel := context.WithCancel(t.Context())
			var started, consumed, running atomic.Int64
			var overWindow atomic.Bool
			errStop := errors.New("stop")
			next := 0
			err := inOrder(ctx, workers, window, n,
				func(i int) (int, error) {
					running.Add(1)
					defer running.Add(-1)
					if started.Add(1)-consumed.Load() > window+1 {
						overWindow.Store(true)
					}
					time.Sleep(time.Duration(i%5) * 100 * time.Microsecond) // finish out of order
					return i * i, nil
				},
				func(i, v int) error {
					if i != next || v != i*i {
						t.Fatalf("got piece %d (%d), want piece %d", i, v, next)
					}
					next++
					consumed.Add(1)
					if i == stopAt {
						if how == "cancel" {
							cancel()
							return nil
						}
						return errStop
					}
					return nil
				})
			cancel()
			switch {
			case stopAt < 0 && (err != nil || next != n):
				t.Errorf("%v after %d pieces of %d", err, next, n)
			case stopAt >= 0 && how == "error" && !errors.Is(err, errStop):
				t.Errorf("%v, want the consumer's error", err)
			case stopAt >= 0 && how == "cancel" && !errors.Is(err, context.Canceled):
				t.Errorf("%v, want context.Canceled", err)
			}
			if overWindow.Load() {
				t.Errorf("more than %d pieces ahead of the consumer", window+1)
			}
			if r := running.Load(); r != 0 {
				t.Errorf("%d pieces still being made after inOrder returned", r)
			}
			s := started.Load()
			time.Sleep(20 * time.Millisecond)
			if started.Load() != s {
				t.Errorf("pieces started after inOrder returned")
			}
		}
	}
}
