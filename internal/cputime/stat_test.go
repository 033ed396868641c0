package cputime_test

import (
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/ocopvn/estamp/internal/cputime"
)

func TestParseStat(t *testing.T) {
	for _, tc := range []struct {
		name, stat string
		want       time.Duration
		ok         bool
	}{
		{"estampd", "4242 (estampd) S 1 4242 4242 0 -1 4194560 12345 0 0 0 1520 310 0 0 20 0 9 0 100 3000000 20000", 18300 * time.Millisecond, true},
		{"a name with spaces and parentheses", "7 (a) b (c)) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 5 1 1", 70 * time.Millisecond, true},
		{"no command", "4242 estampd S 1", 0, false},
		{"cut short", "4242 (estampd) S 1 4242 4242 0 -1 4194560 12345 0 0 0 1520", 0, false},
		{"not a number", "4242 (estampd) S 1 4242 4242 0 -1 4194560 12345 0 0 0 x 310 0", 0, false},
		{"negative", "4242 (estampd) S 1 4242 4242 0 -1 4194560 12345 0 0 0 -5 310 0", 0, false},
		{"empty", "", 0, false},
		{"more than a Duration holds", "1 (x) S 0 0 0 0 0 0 0 0 0 0 922700000000 0", 0, false},
		{"the most a Duration holds", "1 (x) S 0 0 0 0 0 0 0 0 0 0 922337203685 0", 922337203685 * 10 * time.Millisecond, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := cputime.ParseStat([]byte(tc.stat))
			if got != tc.want || ok != tc.ok {
				t.Errorf("ParseStat = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

// This process's entry in /proc reads about what Process says; no
// process has an impossible id.
func TestOfThisProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux's")
	}
	// Work enough that /proc's sampled ticks and getrusage's exact sum
	// agree to a quarter.
	for start, ok := cputime.Process(); ok; {
		if now, _ := cputime.Process(); now-start > 200*time.Millisecond {
			break
		}
	}
	self, ok := cputime.Process()
	if !ok {
		t.Fatal("no CPU time for this process")
	}
	of, ok := cputime.Of(os.Getpid())
	if !ok || of < self*3/4 || of > self*5/4+10*time.Millisecond {
		t.Errorf("Of(self) = %v, %v; Process says %v", of, ok, self)
	}
	if _, ok := cputime.Of(1 << 30); ok {
		t.Error("a process that cannot exist has a CPU time")
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add([]byte("4242 (estampd) S 1 4242 4242 0 -1 4194560 12345 0 0 0 1520 310 0 0 20 0 9 0 100 3000000 20000"))
	f.Add([]byte("7 (a) b (c)) R 1 7 7 0 -1 0 0 0 0 0 3 4"))
	f.Fuzz(func(t *testing.T, stat []byte) {
		if d, ok := cputime.ParseStat(stat); ok && d < 0 {
			t.Errorf("negative CPU time %v", d)
		}
	})
}
