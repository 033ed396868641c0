//go:build !unix

package labels_test

import (
	"testing"
	"time"
)

// cpuTime is not measured here; BenchmarkLabelPDFOverQR leaves the CPU
// time a label out.
func cpuTime(*testing.B) time.Duration { return 0 }
