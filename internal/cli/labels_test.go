package cli_test

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ocopvn/estamp/internal/cli"
)

// sameFile tells whether two files of labels are the same: byte for byte,
// or for zips the same files with the same bytes, whatever their times.
func sameFile(t *testing.T, a, b []byte) bool {
	t.Helper()
	if bytes.Equal(a, b) {
		return true
	}
	za, errA := zip.NewReader(bytes.NewReader(a), int64(len(a)))
	zb, errB := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if errA != nil || errB != nil || len(za.File) != len(zb.File) {
		return false
	}
	for i, fa := range za.File {
		fb := zb.File[i]
		if fa.Name != fb.Name || fa.Method != fb.Method {
			return false
		}
		da, db := readZipped(t, fa), readZipped(t, fb)
		if !bytes.Equal(da, db) {
			return false
		}
	}
	return true
}

func readZipped(t *testing.T, f *zip.File) []byte {
	t.Helper()
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// serialsIn are the serials of the images in a directory of labels.
func serialsIn(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.png"))
	if err != nil {
		t.Fatal(err)
	}
	var serials []string
	for _, f := range files {
		serials = append(serials, strings.TrimLeft(strings.TrimSuffix(filepath.Base(f), ".png"), "0"))
	}
	return serials
}

// Labels leave revoked stamps out, and say so on stderr, here and with
// --remote alike; --include-revoked prints them. A recalled batch has
// nothing left to print.
func TestLabelsLeaveOutRevokedStamps(t *testing.T) {
	addr := startServer(t)
	if r := estamp(t, addr, "issue", "--product", "MAM-TEP-HA-YEN", "--lot", "MT-1", "--quantity", "6"); r.err != nil {
		t.Fatal(r.err)
	}
	dir := t.TempDir()
	all := serialsOf(t, addr, dir)
	if len(all) != 6 {
		t.Fatalf("the batch's serials: %v", all)
	}
	if r := estamp(t, addr, "batches", "revoke", "1", "--serial", all[1], "--serial", all[4], "--reason", "Tem in hỏng"); r.err != nil {
		t.Fatal(r.err)
	}
	const warning = "Bỏ qua 2 tem đã bị thu hồi; dùng --include-revoked để in cả chúng"
	left := []string{all[0], all[2], all[3], all[5]}
	for _, tt := range []struct {
		name    string
		args    []string
		serials []string
		warns   bool
		says    string
	}{
		{"here", nil, left, true, ": 4 nhãn, mỗi nhãn một ảnh png"},
		{"--remote", []string{"--remote"}, left, true, ": 4 nhãn, mỗi nhãn một ảnh png"},
		{"--include-revoked", []string{"--include-revoked"}, all, false, ": 6 nhãn, mỗi nhãn một ảnh png"},
		{"--include-revoked --remote", []string{"--include-revoked", "--remote"}, all, false, ": 6 nhãn, mỗi nhãn một ảnh png"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "qr.zip")
			r := estamp(t, addr, append([]string{"labels", "--batch", "1", "--out", out, "--format", "png"}, tt.args...)...)
			if r.err != nil || !strings.Contains(r.out, tt.says) {
				t.Fatalf("%v, want it to say %q:\n%s", r.err, tt.says, r.out)
			}
			if got := strings.Contains(r.errOut, warning); got != tt.warns {
				t.Errorf("stderr %q: warning %v, want %v", r.errOut, got, tt.warns)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			var serials []string
			for _, f := range zr.File {
				serials = append(serials, strings.TrimLeft(strings.TrimSuffix(f.Name, ".png"), "0"))
			}
			if !slices.Equal(serials, tt.serials) {
				t.Errorf("images of serials %v, want %v", serials, tt.serials)
			}
		})
	}

	if r := estamp(t, addr, "revoke", "--batch", "1", "--reason", "Thu hồi lô"); r.err != nil {
		t.Fatal(r.err)
	}
	for _, where := range [][]string{nil, {"--remote"}} {
		out := filepath.Join(t.TempDir(), "tem.pdf")
		r := estamp(t, addr, append([]string{"labels", "--batch", "1", "--out", out}, where...)...)
		if cli.ExitCode(r.err) != 1 || !strings.Contains(cli.Describe(r.err), "lô 1 không còn tem nào để in: cả 6 tem đã bị thu hồi") || !strings.Contains(cli.Describe(r.err), "--include-revoked") {
			t.Errorf("%v: a recalled batch: exit %d, %v", where, cli.ExitCode(r.err), r.err)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: a recalled batch left a file", where)
		}
		r = estamp(t, addr, append([]string{"labels", "--batch", "1", "--out", out, "--include-revoked"}, where...)...)
		if r.err != nil || !strings.Contains(r.out, ": 6 nhãn trên 1 trang") {
			t.Errorf("%v: a recalled batch with --include-revoked: %v\n%s", where, r.err, r.out)
		}
	}
}

