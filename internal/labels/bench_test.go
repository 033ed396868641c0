package labels_test

import (
	"fmt"
	"io"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skip2/go-qrcode"

	"github.com/ocopvn/estamp/internal/cputime"
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

// BenchmarkLabelPDFOverQR is the pair `make bench` compares, on the
// same 2,000 codes: QR encoding on one goroutine, the ceiling, then the
// PDF of those stamps on A4 3 × 8 sheets with the default workers (one a
// core), then with one worker. Each iteration runs the three in turn, so
// that a busy machine slows them alike; run it with -benchtime=1x
// -count=N for N rounds. It reports each one's labels/s, the ratio the
// bench reads (pdf over qr: at least 1.6 on two cores), and each one's
// CPU time a label, which a busy machine does not change: the ratio two
// idle cores would give is at most 2 × qr-cpu-ms / pdf-cpu-ms, which it
// reports as cpu-bound (at most: the one goroutine encoding QR codes has
// the other core collect its garbage). It also reports the PDF's size a
// label.
func BenchmarkLabelPDFOverQR(b *testing.B) {
	const n = 2000
	bt := batch(b, "Hợp tác xã Nem chua Thanh Hóa", n)
	l, _ := labels.FindLayout("a4-3x8")
	r := newRenderer(b)
	qr := func() error {
		for _, s := range bt.Stamps {
			q, err := qrcode.New(s.Code, qrcode.Medium)
			if err != nil {
				return err
			}
			q.Bitmap()
		}
		return nil
	}
	var size counter
	pdf := func(workers int) func() error {
		r := r.WithWorkers(workers)
		return func() error {
			size = 0
			return r.PDF(b.Context(), &size, bt, l, labels.DefaultPrinterDPI, nil)
		}
	}
	steps := []struct {
		name string
		run  func() error
		wall time.Duration
		cpu  time.Duration
	}{{name: "qr", run: qr}, {name: "pdf", run: pdf(0)}, {name: "pdf-1-worker", run: pdf(1)}}
	for b.Loop() {
		for i := range steps {
			s := &steps[i]
			wall, cpu := time.Now(), cpuTime()
			if err := s.run(); err != nil {
				b.Fatal(err)
			}
			s.wall += time.Since(wall)
			s.cpu += cpuTime() - cpu
		}
	}
	for _, s := range steps {
		b.ReportMetric(float64(b.N*n)/s.wall.Seconds(), s.name+"-labels/s")
		if s.cpu > 0 {
			b.ReportMetric(float64(s.cpu)/1e6/float64(b.N*n), s.name+"-cpu-ms/label")
		}
	}
	b.ReportMetric(steps[0].wall.Seconds()/steps[1].wall.Seconds(), "pdf/qr")
	if steps[1].cpu > 0 {
		b.ReportMetric(2*steps[0].cpu.Seconds()/steps[1].cpu.Seconds(), "cpu-bound")
	}
	b.ReportMetric(float64(size)/n, "pdf-bytes/label")
}

// cpuTime is the process's CPU time, 0 where it cannot be read (the
// benchmark then leaves CPU per label out).
func cpuTime() time.Duration {
	d, _ := cputime.Process()
	return d
}

// counter is a writer that counts the bytes written to it.
type counter int64

func (c *counter) Write(p []byte) (int, error) {
	*c += counter(len(p))
	return len(p), nil
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
				if err := r.PDF(b.Context(), io.Discard, bt, l, labels.DefaultPrinterDPI, nil); err != nil {
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
