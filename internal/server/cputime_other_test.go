//go:build !unix

package server_test

import (
	"testing"
	"time"
)

// cpuTime is not measured here; the benchmarks leave CPU per call out.
func cpuTime(*testing.B) time.Duration { return 0 }
