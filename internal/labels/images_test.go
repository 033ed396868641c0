package labels_test

import (
	"archive/zip"
	"bytes"
	"fmt"
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
				if sink, err = labels.DirSink(dir, false); err != nil {
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

// A per-stamp file name that is already taken — by a file, or by a
// symbolic link planted to redirect the write, even a dangling one — is
// refused without replace; with replace the name gets a new regular file
// and the link's target is never written.
func TestDirSinkNeverFollowsNorReplacesUnasked(t *testing.T) {
	r := newRenderer(t)
	b := batch(t, "Mắm tép", 2)
	for _, tt := range []struct {
		name  string
		setup func(t *testing.T, path, outside string) error
	}{
		{"file", func(_ *testing.T, path, _ string) error { return os.WriteFile(path, []byte("old"), 0o644) }},
		{"symlink to a file outside", func(_ *testing.T, path, outside string) error { return os.Symlink(outside, path) }},
		{"dangling symlink", func(_ *testing.T, path, outside string) error { return os.Symlink(outside+".missing", path) }},
	} {
		for _, format := range []string{labels.FormatPNG, labels.FormatSVG} {
			for _, replace := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/replace=%v", tt.name, format, replace), func(t *testing.T) {
					root := t.TempDir()
					dir := filepath.Join(root, "qr")
					outside := filepath.Join(root, "precious")
					if err := os.WriteFile(outside, []byte("precious"), 0o644); err != nil {
						t.Fatal(err)
					}
					if err := os.Mkdir(dir, 0o755); err != nil {
						t.Fatal(err)
					}
					taken := filepath.Join(dir, labels.ImageName(b.Stamps[1].Serial, format))
					if err := tt.setup(t, taken, outside); err != nil {
						t.Fatal(err)
					}
					sink, err := labels.DirSink(dir, replace)
					if err != nil {
						t.Fatal(err)
					}
					err = r.Images(sink, b, labels.ImageOptions{Format: format, SizePx: 300}, nil)
					if got, _ := os.ReadFile(outside); string(got) != "precious" {
						t.Errorf("the file the link points to now holds %.40q", got)
					}
					if _, err := os.Lstat(outside + ".missing"); err == nil {
						t.Error("the dangling link's target was created")
					}
					info, lerr := os.Lstat(taken)
					if replace {
						if err != nil || lerr != nil || !info.Mode().IsRegular() {
							t.Errorf("replace: error %v, %s is %v %v, want a new regular file", err, taken, info.Mode(), lerr)
						}
						return
					}
					if err == nil || !strings.Contains(err.Error(), taken+" đã tồn tại") || !strings.Contains(err.Error(), "--force") {
						t.Errorf("error %v, want %s already exists; use --force", err, taken)
					}
					if old, _ := os.ReadFile(taken); tt.name == "file" && string(old) != "old" {
						t.Errorf("existing file now holds %.40q", old)
					}
					if tt.name != "file" && (lerr != nil || info.Mode()&os.ModeSymlink == 0) {
						t.Errorf("the symlink was replaced: %v %v", info.Mode(), lerr)
					}
				})
			}
		}
	}
}
