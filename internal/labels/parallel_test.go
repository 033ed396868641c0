package labels_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ocopvn/estamp/internal/labels"
)

// stampsOf issues stamps with the given serials, in order.
func stampsOf(t *testing.T, name string, serials []uint64) labels.Batch {
	t.Helper()
	b := batchFrom(t, name, serials[0], 1)
	for _, s := range serials[1:] {
		b.Stamps = append(b.Stamps, batchFrom(t, name, s, 1).Stamps...)
	}
	return b
}

// Rendering on several workers writes the file one worker writes, byte
// for byte, in every format. The batch is made so that order could show:
// its last page alone draws the digits 7, 8 and 9 (in its serials), which
// the font subset, its tag and ToUnicode must hold however the pages were
// scheduled; its name has a letter the font lacks (drawn as "?"); its
// last page is part full.
func TestRenderingOnWorkersIsByteIdentical(t *testing.T) {
	var serials []uint64
	for n := uint64(100_000); len(serials) < 3*24; n++ {
		if !strings.ContainsAny(labels.SerialText(n), "789") {
			serials = append(serials, n)
		}
	}
	for i := range uint64(5) {
		serials = append(serials, 987_650+i)
	}
	b := stampsOf(t, "Hợp tác xã Nem chua Thanh Hóa 漢 đặc sản", serials)
	r := newRenderer(t)
	for _, o := range []labels.Options{
		{Format: "pdf"},
		{Format: "pdf", Layout: "a4-5x13"},
		{Format: "pdf", Layout: "roll-40x30"},
		{Format: "pdf", Layout: "custom:210x297,4x10,48x25,9x23.5,0x0", PrinterDPI: 600},
		{Format: "png"},
		{Format: "svg"},
	} {
		j, err := labels.ParseJob(o)
		if err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		var wantProgress []int
		if err := r.WithWorkers(1).Render(t.Context(), &want, b, j, func(done, _ int) { wantProgress = append(wantProgress, done) }); err != nil {
			t.Fatal(err)
		}
		for _, workers := range []int{2, 4, 7} {
			// Several runs: the order pages finish in varies from run
			// to run, the file must not.
			for range 3 {
				var got bytes.Buffer
				var progress []int
				if err := r.WithWorkers(workers).Render(t.Context(), &got, b, j, func(done, _ int) { progress = append(progress, done) }); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.Bytes(), want.Bytes()) {
					t.Fatalf("%+v on %d workers: %d bytes, differing from the %d of one worker", o, workers, got.Len(), want.Len())
				}
				if !equalInts(progress, wantProgress) {
					t.Errorf("%+v on %d workers: progress %v, want %v", o, workers, progress, wantProgress)
				}
			}
		}
	}
	// The preview over the API draws one page, its codes encoded on the
	// workers.
	l, _ := labels.FindLayout("a4-3x8")
	var want bytes.Buffer
	if err := r.WithWorkers(1).PagePNG(t.Context(), &want, b, l, labels.DefaultPrinterDPI, 150); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := r.WithWorkers(4).PagePNG(t.Context(), &got, b, l, labels.DefaultPrinterDPI, 150); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Errorf("page preview on 4 workers differs from one worker's")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A render stops when its context is done, with the context's error,
// part way through a batch.
func TestRenderStopsWhenCancelled(t *testing.T) {
	r := newRenderer(t)
	b := batch(t, "Chè lam Phủ Quảng", 10*24)
	l, _ := labels.FindLayout("a4-3x8")
	for _, workers := range []int{1, 4} {
		ctx, cancel := context.WithCancel(t.Context())
		last := 0
		err := r.WithWorkers(workers).PDF(ctx, new(bytes.Buffer), b, l, labels.DefaultPrinterDPI, func(done, _ int) {
			last = done
			cancel()
		})
		cancel()
		if !errors.Is(err, context.Canceled) || last != 24 {
			t.Errorf("PDF on %d workers: %v after %d labels, want context.Canceled after the first page's 24", workers, err, last)
		}

		ctx, cancel = context.WithCancel(t.Context())
		sink := &cancellingSink{after: 10, cancel: cancel}
		err = r.WithWorkers(workers).Images(ctx, sink, b, labels.ImageOptions{Format: labels.FormatSVG}, nil)
		cancel()
		if !errors.Is(err, context.Canceled) || sink.added != 10 {
			t.Errorf("images on %d workers: %v after %d images, want context.Canceled after 10", workers, err, sink.added)
		}
	}
}

// cancellingSink cancels a render once it has been given after files.
type cancellingSink struct {
	after, added int
	cancel       func()
}

func (s *cancellingSink) Add(string, []byte) error {
	s.added++
	if s.added == s.after {
		s.cancel()
	}
	return nil
}

func (s *cancellingSink) Close() error { return nil }

// A stamp that cannot be drawn fails the render on any number of
// workers, naming its serial.
func TestRenderOnWorkersReportsAStampThatCannotBeDrawn(t *testing.T) {
	r := newRenderer(t)
	l, _ := labels.FindLayout("a4-3x8")
	b := batch(t, "Mắm tép", 5*24)
	b.Stamps[100].Code = strings.Repeat("X", 400) // far past the label's QR size
	for _, workers := range []int{1, 4} {
		err := r.WithWorkers(workers).PDF(t.Context(), new(bytes.Buffer), b, l, labels.DefaultPrinterDPI, nil)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("serial %d needs", b.Stamps[100].Serial)) {
			t.Errorf("%d workers: %v, want an error about serial %d's QR code", workers, err, b.Stamps[100].Serial)
		}
	}
}
