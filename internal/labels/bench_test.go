package labels_test

import (
	"fmt"
	"io"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skip2/go-qrcode"

	"github.com/ocopvn/estamp/internal/labels"
)

// BenchmarkQREncode is the bare rate of the QR library on 1,000 stamp
// codes, on one core: the floor under any label rendering.
func BenchmarkQREncode(b *testing.B) {
	codes := batch(b, "x", 1000).Stamps
	for b.Loop() {
		for _, c := range codes {
			q, err := qrcode.New(c.Code, qrcode.Medium)
			if err != nil {
				b.Fatal(err)
			}
			q.Bitmap() // the encoding happens here
		}
	}
	b.ReportMetric(float64(b.N*len(codes))/b.Elapsed().Seconds(), "codes/s")
}

// BenchmarkPDF renders whole batches on A4 sheets and reports labels per
// second and the peak of memory the Go runtime held while rendering.
func BenchmarkPDF(b *testing.B) {
	r := newRenderer(b)
	l, _ := labels.FindLayout("a4-3x8")
	for _, n := range []int{10_000, 100_000} {
		bt := batch(b, "Hợp tác xã Nem chua Thanh Hóa", n)
		b.Run(fmt.Sprint("stamps=", n), func(b *testing.B) {
			peak := watchMemory()
			for b.Loop() {
				if err := r.PDF(io.Discard, bt, l, labels.DefaultPrinterDPI, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "labels/s")
			b.ReportMetric(float64(peak())/(1<<20), "peak-MB")
		})
	}
}

// watchMemory samples the memory the Go runtime has mapped (its share of
// RSS) until the returned function is called, which returns the peak.
func watchMemory() func() uint64 {
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}}
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		return peak.Load()
	}
}
