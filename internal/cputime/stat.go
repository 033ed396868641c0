package cputime

import (
	"bytes"
	"math"
	"strconv"
	"time"
)

// userHZ is the unit of /proc's CPU times: fixed at 100 a second for
// user space, whatever the kernel's own tick.
const userHZ = 100

// maxTicks is the most CPU time, in userHZ ticks, a Duration holds.
const maxTicks = math.MaxInt64 / uint64(time.Second/userHZ)

// ParseStat reads the user and system CPU time from the text of a Linux
// /proc/<pid>/stat file. The command name, second field, is in
// parentheses and may hold spaces and parentheses itself, so the fields
// are counted from the last ')'; utime and stime are the 14th and 15th.
func ParseStat(stat []byte) (d time.Duration, ok bool) {
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, false
	}
	fields := bytes.Fields(stat[end+1:]) // from the 3rd field, state
	if len(fields) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseUint(string(fields[11]), 10, 63)
	stime, err2 := strconv.ParseUint(string(fields[12]), 10, 63)
	// Each is below 2^63, so their sum does not wrap; a sum past what a
	// Duration holds (2,900 years of CPU) is not a process's.
	if err1 != nil || err2 != nil || utime+stime > maxTicks {
		return 0, false
	}
	return time.Duration(utime+stime) * (time.Second / userHZ), true
}
