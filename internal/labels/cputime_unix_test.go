//go:build unix

package labels_test

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime is the CPU time the process has used, all threads: what a
// render costs, however many other processes share the cores.
func cpuTime(b *testing.B) time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		b.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