// serialsOf writes the images of batch 1 into dir and returns their
// serials, in order.
func serialsOf(t *testing.T, addr, dir string) []string {
	t.Helper()
	out := filepath.Join(dir, "all")
	if r := estamp(t, addr, "labels", "--batch", "1", "--out", out, "--format", "png"); r.err != nil {
		t.Fatal(r.err)
	}
	return serialsIn(t, out)
}

// The flags labels checks are named in its errors, with the reason and
// what would do; a custom layout that puts codes near the sheet's edge is
// printed, with a warning.
func TestLabelsFlags(t *testing.T) {
	addr := startServer(t)
	if r := estamp(t, addr, "issue", "--product", "MAM-TEP-HA-YEN", "--lot", "MT-1", "--quantity", "3"); r.err != nil {
		t.Fatal(r.err)
	}
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		args []string
		exit int
		says string
	}{
		{"printer dpi", []string{"--printer-dpi", "250"}, 2, "--printer-dpi: 250 dpi: want 203, 300 or 600"},
		{"printer dpi remote", []string{"--printer-dpi", "96", "--remote"}, 2, "--printer-dpi: 96 dpi: want 203, 300 or 600"},
		{"mm too small", []string{"--format", "png", "--mm", "10"}, 2, "--mm: 10 mm at 300 dpi gives QR modules of 0.17 mm, smaller than the 0.33 mm phones read reliably: want at least 18 mm"},
		{"mm too small for svg", []string{"--format", "svg", "--mm", "15"}, 2, "--mm: 15 mm gives QR modules of 0.28 mm, smaller than the 0.33 mm phones read reliably: want at least 17.5 mm"},
		{"size too small", []string{"--format", "png", "--size", "150"}, 2, "--size: 150 px at 300 dpi gives QR modules of 2 px, 0.17 mm"},
		{"layout at 203 dpi", []string{"--layout", "custom:210x297,5x13,38x18", "--printer-dpi", "203"}, 2, "--layout: layout custom:210x297,5x13,38x18: at 203 dpi a QR module can be at most 2 dots, 0.25 mm"},
		{"thermal printer", []string{"--layout", "roll-40x30", "--printer-dpi", "203"}, 0, ": 3 nhãn trên 3 trang"},
		{"same layout at 300 dpi", []string{"--layout", "custom:210x297,5x13,38x18"}, 0, ": 3 nhãn trên 1 trang"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".pdf")
			if slices.Contains(tt.args, "png") || slices.Contains(tt.args, "svg") {
				out = strings.TrimSuffix(out, ".pdf") + ".zip"
			}
			r := estamp(t, addr, append([]string{"labels", "--batch", "1", "--out", out}, tt.args...)...)
			said := r.out
			if r.err != nil {
				said = cli.Describe(r.err)
			}
			if cli.ExitCode(r.err) != tt.exit || !strings.Contains(said, tt.says) {
				t.Errorf("exit %d, %q; want %d saying %q", cli.ExitCode(r.err), said, tt.exit, tt.says)
			}
			if strings.Contains(r.errOut, "Cảnh báo") {
				t.Errorf("a warning for a layout that keeps off the edges: %s", r.errOut)
			}
		})
	}

	out := filepath.Join(dir, "edge.pdf")
	r := estamp(t, addr, "labels", "--batch", "1", "--out", out, "--layout", "custom:100x25,1x1,100x25,0x0")
	if r.err != nil {
		t.Fatal(r.err)
	}
	if want := "Cảnh báo: Bố cục custom:100x25,1x1,100x25,0x0 đặt mã QR (cả vùng trắng quanh mã) cách mép giấy 1.3 mm, dưới 5 mm"; !strings.Contains(r.errOut, want) {
		t.Errorf("stderr %q, want %q", r.errOut, want)
	}
	// The layouts table says the module at each printer's resolution.
	r = estamp(t, addr, "labels", "layouts")
	if r.err != nil || !strings.Contains(r.out, "203/300/600 DPI") || !strings.Contains(r.out, "0.38/0.34/0.38") {
		t.Errorf("labels layouts: %v\n%s", r.err, r.out)
	}
}
