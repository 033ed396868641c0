package custody

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocopvn/estamp/internal/verdict"
)

// slowChecker checks a code in a millisecond and notes how many checks
// ran at once at most.
type slowChecker struct {
	mu        sync.Mutex
	now, most int
}

func (c *slowChecker) Check(text string, _ verdict.Form) verdict.Checked {
	c.mu.Lock()
	c.now++
	c.most = max(c.most, c.now)
	c.mu.Unlock()
	time.Sleep(time.Millisecond)
	c.mu.Lock()
	c.now--
	c.mu.Unlock()
	return verdict.Checked{Token: text}
}

func (c *slowChecker) Decide(verdict.Checked, *verdict.Record, time.Time) verdict.Outcome {
	return verdict.Outcome{}
}

// Intake checks signatures on every core, but on one while buyers'
// verifications wait, and on every core again once they are done; every
// code is checked once, in its place, either way.
func TestIntakeLeavesCoresToVerifications(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	codes := make([]string, 60)
	for i := range codes {
		codes[i] = fmt.Sprint("code-", i)
	}
	codes[7] = "  "
	for _, tt := range []struct {
		name string
		busy func(checked int) bool
		most int // checks at once, at most (at least, for 4)
	}{
		{"no verifications", func(int) bool { return false }, 4},
		{"verifications all along", func(int) bool { return true }, 1},
		{"verifications during the first half", func(checked int) bool { return checked < 30 }, 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := &slowChecker{}
			var calls atomic.Int64
			s := &Service{checker: c}
			s.YieldTo(func() bool {
				c.mu.Lock()
				defer c.mu.Unlock()
				calls.Add(1)
				return tt.busy(int(calls.Load()))
			})
			checked := s.checkAll(codes)
			for i, ch := range checked {
				want := codes[i]
				if i == 7 {
					want = ""
				}
				if ch.Token != want {
					t.Fatalf("code %d checked as %q, want %q", i, ch.Token, want)
				}
			}
			if tt.most == 1 && c.most != 1 || tt.most > 1 && c.most < 2 {
				t.Errorf("%d checks at once at most, want %d", c.most, tt.most)
			}
		})
	}
}
