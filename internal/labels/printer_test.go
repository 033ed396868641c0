package labels_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/skip2/go-qrcode"

	"github.com/ocopvn/estamp/internal/labels"
)

// dots is a length in dots of a printer of dpi, and whether it is a whole
// number of them.
func dots(mm float64, dpi int) (float64, bool) {
	d := mm / 25.4 * float64(dpi)
	return d, math.Abs(d-math.Round(d)) < 1e-6
}

// Each built-in layout, at each printer resolution: modules of the most
// whole dots that fit, at least MinModule; each QR code starting on a
// dot, inside its label, and EdgeMargin from the sheet's edges.
func TestBuiltInLayoutsPutModulesOnWholeDots(t *testing.T) {
	// The modules, in dots at 203, 300 and 600 dpi. a4-5x13 and the roll
	// had 0.339 mm at every resolution: 2.71 dots at 203 dpi.
	want := map[string][3]int{
		"a4-3x8":     {4, 7, 14}, // 0.50, 0.59, 0.59 mm: the edge rule holds it under 0.61
		"a4-5x13":    {3, 4, 9},  // 0.38, 0.34, 0.38 mm: as high as the label
		"roll-40x30": {3, 4, 8},  // 0.38, 0.34, 0.34 mm: 5 mm off the roll's edges
	}
	for _, l := range labels.Layouts() {
		for i, dpi := range labels.PrinterDPIs() {
			t.Run(fmt.Sprintf("%s/%d", l.Name, dpi), func(t *testing.T) {
				g, err := l.Geometry(dpi)
				if err != nil {
					t.Fatal(err)
				}
				if g.ModuleDots != want[l.Name][i] {
					t.Errorf("modules of %d dots, want %d", g.ModuleDots, want[l.Name][i])
				}
				if d, whole := dots(g.Module(), dpi); !whole || int(math.Round(d)) != g.ModuleDots {
					t.Errorf("a module of %.4f mm is %.3f dots", g.Module(), d)
				}
				if g.Module() < labels.MinModule {
					t.Errorf("modules of %.3f mm, under %.2f mm", g.Module(), labels.MinModule)
				}
				if d := g.EdgeDistance(); d < labels.EdgeMargin {
					t.Errorf("a QR code %.2f mm from the sheet's edge, want %g mm or more", d, labels.EdgeMargin)
				}
				for slot := range l.PerPage() {
					x, y := g.QR(slot)
					dx, wholeX := dots(x, dpi)
					dy, wholeY := dots(y, dpi)
					if !wholeX || !wholeY {
						t.Errorf("slot %d: QR code at %.3f, %.3f dots", slot, dx, dy)
					}
					lx := l.MarginLeft + float64(slot%l.Columns)*(l.LabelWidth+l.GapX)
					ly := l.MarginTop + float64(slot/l.Columns)*(l.LabelHeight+l.GapY)
					half := g.Dot() / 2
					if x < lx || x+g.Side() > lx+l.LabelWidth || y < ly-half || y+g.Side() > ly+l.LabelHeight+half {
						t.Errorf("slot %d: QR square %.2f, %.2f of %.2f mm is not inside its label at %.2f, %.2f", slot, x, y, g.Side(), lx, ly)
					}
				}
			})
		}
	}
}

// printPage turns a page rasterised at a printer's resolution into what the
// printer puts on paper: black and white at mid-grey (it puts a dot down
// or not), with a dot's worth of gain across and along the feed (a
// thermal head's dots spread into the next). A module of 3 dots keeps 2
// of white; one of 2.71 dots, as a4-5x13 had at 203 dpi, keeps 0 or 1,
// and zbarimg then reads none of the page.
func printPage(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	bw := image.NewGray(img.Bounds())
	dark := func(x, y int) bool {
		return image.Pt(x, y).In(img.Bounds()) && color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y < 128
	}
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			if !dark(x, y) && !dark(x-1, y) && !dark(x, y-1) {
				bw.SetGray(x, y, color.Gray{Y: 255})
			}
		}
	}
	var out bytes.Buffer
	if err := png.Encode(&out, bw); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Every built-in layout printed at 203 and 300 dpi in black and white —
