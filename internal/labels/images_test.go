package labels_test

import (
	"archive/zip"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocopvn/estamp/internal/labels"
)

func TestImagesDecodeToTheSameCodes(t *testing.T) {
	r := newRenderer(t)
	b := batch(t, "Mắm tép", 12)
	for _, tt := range []struct {
		name string
		opts labels.ImageOptions
		zip  bool
	}{
		{"png zip by pixels", labels.ImageOptions{Format: labels.FormatPNG, SizePx: 300}, true},
		{"png dir by dpi", labels.ImageOptions{Format: labels.FormatPNG, DPI: 300, SizeMM: 20}, false},
		{"svg zip", labels.ImageOptions{Format: labels.FormatSVG}, true},
		{"svg dir", labels.ImageOptions{Format: labels.FormatSVG, SizeMM: 15}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var sink labels.Sink
			var zipped bytes.Buffer
			if tt.zip {
				sink = labels.ZipSink(&zipped)
			} else {
				var err error
				if sink, err = labels.DirSink(dir); err != nil {
					t.Fatal(err)
				}
			}
			if err := r.Images(sink, b, tt.opts, nil); err != nil {
				t.Fatal(err)
			}
			if tt.zip {
				zr, err := zip.NewReader(bytes.NewReader(zipped.Bytes()), int64(zipped.Len()))
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range zr.File {
					rc, _ := f.Open()
					var data bytes.Buffer
					data.ReadFrom(rc)
					rc.Close()
					os.WriteFile(filepath.Join(dir, f.Name), data.Bytes(), 0o600)
				}
			}
			files, _ := filepath.Glob(filepath.Join(dir, "*"))
			if len(files) != len(b.Stamps) {
				t.Fatalf("%d files, want %d", len(files), len(b.Stamps))
			}
			for _, s := range b.Stamps {
				if _, err := os.Stat(filepath.Join(dir, labels.ImageName(s.Serial, tt.opts.Format))); err != nil {
					t.Errorf("no image named by serial %d", s.Serial)
				}
			}
			if tt.opts.Format == labels.FormatSVG {
				files = rasteriseSVG(t, files)
			}
			sameCodes(t, b, decode(t, files...))
		})
	}
}

func TestImageOptionsRefused(t *testing.T) {
	r := newRenderer(t)
	b := batch(t, "Mắm tép", 1)
	for _, opts := range []labels.ImageOptions{
		{Format: "gif"},
		{Format: labels.FormatPNG, SizePx: 50},
		{Format: labels.FormatPNG, SizePx: 99999},
		{Format: labels.FormatPNG, DPI: 10},
		{Format: labels.FormatSVG, SizeMM: 5},
	} {
		if err := r.Images(labels.ZipSink(new(bytes.Buffer)), b, opts, nil); err == nil || !strings.Contains(err.Error(), "want") {
			t.Errorf("%+v: error %v", opts, err)
		}
	}
}

// rasteriseSVG draws SVG files at 300 dpi with rsvg-convert (Debian
// librsvg2-bin): zbarimg reads raster images only.
func rasteriseSVG(t *testing.T, files []string) []string {
	t.Helper()
	rsvg := needTool(t, "rsvg-convert")
	var pngs []string
	for _, f := range files {
		out := strings.TrimSuffix(f, ".svg") + ".png"
		if msg, err := exec.Command(rsvg, "-d", "300", "-p", "300", "-o", out, f).CombinedOutput(); err != nil {
			t.Fatalf("rsvg-convert: %v\n%s", err, msg)
		}
		pngs = append(pngs, out)
	}
	return pngs
}
