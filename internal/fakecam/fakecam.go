// Package fakecam makes a camera out of still pictures, so that a real
// browser test can scan QR labels without a phone. Chromium started with
// --use-fake-device-for-media-stream and
// --use-file-for-fake-video-capture=FILE.y4m answers getUserMedia with the
// frames of that file, looping at its end; WriteY4M writes such a file.
//
// Of the files Chromium's fake capture reads (YUV4MPEG2 with 4:2:0 chroma,
// and MJPEG), Y4M is the simplest: uncompressed, so no encoder is needed.
// Each RGB picture is converted with BT.601's studio-range formula, the
// one Chromium inverts for a camera's frames, so that white stays white and
// a QR code's black modules stay black after the round trip.
package fakecam

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"

	xdraw "golang.org/x/image/draw"
)

// WriteY4M writes frames as a YUV4MPEG2 (C420jpeg) video at fps frames a
// second, each frame written repeat times in a row: a still picture shown
// for a second at 10 fps is one frame with repeat 10, and a sequence of
// pictures with different durations lists a picture more than once.
//
// All frames must have the same, even, width and height, since 4:2:0
// halves both for the chroma planes; Fit makes any picture so.
func WriteY4M(w io.Writer, frames []image.Image, fps int, repeat int) error {
	if len(frames) == 0 {
		return errors.New("fakecam: no frames")
	}
	if fps < 1 || repeat < 1 {
		return fmt.Errorf("fakecam: fps %d and repeat %d must be at least 1", fps, repeat)
	}
	size := frames[0].Bounds().Size()
	if size.X < 2 || size.Y < 2 || size.X%2 != 0 || size.Y%2 != 0 {
		return fmt.Errorf("fakecam: frame size %dx%d is not even", size.X, size.Y)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	// Ip: progressive; A1:1: square pixels. Chromium reads W, H and F and
	// accepts only 4:2:0 colour spaces.
	if _, err := fmt.Fprintf(bw, "YUV4MPEG2 W%d H%d F%d:1 Ip A1:1 C420jpeg\n", size.X, size.Y, fps); err != nil {
		return err
	}
	for i, f := range frames {
		if got := f.Bounds().Size(); got != size {
			return fmt.Errorf("fakecam: frame %d is %dx%d, frame 0 is %dx%d", i, got.X, got.Y, size.X, size.Y)
		}
		// Convert once, write repeat times: a long still is cheap.
		yuv := toI420(f)
		for range repeat {
			if _, err := bw.WriteString("FRAME\n"); err != nil {
				return err
			}
			if _, err := bw.Write(yuv); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}

// FrameSize is the number of bytes of one frame's planes after its FRAME
// line: a full-size Y plane and two quarter-size chroma planes.
func FrameSize(width, height int) int {
	return width*height + 2*(width/2)*(height/2)
}

// toI420 returns the Y, Cb and Cr planes of img, one after the other.
// Each chroma sample is the mean of its 2x2 block's samples.
func toI420(img image.Image) []byte {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := make([]byte, FrameSize(w, h))
	luma, cb, cr := out[:w*h], out[w*h:w*h+w*h/4], out[w*h+w*h/4:]
	for y := 0; y < h; y += 2 {
		for x := 0; x < w; x += 2 {
			var sumU, sumV float64
			for _, d := range [4]image.Point{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				px, py := x+d.X, y+d.Y
				yy, u, v := BT601(img.At(b.Min.X+px, b.Min.Y+py))
				luma[py*w+px] = clamp(yy)
				sumU += u
				sumV += v
			}
			i := (y/2)*(w/2) + x/2
			cb[i] = clamp(sumU / 4)
			cr[i] = clamp(sumV / 4)
		}
	}
	return out
}

// BT601 converts a colour to studio-range Y (16–235), Cb and Cr (16–240),
// unrounded, after blending any transparency onto white: a label on a
// transparent background should look as it does printed on paper.
func BT601(c color.Color) (y, cb, cr float64) {
	r16, g16, b16, a16 := c.RGBA()
	// Premultiplied: add the white that shows through.
	r := float64(r16+0xffff-a16) / 257
	g := float64(g16+0xffff-a16) / 257
	b := float64(b16+0xffff-a16) / 257
	y = 16 + (65.481*r+128.553*g+24.966*b)/255
	cb = 128 + (-37.797*r-74.203*g+112.0*b)/255
	cr = 128 + (112.0*r-93.786*g-18.214*b)/255
	return y, cb, cr
}

func clamp(v float64) byte {
	v += 0.5
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	}
	return byte(v)
}

// Fit centres img on a white width x height picture, scaled to the largest
// size that fits: by a whole factor when it is smaller, so that a QR
// code's modules stay equal squares, and down to fit when it is larger.
// Nearest-neighbour scaling keeps the modules' edges sharp, as a camera
// held still in good light sees them.
func Fit(img image.Image, width, height int) *image.RGBA {
	out := Blank(width, height)
	src := img.Bounds()
	if src.Empty() {
		return out
	}
	sw, sh := src.Dx(), src.Dy()
	dw, dh := sw, sh
	if k := min(width/sw, height/sh); k >= 1 {
		dw, dh = sw*k, sh*k
	} else if sw*height > sh*width { // wider than the frame
		dw, dh = width, max(1, sh*width/sw)
	} else {
		dw, dh = max(1, sw*height/sh), height
	}
	at := image.Pt((width-dw)/2, (height-dh)/2)
	xdraw.NearestNeighbor.Scale(out, image.Rectangle{Min: at, Max: at.Add(image.Pt(dw, dh))}, img, src, xdraw.Over, nil)
	return out
}

// Blank is a white width x height picture: shown between two labels, it
// is the moment a clerk moves the phone from one to the next.
func Blank(width, height int) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, width, height))
	xdraw.Draw(out, out.Bounds(), image.White, image.Point{}, xdraw.Src)
	return out
}
