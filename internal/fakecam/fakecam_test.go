package fakecam_test

import (
	"bufio"
	"bytes"
	"image"
	"image/color"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/ocopvn/estamp/internal/fakecam"
)

func uniform(w, h int, c color.Color) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, c)
		}
	}
	return img
}

// readY4M splits a file into its header line and its frames' planes,
// failing on anything that is not a FRAME line followed by size bytes.
func readY4M(t *testing.T, data []byte, size int) (string, [][]byte) {
	t.Helper()
	r := bufio.NewReader(bytes.NewReader(data))
	header, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("header: %v", err)
	}
	var frames [][]byte
	for {
		line, err := r.ReadString('\n')
		if err == io.EOF && line == "" {
			return strings.TrimSuffix(header, "\n"), frames
		}
		if line != "FRAME\n" {
			t.Fatalf("frame %d starts %q, want FRAME", len(frames), line)
		}
		planes := make([]byte, size)
		if _, err := io.ReadFull(r, planes); err != nil {
			t.Fatalf("frame %d: %v", len(frames), err)
		}
		frames = append(frames, planes)
	}
}

func TestHeaderAndFrameSizes(t *testing.T) {
	var buf bytes.Buffer
	frames := []image.Image{uniform(8, 6, color.White), uniform(8, 6, color.Black)}
	if err := fakecam.WriteY4M(&buf, frames, 10, 3); err != nil {
		t.Fatal(err)
	}
	if want := 8*6 + 2*4*3; fakecam.FrameSize(8, 6) != want {
		t.Fatalf("FrameSize(8, 6) = %d, want %d", fakecam.FrameSize(8, 6), want)
	}
	header, got := readY4M(t, buf.Bytes(), fakecam.FrameSize(8, 6))
	if want := "YUV4MPEG2 W8 H6 F10:1 Ip A1:1 C420jpeg"; header != want {
		t.Errorf("header %q, want %q", header, want)
	}
	if len(got) != 6 {
		t.Fatalf("%d frames, want 2 pictures x 3", len(got))
	}
	// Studio range: white is Y 235, black Y 16, both with neutral chroma.
	for i, wantY := range []byte{235, 235, 235, 16, 16, 16} {
		f := got[i]
		if f[0] != wantY || f[47] != wantY || f[48] != 128 || f[len(f)-1] != 128 {
			t.Errorf("frame %d: Y %d..%d Cb %d Cr %d, want Y %d and 128", i, f[0], f[47], f[48], f[len(f)-1], wantY)
		}
	}
}

// A grey pixel comes back as the same grey through the inverse formula
// Chromium applies (BT.601, studio range), give or take rounding.
func TestGreyRoundTrip(t *testing.T) {
	for _, v := range []uint8{0, 1, 77, 128, 200, 254, 255} {
		var buf bytes.Buffer
		if err := fakecam.WriteY4M(&buf, []image.Image{uniform(2, 2, color.Gray{Y: v})}, 1, 1); err != nil {
			t.Fatal(err)
		}
		_, frames := readY4M(t, buf.Bytes(), fakecam.FrameSize(2, 2))
		p := frames[0]
		y, cb, cr := float64(p[0]), float64(p[4]), float64(p[5])
		r := 1.164*(y-16) + 1.596*(cr-128)
		g := 1.164*(y-16) - 0.392*(cb-128) - 0.813*(cr-128)
		b := 1.164*(y-16) + 2.017*(cb-128)
		for _, c := range []float64{r, g, b} {
			if math.Abs(c-float64(v)) > 1.5 {
				t.Errorf("grey %d: YCbCr %v %v %v comes back as RGB %.1f %.1f %.1f", v, y, cb, cr, r, g, b)
				break
			}
		}
	}
}

// Chroma is the mean of each 2x2 block, and blocks do not bleed into
// each other: a red left half keeps its red, the white right half none.
func TestChromaBlocks(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 4, 2))
	for x := range 4 {
		for y := range 2 {
			img.Set(x, y, map[bool]color.Color{true: color.RGBA{255, 0, 0, 255}, false: color.White}[x < 2])
		}
	}
	var buf bytes.Buffer
	if err := fakecam.WriteY4M(&buf, []image.Image{img}, 5, 1); err != nil {
		t.Fatal(err)
	}
	_, frames := readY4M(t, buf.Bytes(), fakecam.FrameSize(4, 2))
	cr := frames[0][8+2:]
	if cr[0] != 240 || cr[1] != 128 {
		t.Errorf("Cr of red block %d, of white block %d; want 240 and 128", cr[0], cr[1])
	}
}

func TestRejectsBadFrames(t *testing.T) {
	for name, frames := range map[string][]image.Image{
		"none":     nil,
		"odd":      {uniform(3, 4, color.White)},
		"mismatch": {uniform(4, 4, color.White), uniform(6, 4, color.White)},
	} {
		if err := fakecam.WriteY4M(io.Discard, frames, 10, 1); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if err := fakecam.WriteY4M(io.Discard, []image.Image{uniform(2, 2, color.White)}, 0, 1); err == nil {
		t.Error("fps 0: no error")
	}
}

func TestFitCentresOnWhite(t *testing.T) {
	// A 10x10 black square on 640x480 grows by 48 to 480x480, centred.
	out := fakecam.Fit(uniform(10, 10, color.Black), 640, 480)
	if out.Bounds() != image.Rect(0, 0, 640, 480) {
		t.Fatalf("bounds %v", out.Bounds())
	}
	for _, tt := range []struct {
		x, y  int
		black bool
	}{{79, 240, false}, {80, 0, true}, {559, 479, true}, {560, 240, false}, {0, 0, false}} {
		r, _, _, _ := out.At(tt.x, tt.y).RGBA()
		if (r == 0) != tt.black {
			t.Errorf("pixel %d,%d: red %d, want black %v", tt.x, tt.y, r, tt.black)
		}
	}
	// Larger than the frame: scaled down to fit, aspect kept.
	out = fakecam.Fit(uniform(1280, 480, color.Black), 640, 480)
	if r, _, _, _ := out.At(320, 119).RGBA(); r == 0 {
		t.Error("above the scaled picture is not white")
	}
	if r, _, _, _ := out.At(320, 120).RGBA(); r != 0 {
		t.Error("the scaled picture does not start at row 120")
	}
	// Transparent pixels show the white behind them.
	out = fakecam.Fit(uniform(2, 2, color.Transparent), 4, 4)
	if out.RGBAAt(1, 1) != (color.RGBA{255, 255, 255, 255}) {
		t.Errorf("transparent shows as %v", out.RGBAAt(1, 1))
	}
}
