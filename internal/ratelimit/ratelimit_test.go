package ratelimit_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ocopvn/estamp/internal/ratelimit"
)

func TestBurstThenRefill(t *testing.T) {
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	l := ratelimit.New(2, 5, func() time.Time { return now })
	for i := range 5 {
		if err := l.Allow("a"); err != nil {
			t.Fatalf("request %d of the burst refused: %v", i, err)
		}
	}
	err := l.Allow("a")
	var ex *ratelimit.ExceededError
	if !errors.As(err, &ex) || ex.RetryAfter < time.Second {
		t.Fatalf("6th request: %v", err)
	}
	if err := l.Allow("b"); err != nil {
		t.Errorf("another client is limited by the first: %v", err)
	}
	now = now.Add(500 * time.Millisecond) // one token at 2/s
	if err := l.Allow("a"); err != nil {
		t.Errorf("after refill: %v", err)
	}
	if err := l.Allow("a"); err == nil {
		t.Error("refill gave more than the rate")
	}
	now = now.Add(time.Hour)
	for i := range 5 {
		if err := l.Allow("a"); err != nil {
			t.Fatalf("after an hour, request %d refused: burst not restored: %v", i, err)
		}
	}
	if err := l.Allow("a"); err == nil {
		t.Error("an hour's rest gave more than the burst")
	}
}

// AllowN charges a call its cost: calls within the burst go, the one that
// would overdraw waits as long as the refill takes, and a cost above the
// burst goes once the bucket is full but leaves a debt the refill repays
// before anything else goes.
func TestAllowNChargesTheCost(t *testing.T) {
	type call struct {
		after time.Duration // since the call before
		n     float64
		// wait is 0 when the call must go, else the RetryAfter it must get.
		wait time.Duration
	}
	for _, tt := range []struct {
		name  string
		calls []call
	}{
		{"within the burst", []call{{0, 600, 0}, {0, 400, 0}}},
		{"overdraw waits for the refill", []call{{0, 800, 0}, {0, 300, time.Second}, {time.Second, 300, 0}}},
		{"a refused call takes nothing", []call{{0, 900, 0}, {0, 500, 4 * time.Second}, {0, 100, 0}}},
		{"more than the burst when full", []call{{0, 5000, 0}, {0, 1000, 50 * time.Second}, {49 * time.Second, 1000, time.Second}, {time.Second, 1000, 0}}},
		{"more than the burst when not full", []call{{0, 1, 0}, {0, 5000, time.Second}}},
		{"the bucket never holds more than the burst", []call{{time.Hour, 1001, 0}, {0, 1, time.Second}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
			l := ratelimit.New(100, 1000, func() time.Time { return now })
			for i, c := range tt.calls {
				now = now.Add(c.after)
				err := l.AllowN("token", c.n)
				var ex *ratelimit.ExceededError
				switch {
				case c.wait == 0 && err != nil:
					t.Fatalf("call %d of %g: %v, want it to go", i, c.n, err)
				case c.wait != 0 && (!errors.As(err, &ex) || ex.RetryAfter != c.wait):
					t.Fatalf("call %d of %g: %v, want a wait of %s", i, c.n, err, c.wait)
				}
			}
			if err := l.AllowN("another", 1000); err != nil {
				t.Errorf("another client is charged for the first: %v", err)
			}
		})
	}
}

func TestNilLimiterAllowsAll(t *testing.T) {
	l := ratelimit.New(0, 10, time.Now)
	for range 1000 {
		if err := l.Allow("x"); err != nil {
			t.Fatal(err)
		}
	}
}

func BenchmarkAllowParallel(b *testing.B) {
	l := ratelimit.New(1e12, 1<<30, time.Now)
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			l.Allow(fmt.Sprint(i % 64))
			i++
		}
	})
}
