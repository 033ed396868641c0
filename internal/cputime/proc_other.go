//go:build !linux

package cputime

import "time"

// Of is not measured on this system: ok is false.
func Of(pid int) (d time.Duration, ok bool) { return 0, false }
