package labels_test

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/labels"
	"github.com/ocopvn/estamp/internal/ocop"
)

// The preview draws the PDF's first page: at 300 dpi, where modules fall
// on whole pixels as on the printer, its codes scan back as the first
// page's stamps and no others, at the page's size in pixels.
func TestPagePreviewIsTheFirstPage(t *testing.T) {
	r := newRenderer(t)
	for _, l := range labels.Layouts() {
		t.Run(l.Name, func(t *testing.T) {
			t.Parallel()
			b := batchFrom(t, "Chè lam Phủ Quảng", 8_000_000+uint64(len(l.Name))*1000, l.PerPage()+3)
			var buf bytes.Buffer
			if err := r.PagePNG(t.Context(), &buf, b, l, labels.DefaultPrinterDPI, 300); err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			want := image.Pt(int(l.PageWidth/25.4*300+0.999), int(l.PageHeight/25.4*300+0.999))
			if got := img.Bounds().Size(); got != want {
				t.Errorf("%v pixels, want %v", got, want)
			}
			path := filepath.Join(t.TempDir(), "page.png")
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			first := b
			first.Stamps = b.Stamps[:l.PerPage()]
			sameCodes(t, first, decode(t, path))
		})
	}
}

// A preview is drawn in memory: its resolution and size are bounded, and
// the CLI, which writes files to print, does not offer it.
func TestPagePreviewRefusals(t *testing.T) {
	for _, tt := range []struct {
		name    string
		req     *estampv1.RenderLabelsRequest
		field   string
		mention string
	}{
		{"dpi too high", &estampv1.RenderLabelsRequest{Format: estampv1.LabelFormat_LABEL_FORMAT_PNG_PAGE, Dpi: 600}, "dpi", "72 to 300"},
		{"dpi too low", &estampv1.RenderLabelsRequest{Format: estampv1.LabelFormat_LABEL_FORMAT_PNG_PAGE, Dpi: 50}, "dpi", "72 to 300"},
		{"page too large", &estampv1.RenderLabelsRequest{Format: estampv1.LabelFormat_LABEL_FORMAT_PNG_PAGE, Layout: "custom:1000x1000,2x2,400x400", Dpi: 200}, "dpi", "pixels"},
		{"layout", &estampv1.RenderLabelsRequest{Format: estampv1.LabelFormat_LABEL_FORMAT_PNG_PAGE, Layout: "a3-9x9"}, "layout", "unknown"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := labels.JobFromRequest(tt.req)
			var invalid *ocop.InvalidError
			if !errors.As(err, &invalid) || invalid.Field != tt.field || !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("%v, want %s mentioning %q", err, tt.field, tt.mention)
			}
		})
	}
	if _, err := labels.ParseJob(labels.Options{Format: labels.FormatPage}); err == nil || !strings.Contains(err.Error(), "want pdf, png or svg") {
		t.Errorf("the CLI's job of format %q: %v", labels.FormatPage, err)
	}
	j, err := labels.JobFromRequest(&estampv1.RenderLabelsRequest{Format: estampv1.LabelFormat_LABEL_FORMAT_PNG_PAGE, Layout: "a4-5x13", Dpi: 96})
	if err != nil {
		t.Fatal(err)
	}
	if j.Format != labels.FormatPage || j.PageDPI != 96 || j.FileName(4) != "tem-lo-4-trang-1.png" || j.ContentType() != "image/png" {
		t.Errorf("job %+v: %s, %s", j, j.FileName(4), j.ContentType())
	}
	if j.Labels(1000) != 65 || j.Labels(12) != 12 {
		t.Errorf("a page of a4-5x13 draws %d of 1000 labels, %d of 12", j.Labels(1000), j.Labels(12))
	}
	if again, err := labels.JobFromRequest(j.Request(4)); err != nil || again.Format != j.Format || again.PageDPI != 96 || again.Layout != j.Layout {
		t.Errorf("the job's request %v comes back as %+v, %v", j.Request(4), again, err)
	}
}
