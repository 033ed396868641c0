package labels_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/ocopvn/estamp/internal/keys"
	"github.com/ocopvn/estamp/internal/labels"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/stampcode"
)

// needTool finds a command-line tool the acceptance tests drive. CI
// installs them (.ci/run), so there a missing tool is a failure, not a skip.
func needTool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed; .ci/run should have installed it", name)
		}
		t.Skipf("%s not installed (Debian: poppler-utils, zbar-tools, librsvg2-bin)", name)
	}
	return path
}

// batch issues n real stamp codes with the test key (never for production).
func batch(t testing.TB, name string, n int) labels.Batch { return batchFrom(t, name, 1000, n) }

func batchFrom(t testing.TB, name string, start uint64, n int) labels.Batch {
	t.Helper()
	k, err := keys.ReadFile("../stampcode/testdata/issuer-test-key.pem")
	if err != nil {
		t.Fatal(err)
	}
	prefix, err := stampcode.URLPrefix("http://localhost:8080")
	if err != nil {
		t.Fatal(err)
	}
	b := labels.Batch{ProductName: name, StarGrade: 4, Lot: "L2026-11"}
	for i := range n {
		serial := start + uint64(i)
		code, err := k.Issuer.Sign(prefix, stampcode.Claims{Serial: serial, ProductNumber: 3, BatchID: 9, StarGrade: 4, ValidUntil: time.Date(2028, 3, 9, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		b.Stamps = append(b.Stamps, labels.Stamp{Serial: serial, Code: code})
	}
	return b
}

// testNow is the renderers' clock: the time zip entries carry.
func testNow() time.Time { return time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC) }

func newRenderer(t testing.TB) *labels.Renderer {
	t.Helper()
	r, err := labels.NewRenderer(testNow)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// decode runs zbarimg over image files and returns every QR code found.
func decode(t *testing.T, files ...string) []string {
	t.Helper()
	zbar := needTool(t, "zbarimg")
	out, err := exec.Command(zbar, append([]string{"--raw", "-q", "-Sdisable", "-Sqrcode.enable"}, files...)...).Output()
	if err != nil {
		t.Fatalf("zbarimg: %v", err)
	}
	return strings.Fields(string(out))
}

// sameCodes checks that got holds every code of b exactly once, and
// nothing else.
func sameCodes(t *testing.T, b labels.Batch, got []string) {
	t.Helper()
	want := make([]string, len(b.Stamps))
	for i, s := range b.Stamps {
		want[i] = s.Code
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("decoded %d codes, want %d; equal=%v", len(got), len(want), slices.Equal(got, want))
		missing := 0
		for _, w := range want {
			if _, found := slices.BinarySearch(got, w); !found {
				missing++
			}
		}
		t.Errorf("%d issued codes not found", missing)
	}
}

// rasterise turns each PDF page into a 300 dpi PNG.
func rasterise(t *testing.T, pdf string) []string {
	t.Helper()
	pdftoppm := needTool(t, "pdftoppm")
	prefix := strings.TrimSuffix(pdf, ".pdf")
	if out, err := exec.Command(pdftoppm, "-r", "300", "-png", pdf, prefix).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	pages, err := filepath.Glob(prefix + "-*.png")
	if err != nil || len(pages) == 0 {
		t.Fatalf("no pages rendered: %v", err)
	}
	return pages
}

func TestEveryLayoutScansBackByteForByte(t *testing.T) {
	r := newRenderer(t)
	custom, err := labels.ParseCustom("custom:210x297,4x10,48x25,9x23.5,0x0")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range append(labels.Layouts(), custom) {
		t.Run(l.Name, func(t *testing.T) {
			t.Parallel()
			n := l.PerPage()*2 + l.PerPage()/2 + 1 // two full pages and part of a third
			b := batchFrom(t, "Chè lam Phủ Quảng", 7_000_000+uint64(len(l.Name))*1000, n)
			path := filepath.Join(t.TempDir(), "labels.pdf")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			var calls []int
			if err := r.PDF(t.Context(), f, b, l, labels.DefaultPrinterDPI, func(done, total int) { calls = append(calls, done) }); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			pages := rasterise(t, path)
			if len(pages) != 3 {
				t.Errorf("%d pages, want 3", len(pages))
			}
			if len(calls) != 3 || calls[2] != n {
				t.Errorf("progress calls %v", calls)
			}
			sameCodes(t, b, decode(t, pages...))
		})
	}
}

func TestPDFTextKeepsVietnameseDiacritics(t *testing.T) {
	pdftotext := needTool(t, "pdftotext")
	r := newRenderer(t)
	for _, tt := range []struct {
		layout, name string
	}{
		{"a4-3x8", "Hợp tác xã Nem chua Thanh Hóa"},
		{"roll-40x30", "Chè lam Phủ Quảng"},
		{"a4-5x13", "Mắm tép"},
	} {
		if !norm.NFC.IsNormalString(tt.name) {
			t.Fatalf("test name %q is not NFC, as stored names are", tt.name)
		}
		l, err := labels.FindLayout(tt.layout)
		if err != nil {
			t.Fatal(err)
		}
		b := batch(t, tt.name, 3)
		path := filepath.Join(t.TempDir(), "labels.pdf")
		var buf bytes.Buffer
		if err := r.PDF(t.Context(), &buf, b, l, labels.DefaultPrinterDPI, nil); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(pdftotext, "-enc", "UTF-8", path, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		// A name may wrap between words: one line or two, it is there.
		text := strings.Join(strings.Fields(string(out)), " ")
		for _, want := range []string{tt.name, "OCOP ★★★★", "Lô: L2026-11"} {
			if got := strings.Count(text, want); got != 3 {
				t.Errorf("%s: %q appears %d times in the PDF text, want 3:\n%s", tt.layout, want, got, text)
			}
		}
		for _, s := range b.Stamps {
			if want := "Sê-ri: " + ocop.ShowSerial(s.Serial); !strings.Contains(text, want) {
				t.Errorf("%s: %q missing from the PDF text", tt.layout, want)
			}
		}
		if !strings.Contains(text, "Quét mã") {
			t.Errorf("%s: scan line missing:\n%s", tt.layout, text)
		}
	}
}

func TestLongTextGetsAnEllipsisNotOverTheQR(t *testing.T) {
	pdftotext := needTool(t, "pdftotext")
	r := newRenderer(t)
	l, _ := labels.FindLayout("a4-5x13")
	long := "Hợp tác xã Dịch vụ Nông nghiệp và Chế biến Nem chua Thanh Hóa truyền thống"
	b := batch(t, long, 1)
	var buf bytes.Buffer
	if err := r.PDF(t.Context(), &buf, b, l, labels.DefaultPrinterDPI, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "long.pdf")
	os.WriteFile(path, buf.Bytes(), 0o600)
	out, err := exec.Command(pdftotext, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "Hợp tác xã") || !strings.Contains(string(out), "…") || strings.Contains(string(out), long) {
		t.Errorf("long name not shortened with an ellipsis:\n%s", out)
	}
	sameCodes(t, b, decode(t, rasterise(t, path)...))
}

func TestLayoutValidation(t *testing.T) {
	tests := []struct {
		spec, mention string
	}{
		{"custom:210x297,10x30,20x9", "QR module"},
		{"custom:210x297,4x10,60x25", "do not fit"},
		{"custom:210x297,0x10,48x25", "grid"},
		{"custom:210x297,4.5x10,48x25", "grid"},
		{"custom:210x297,4x10", "custom:PAGE"},
		{"custom:axb,4x10,48x25", "page size"},
		{"nope", "unknown"},
	}
	for _, tt := range tests {
		if _, err := labels.FindLayout(tt.spec); err == nil || !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("FindLayout(%q) = %v, want an error mentioning %q", tt.spec, err, tt.mention)
		}
	}
	for _, l := range labels.Layouts() {
		if err := l.Validate(); err != nil {
			t.Errorf("built-in %s: %v", l.Name, err)
		}
	}
	l, err := labels.FindLayout("custom:100x100,2x2,40x40")
	if err != nil || l.MarginLeft != 10 || l.MarginTop != 10 {
		t.Errorf("centred custom grid = %+v, %v", l, err)
	}
}

// Labels write serials as ocop.ShowSerial does, not zero-padded to nine
// digits ("000 001 000") as they once did, unlike the page and the CLI.
func TestSerialText(t *testing.T) {
	for _, tt := range []struct {
		in   uint64
		want string
	}{
		{1, "1"},
		{1000, "1 000"},
		{1234567, "1 234 567"},
		{1234567890, "1 234 567 890"},
	} {
		if got := labels.SerialText(tt.in); got != tt.want || got != ocop.ShowSerial(tt.in) {
			t.Errorf("SerialText(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A roll printed ahead has no lot yet: its labels leave blank lines where a
// date coder prints the lot and dates at packing, in every built-in
// layout.
func TestLabelsPrintedAheadLeaveSpaceForTheCoder(t *testing.T) {
	pdftotext := needTool(t, "pdftotext")
	r := newRenderer(t)
	for _, name := range []string{"a4-3x8", "a4-5x13", "roll-40x30"} {
		l, err := labels.FindLayout(name)
		if err != nil {
			t.Fatal(err)
		}
		b := batch(t, "Chè lam Phủ Quảng", 3)
		b.Lot, b.PrintedAhead = "", true
		var buf bytes.Buffer
		if err := r.PDF(t.Context(), &buf, b, l, labels.DefaultPrinterDPI, nil); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "labels.pdf")
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(pdftotext, "-enc", "UTF-8", path, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(string(out)), " ")
		for _, want := range []string{"Lô: " + labels.CoderBlank, "NSX/HSD: " + labels.CoderBlank, "Sê-ri: " + ocop.ShowSerial(b.Stamps[0].Serial)} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: %q missing from the label:\n%s", name, want, text)
			}
		}
	}
}
