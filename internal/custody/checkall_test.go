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

// Intake checks signatures on every core, but on one core fewer while
// buyers' verifications are in flight, and on every core again once they
// are done; every code is checked once, in its place, either way.
func TestIntakeLeavesCoresToVerifications(t *testing.T) {
	codes := make([]string, 60)
	for i := range codes {
		codes[i] = fmt.Sprint("code-", i)
	}
	codes[7] = "  "
	for _, procs := range []int{2, 4} {
		for _, tt := range []struct {
			name string
			busy func(asked int) bool
			// most is how many checks may run at once; least how
			// many must at some moment.
			most, least int
		}{
			{"no verifications", func(int) bool { return false }, procs, 2},
			{"verifications all along", func(int) bool { return true }, procs - 1, procs - 1},
			{"verifications at first", func(asked int) bool { return asked < 10 }, procs, 2},
		} {
			t.Run(fmt.Sprint(procs, " cores, ", tt.name), func(t *testing.T) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				c := &slowChecker{}
				var asked atomic.Int64
				s := &Service{checker: c}
				s.YieldTo(func() bool { return tt.busy(int(asked.Add(1))) })
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
				if c.most > tt.most || c.most < tt.least {
					t.Errorf("%d checks at once at most, want %d to %d", c.most, tt.least, tt.most)
				}
			})
		}
	}
}
