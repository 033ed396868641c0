// Package ratelimit keeps one token bucket per client, so that one
// scanner app or script cannot take the public verification service from
// everyone else, and one API token cannot keep the server signing codes
// for nobody else.
package ratelimit

import (
	"fmt"
	"math"
	"sync"
	"time"
)

// ExceededError is a request over its client's limit.
type ExceededError struct {
	// RetryAfter is when the client may try again.
	RetryAfter time.Duration
	// Reason says which limit, for the client; "too many requests from
	// this client" when empty.
	Reason string
	// ReasonVI is Reason in Vietnamese, for a person.
	ReasonVI string
}

func (e *ExceededError) Error() string {
	reason := e.Reason
	if reason == "" {
		reason = "too many requests from this client"
	}
	return fmt.Sprintf("%s; retry after %s", reason, e.RetryAfter.Round(time.Second))
}

// Vietnamese is the error for a person.
func (e *ExceededError) Vietnamese() string {
	reason := e.ReasonVI
	if reason == "" {
		reason = "máy này gửi quá nhiều yêu cầu"
	}
	return fmt.Sprintf("%s; hãy thử lại sau %d giây", reason, int64(e.RetryAfter.Round(time.Second)/time.Second))
}

// maxClients bounds the table: beyond it, buckets that have refilled are
// dropped (they carry no state a new bucket would not), so memory stays
// bounded under a spread of client addresses.
const maxClients = 100_000

// Limiter allows each client rate requests per second on average, with
// bursts of up to burst. A nil *Limiter allows everything.
type Limiter struct {
	rate    float64
	burst   float64
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// New returns a limiter, or nil (no limit) when rate is not positive.
// now is the clock.
func New(rate float64, burst int, now func() time.Time) *Limiter {
	if rate <= 0 {
		return nil
	}
	if burst < 1 {
		burst = 1
	}
	return &Limiter{rate: rate, burst: float64(burst), now: now, buckets: map[string]*bucket{}}
}

// Allow takes one token of client's bucket, or says how long until one is
// there.
func (l *Limiter) Allow(client string) error { return l.AllowN(client, 1) }

// AllowN takes n tokens of client's bucket, or says how long until they
// are there. A cost above the burst would never fit: it is allowed once
// the bucket is full and leaves it in debt, which the refill pays off
// before the next call, so the long-run rate holds for any cost.
func (l *Limiter) AllowN(client string, n float64) error {
	if l == nil {
		return nil
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[client]
	if !ok {
		if len(l.buckets) >= maxClients {
			l.sweep(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[client] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = math.Min(l.burst, b.tokens+elapsed*l.rate)
		b.last = now
	}
	need := math.Min(n, l.burst)
	if b.tokens >= need {
		b.tokens -= n
		return nil
	}
	wait := time.Duration((need - b.tokens) / l.rate * float64(time.Second))
	return &ExceededError{RetryAfter: max(wait, time.Second)}
}

// Check says whether client could take one token now, without taking
// it: for limits that count only failures, which take a token with
// AllowN after the fact.
func (l *Limiter) Check(client string) error {
	if l == nil {
		return nil
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[client]
	if !ok {
		return nil
	}
	tokens := math.Min(l.burst, b.tokens+max(0, now.Sub(b.last).Seconds())*l.rate)
	if tokens >= 1 {
		return nil
	}
	wait := time.Duration((1 - tokens) / l.rate * float64(time.Second))
	return &ExceededError{RetryAfter: max(wait, time.Second)}
}

// sweep drops the buckets that are full again; if none are, it drops all,
// which only forgives clients.
func (l *Limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		// A bucket in debt (see AllowN) takes longer than a burst's worth
		// of time to be full.
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= maxClients {
		clear(l.buckets)
	}
}