// rasterised at the printer's resolution without anti-aliasing, then
// thresholded with dot gain (printPage) — scans back every code of its pages.
func TestBuiltInLayoutsScanAtPrinterResolutions(t *testing.T) {
	pdftoppm := needTool(t, "pdftoppm")
	needTool(t, "zbarimg")
	r := newRenderer(t)
	for _, l := range labels.Layouts() {
		for _, dpi := range []int{203, 300} {
			t.Run(fmt.Sprintf("%s/%d", l.Name, dpi), func(t *testing.T) {
				n := max(l.PerPage(), 3) // a full sheet, or three roll labels
				b := batchFrom(t, "Nước mắm cốt nhĩ truyền thống Ba Làng đặc biệt", 9_000_000+uint64(dpi)*1000, n)
				pages := printedPages(t, pdftoppm, r, b, l, dpi, "-png")
				if len(pages) == 0 {
					t.Fatal("no pages rendered")
				}
				for _, p := range pages {
					printPage(t, p)
				}
				sameCodes(t, b, decode(t, pages...))
			})
		}
	}
}

// 24 labels, a sheet of a4-3x8, with a long Vietnamese name: the font is
// embedded as the glyphs used, not whole (some 380 KB).
func TestPDFOf24LabelsIsSmall(t *testing.T) {
	r := newRenderer(t)
	l, err := labels.FindLayout("a4-3x8")
	if err != nil {
		t.Fatal(err)
	}
	b := batch(t, "Hợp tác xã Nước mắm cốt nhĩ truyền thống Ba Làng đặc biệt, Thanh Hóa", 24)
	var buf bytes.Buffer
	if err := r.PDF(t.Context(), &buf, b, l, labels.DefaultPrinterDPI, nil); err != nil {
		t.Fatal(err)
	}
	if buf.Len() >= 100_000 {
		t.Errorf("a PDF of 24 labels is %d bytes, want under 100 KB", buf.Len())
	}
	t.Logf("24 labels: %d bytes", buf.Len())
}

// Custom layouts keep their codes EdgeMargin from the sheet's edges when
// their labels leave room, and are printed with a warning when they do
// not; a length in an error is rounded to a tenth of a millimetre.
func TestCustomLayoutsAndTheSheetsEdges(t *testing.T) {
	for _, tt := range []struct {
		spec string
		warn string // "" for none
	}{
		// a4-3x8 as a custom layout: its left column's codes move in.
		{"custom:210x297,3x8,70x37,0x0.5", ""},
		{"custom:210x297,4x10,48x25,9x23.5,0x0", ""},
		// Room to keep off the edges with modules of 0.42 mm, not 0.51.
		{"custom:60x60,1x2,60x30,0x0", ""},
		// One label as large as its page, 25 mm high: a code of 17.5 mm
		// and more cannot be 5 mm from the top and from the bottom.
		{"custom:100x25,1x1,100x25,0x0", "cách mép giấy 1.3 mm, dưới 5 mm"},
		// On the page's left edge, too narrow to move the code 5 mm in.
		{"custom:36x60,1x1,36x60,0x0", "cách mép giấy 3.7 mm, dưới 5 mm"},
	} {
		t.Run(tt.spec, func(t *testing.T) {
			j, err := labels.ParseJob(labels.Options{Layout: tt.spec})
			if err != nil {
				t.Fatal(err)
			}
			g, err := j.Layout.Geometry(j.PrinterDPI)
			if err != nil {
				t.Fatal(err)
			}
			if tt.warn == "" {
				if len(j.Warnings) > 0 || g.EdgeDistance() < labels.EdgeMargin {
					t.Errorf("codes %.2f mm from the edge, warnings %q; want none", g.EdgeDistance(), j.Warnings)
				}
				return
			}
			if len(j.Warnings) != 1 || !strings.Contains(j.Warnings[0], tt.warn) {
				t.Errorf("warnings %q, want one saying %q", j.Warnings, tt.warn)
			}
		})
	}
	// Built-in layouts keep to the rule: none warns.
	for _, l := range labels.Layouts() {
		for _, dpi := range labels.PrinterDPIs() {
			if j, err := labels.ParseJob(labels.Options{Layout: l.Name, PrinterDPI: dpi}); err != nil || len(j.Warnings) > 0 {
				t.Errorf("%s at %d dpi: %v, warnings %q", l.Name, dpi, err, j.Warnings)
			}
		}
	}

	_, err := labels.FindLayout("custom:210x297,4x10,53.3x25")
	if err == nil || !strings.Contains(err.Error(), "margins -1.6, ") || strings.Contains(err.Error(), "0000") {
		t.Errorf("a grid wider than its page: %v, want its margins rounded (-1.6)", err)
	}
}

