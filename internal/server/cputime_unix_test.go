//go:build unix

package server_test

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime is the CPU time the process has used, all threads: what calls
// cost client and server together, however many other processes share
// the cores.
func cpuTime(b *testing.B) time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		b.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
