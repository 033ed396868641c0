//go:build linux

package cputime

import (
	"os"
	"strconv"
	"time"
)

// Of is the CPU time process pid has used, user and system, all threads,
// from /proc; ok is false when it cannot be read (the process is gone).
func Of(pid int) (d time.Duration, ok bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	return ParseStat(data)
}