// A long product name wraps between words, and only its end is shortened:
// every word printed is whole, but for one cut short with "…" when the
// column cannot hold the name.
func TestLongNameWrapsBetweenWords(t *testing.T) {
	pdftotext := needTool(t, "pdftotext")
	r := newRenderer(t)
	for _, name := range []string{
		"Nước mắm cốt nhĩ truyền thống Ba Làng đặc biệt",
		"Hợp tác xã Dịch vụ Nông nghiệp và Chế biến Nem chua Thanh Hóa truyền thống lâu đời của làng nghề",
	} {
		words := strings.Fields(name)
		for _, l := range labels.Layouts() {
			for _, dpi := range []int{203, 300} {
				t.Run(fmt.Sprintf("%d words/%s/%d", len(words), l.Name, dpi), func(t *testing.T) {
					b := batch(t, name, 1)
					var buf bytes.Buffer
					if err := r.PDF(t.Context(), &buf, b, l, dpi, nil); err != nil {
						t.Fatal(err)
					}
					path := filepath.Join(t.TempDir(), "name.pdf")
					if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
						t.Fatal(err)
					}
					out, err := exec.Command(pdftotext, "-raw", "-enc", "UTF-8", path, "-").Output()
					if err != nil {
						t.Fatal(err)
					}
					lines := strings.Split(string(out), "\n")
					// The name's lines follow the stars' and end before the lot's.
					start := slices.IndexFunc(lines, func(s string) bool { return strings.HasPrefix(s, "OCOP ") })
					end := slices.IndexFunc(lines, func(s string) bool { return strings.HasPrefix(s, "Lô: ") })
					if start < 0 || end < start+2 {
						t.Fatalf("no name between the stars and the lot:\n%s", out)
					}
					var printed []string
					for _, ln := range lines[start+1 : end] {
						printed = append(printed, strings.Fields(ln)...)
					}
					for i, w := range printed {
						cut, short := strings.CutSuffix(w, "…")
						if short && i != len(printed)-1 {
							t.Errorf("%q is shortened but not last: %q", w, printed)
						}
						if cut != words[i] && !(short && cut == "" && i == len(printed)-1) {
							t.Errorf("word %d printed %q, want %q: %q", i, w, words[i], printed)
						}
					}
					if len(printed) < len(words) && !strings.HasSuffix(printed[len(printed)-1], "…") {
						t.Errorf("%d of %d words printed, without an ellipsis: %q", len(printed), len(words), printed)
					}
				})
			}
		}
	}
}

