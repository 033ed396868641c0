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
