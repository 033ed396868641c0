package labels_test

import (
	"io"
	"testing"

	"github.com/skip2/go-qrcode"

	"github.com/ocopvn/estamp/internal/labels"
)

// BenchmarkQREncode is the bare rate of the QR library on stamp codes: the
// floor under any label rendering.
func BenchmarkQREncode(b *testing.B) {
	codes := batch(b, "x", 1000).Stamps
	i := 0
	for b.Loop() {
		q, err := qrcode.New(codes[i%len(codes)].Code, qrcode.Medium)
		if err != nil {
			b.Fatal(err)
		}
		q.Bitmap() // encoding happens here

		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "codes/s")
}

// BenchmarkPDF10000 renders a 10,000-stamp batch on A4 sheets.
func BenchmarkPDF10000(b *testing.B) {
	r := newRenderer(b)
	bt := batch(b, "Hợp tác xã Nem chua Thanh Hóa", 10_000)
	l, _ := labels.FindLayout("a4-3x8")
	for b.Loop() {
		if err := r.PDF(io.Discard, bt, l, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(bt.Stamps))/b.Elapsed().Seconds(), "labels/s")
}