// The subset font is a font poppler takes: embedded, marked a subset,
// drawn without a complaint, and the text it draws reads back, Vietnamese
// diacritics and all.
func TestSubsetFontDrawsAndReadsBack(t *testing.T) {
	pdffonts, pdftoppm, pdftotext := needTool(t, "pdffonts"), needTool(t, "pdftoppm"), needTool(t, "pdftotext")
	r := newRenderer(t)
	l, err := labels.FindLayout("a4-3x8")
	if err != nil {
		t.Fatal(err)
	}
	name := "Nước mắm cốt nhĩ Ba Làng, Ỵên Ỹ ưỡng ặc ổ ờ"
	b := batch(t, name, 2)
	var buf bytes.Buffer
	if err := r.PDF(t.Context(), &buf, b, l, labels.DefaultPrinterDPI, nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "labels.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	fonts, err := exec.Command(pdffonts, path).Output()
	if err != nil {
		t.Fatal(err)
	}
	// name, type (two words), encoding, embedded, subset, ToUnicode
	if f := strings.Fields(strings.Split(strings.TrimSpace(string(fonts)), "\n")[2]); len(f) < 7 || !strings.HasSuffix(f[0], "+DejaVuSansCondensed") || f[3] != "Identity-H" || f[4] != "yes" || f[5] != "yes" || f[6] != "yes" {
		t.Errorf("pdffonts: %s", fonts)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(pdftoppm, "-r", "72", "-png", path, filepath.Join(dir, "page"))
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Errorf("pdftoppm: %v\n%s", err, stderr.String())
	}
	out, err := exec.Command(pdftotext, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	if text := strings.Join(strings.Fields(string(out)), " "); strings.Count(text, name) != 2 {
		t.Errorf("the name reads back %d times, want 2:\n%s", strings.Count(text, name), out)
	}
}

// readPGM reads a binary greyscale PNM (P5), as pdftoppm -gray writes it
// without -png: its pixels, one byte each, row by row.
func readPGM(t *testing.T, path string) (pix []byte, w, h int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var maxVal int
	r := bytes.NewReader(data)
	if _, err := fmt.Fscanf(r, "P5\n%d %d\n%d", &w, &h, &maxVal); err != nil || maxVal != 255 {
		t.Fatalf("%s: not an 8-bit PGM: %v", path, err)
	}
	if _, err := r.ReadByte(); err != nil { // the one whitespace byte before the pixels
		t.Fatal(err)
	}
	pix = data[len(data)-r.Len():]
	if len(pix) != w*h {
		t.Fatalf("%s: %d bytes of pixels for %d × %d", path, len(pix), w, h)
	}
	return pix, w, h
}

// A page printed at each printer resolution — rasterised at the
// printer's dots without anti-aliasing — has every module of every code,
// quiet zone included, as its square of ModuleDots × ModuleDots dots, all
// black or all white, where the geometry puts it: no module a dot wider
// or narrower than its neighbours, no code a dot off, nothing grey.
func TestPrintedModulesAreWholeDots(t *testing.T) {
	pdftoppm := needTool(t, "pdftoppm")
	r := newRenderer(t)
	for _, l := range labels.Layouts() {
		for _, dpi := range labels.PrinterDPIs() {
			t.Run(fmt.Sprintf("%s/%d", l.Name, dpi), func(t *testing.T) {
				g, err := l.Geometry(dpi)
				if err != nil {
					t.Fatal(err)
				}
				// A page, or two roll labels; the second code is of a
				// smaller version, which centres in the square.
				per := l.PerPage()
				b := batchFrom(t, "Chè lam Phủ Quảng", 6_000_000+uint64(dpi)*1000, max(per, 2))
				b.Stamps[1].Code = "HTTPS://X.VN/V/ABC"
				pages := printedPages(t, pdftoppm, r, b, l, dpi, "-pgm")
				if len(pages) != (len(b.Stamps)+per-1)/per {
					t.Fatalf("%d pages rendered", len(pages))
				}
				slices.Sort(pages) // fewer than 10
				toDots := func(mm float64) int { return int(math.Round(mm / 25.4 * float64(dpi))) }
				square := int(math.Round(g.Side() / g.Module())) // modules a side, quiet zone included
				d := g.ModuleDots
				var pix []byte
				var w, h int
				for i, s := range b.Stamps {
					slot := i % per
					if slot == 0 {
						pix, w, h = readPGM(t, pages[i/per])
					}
					q, err := qrcode.New(s.Code, qrcode.Medium)
					if err != nil {
						t.Fatal(err)
					}
					bitmap := q.Bitmap() // quiet zone included
					qx, qy := g.QR(slot)
					off := (square - len(bitmap)) / 2 * d
					x0, y0 := toDots(qx)+off, toDots(qy)+off
					wrong := 0
					for row, line := range bitmap {
						for col, dark := range line {
							want := byte(255)
							if dark {
								want = 0
							}
							for dy := range d {
								for dx := range d {
									x, y := x0+col*d+dx, y0+row*d+dy
									if x < 0 || y < 0 || x >= w || y >= h {
										t.Fatalf("stamp %d: dot %d, %d is off the %d × %d page", i, x, y, w, h)
									}
									if pix[y*w+x] != want {
										wrong++
									}
								}
							}
						}
					}
					if wrong > 0 {
						t.Errorf("stamp %d: %d of the code's %d dots are not its modules'", i, wrong, len(bitmap)*len(bitmap)*d*d)
					}
				}
			})
		}
	}
}

// printedPages renders b's labels as a PDF and has pdftoppm print its
// pages at dpi without anti-aliasing, as a printer's dots: format is
// "-png" or "-pgm". It returns the pages' files.
func printedPages(t *testing.T, pdftoppm string, r *labels.Renderer, b labels.Batch, l labels.Layout, dpi int, format string) []string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "labels.pdf")
	var buf bytes.Buffer
	if err := r.PDF(t.Context(), &buf, b, l, dpi, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	prefix := filepath.Join(dir, "page")
	args := []string{"-r", fmt.Sprint(dpi), "-gray", "-aa", "no", "-aaVector", "no", path, prefix}
	if format == "-png" {
		args = append([]string{"-png"}, args...)
	}
	if out, err := exec.Command(pdftoppm, args...).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	pages, _ := filepath.Glob(prefix + "-*." + format[1:])
	return pages
}
