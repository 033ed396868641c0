package labels_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"image/png"
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
		{"svg dir", labels.ImageOptions{Format: labels.FormatSVG, SizeMM: 18}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var sink labels.Sink
			var zipped bytes.Buffer
			if tt.zip {
				sink = labels.ZipSink(&zipped, testNow())
			} else {
				var err error
				if sink, err = labels.DirSink(dir, false); err != nil {
					t.Fatal(err)
				}
			}
			if err := r.Images(t.Context(), sink, b, tt.opts, nil); err != nil {
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
		if err := r.Images(t.Context(), labels.ZipSink(new(bytes.Buffer), testNow()), b, opts, nil); err == nil || !strings.Contains(err.Error(), "want") {
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
					err = r.Images(t.Context(), sink, b, labels.ImageOptions{Format: format, SizePx: 300}, nil)
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

// chunk is the data of a PNG's first chunk of type name, and whether it
// comes before the image data.
func chunk(t *testing.T, data []byte, name string) ([]byte, bool) {
	t.Helper()
	if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatal("not a PNG")
	}
	seenData := false
	for at := 8; at+8 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[at:]))
		typ := string(data[at+4 : at+8])
		if at+12+n > len(data) {
			t.Fatalf("chunk %s runs past the end", typ)
		}
		if typ == name {
			return data[at+8 : at+8+n], !seenData
		}
		seenData = seenData || typ == "IDAT"
		at += 12 + n
	}
	return nil, false
}

// A PNG says its resolution (pHYs, in pixels per metre), so that it prints
// at the size it was made for; its modules are whole pixels, the pixels
// left over going to the quiet zone.
func TestPNGSaysItsResolutionAndHasWholePixelModules(t *testing.T) {
	r := newRenderer(t)
	b := batch(t, "Mắm tép", 1)
	for _, tt := range []struct {
		name     string
		opts     labels.Options
		perMetre uint32
		side     int
	}{
		{"25 mm at the printer's 300 dpi", labels.Options{Format: "png"}, 11811, 295},
		{"25 mm at a 203 dpi printer's", labels.Options{Format: "png", PrinterDPI: 203}, 7992, 200},
		{"20 mm at 600 dpi", labels.Options{Format: "png", DPI: 600, SizeMM: 20}, 23622, 472},
		{"300 px at 300 dpi", labels.Options{Format: "png", SizePx: 300}, 11811, 300},
	} {
		t.Run(tt.name, func(t *testing.T) {
			j, err := labels.ParseJob(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var zipped bytes.Buffer
			if err := r.Render(t.Context(), &zipped, b, j, nil); err != nil {
				t.Fatal(err)
			}
			zr, err := zip.NewReader(bytes.NewReader(zipped.Bytes()), int64(zipped.Len()))
			if err != nil || len(zr.File) != 1 {
				t.Fatalf("zip: %v", err)
			}
			rc, _ := zr.File[0].Open()
			var data bytes.Buffer
			data.ReadFrom(rc)
			rc.Close()
			phys, before := chunk(t, data.Bytes(), "pHYs")
			if len(phys) != 9 || !before {
				t.Fatalf("pHYs %x (before the image data: %v), want 9 bytes before it", phys, before)
			}
			x, y := binary.BigEndian.Uint32(phys), binary.BigEndian.Uint32(phys[4:])
			if x != tt.perMetre || y != tt.perMetre || phys[8] != 1 {
				t.Errorf("pHYs %d × %d per unit %d, want %d per metre", x, y, phys[8], tt.perMetre)
			}
			img, err := png.Decode(bytes.NewReader(data.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if img.Bounds().Dx() != tt.side || img.Bounds().Dy() != tt.side {
				t.Errorf("%v pixels, want %d a side", img.Bounds().Size(), tt.side)
			}
			// Each module's pixels are of one colour: with 53 modules in
			// side pixels, a module is side/53 of them, from the margin on.
			per := tt.side / 53
			margin := (tt.side - per*53) / 2
			dark := func(x, y int) bool { r, _, _, _ := img.At(x, y).RGBA(); return r < 0x8000 }
			mixed := 0
			for row := range 53 {
				for col := range 53 {
					first := dark(margin+col*per, margin+row*per)
					for dy := range per {
						for dx := range per {
							if dark(margin+col*per+dx, margin+row*per+dy) != first {
								mixed++
							}
						}
					}
				}
			}
			if mixed > 0 {
				t.Errorf("%d pixels differ from their module's, with modules of %d pixels", mixed, per)
			}
		})
	}
}

// Zip entries carry the renderer's clock's time, not 1980's.
func TestZipEntriesCarryTheClocksTime(t *testing.T) {
	r := newRenderer(t)
	b := batch(t, "Mắm tép", 3)
	for _, format := range []string{labels.FormatPNG, labels.FormatSVG} {
		j, err := labels.ParseJob(labels.Options{Format: format})
		if err != nil {
			t.Fatal(err)
		}
		var zipped bytes.Buffer
		if err := r.Render(t.Context(), &zipped, b, j, nil); err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(zipped.Bytes()), int64(zipped.Len()))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			if !f.Modified.Equal(testNow()) {
				t.Errorf("%s: %s dated %v, want %v", format, f.Name, f.Modified, testNow())
			}
		}
	}
}
