package labels

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"html"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/skip2/go-qrcode"

	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/safefile"
)

// Image formats for single QR images.
const (
	FormatPNG = "png"
	FormatSVG = "svg"
)

// ImageOptions size single QR images.
type ImageOptions struct {
	Format string // FormatPNG or FormatSVG
	// SizePx is the PNG's side in pixels; when zero, DPI and SizeMM give it.
	SizePx int
	// DPI is the PNG's resolution, which it records (pHYs) for the
	// programs that print it; DefaultPrinterDPI when zero.
	DPI int
	// SizeMM is the printed side of the code, quiet zone included; also the
	// SVG's width and height. Default 25 mm.
	SizeMM float64
}

// Limits of ImageOptions.
const (
	MaxImagePx = 4000
	MaxDPI     = 2400
)

// Validate checks the options and fills in defaults. Errors name the
// API's field (ocop.Invalid): the CLI names its flags for them.
//
// A QR module is a whole number of pixels, at least 2, and at least
// MinModule on paper: a 10 mm code at 300 dpi has modules of 0.19 mm,
// which no phone reads.
func (o *ImageOptions) Validate() error {
	if o.Format != FormatPNG && o.Format != FormatSVG {
		return ocop.Invalid("format", "định dạng ảnh %q: cần png hoặc svg", "image format %q: want png or svg", o.Format)
	}
	if o.SizeMM == 0 {
		o.SizeMM = 25
	}
	if math.IsNaN(o.SizeMM) || o.SizeMM < 0 || o.SizeMM > 500 {
		return ocop.Invalid("image_size_mm", "%s mm: tối đa 500 mm", "%s mm: want up to 500 mm", mm(o.SizeMM))
	}
	if o.Format == FormatSVG {
		if least := math.Ceil(maxQRModules*MinModule*10) / 10; o.SizeMM < least-1e-9 {
			return ocop.Invalid("image_size_mm", "%s mm cho ô mã QR %.2f mm, nhỏ hơn %.2f mm mà điện thoại đọc chắc chắn: cần ít nhất %s mm", "%s mm gives QR modules of %.2f mm, smaller than the %.2f mm phones read reliably: want at least %s mm", mm(o.SizeMM), o.SizeMM/maxQRModules, MinModule, mm(least))
		}
		return nil
	}
	if o.DPI == 0 {
		o.DPI = DefaultPrinterDPI
	}
	if o.DPI < 72 || o.DPI > MaxDPI {
		return ocop.Invalid("dpi", "%d: cần từ 72 đến %d", "%d: want 72 to %d", o.DPI, MaxDPI)
	}
	// The fewest pixels a module takes at this resolution, and the side
	// of the smallest image that gives them to the largest code.
	perModule := max(2, int(math.Ceil(MinModule/25.4*float64(o.DPI)-1e-9)))
	leastPx := perModule * maxQRModules
	if o.SizePx == 0 {
		o.SizePx = int(math.Round(o.SizeMM / 25.4 * float64(o.DPI)))
		if o.SizePx < leastPx {
			// The smallest size in tenths of a millimetre that rounds to
			// leastPx pixels or more.
			least := math.Ceil((float64(leastPx)-0.5)*25.4/float64(o.DPI)*10) / 10
			return ocop.Invalid("image_size_mm", "%s mm ở %d dpi cho ô mã QR %.2f mm, nhỏ hơn %.2f mm mà điện thoại đọc chắc chắn: cần ít nhất %s mm", "%s mm at %d dpi gives QR modules of %.2f mm, smaller than the %.2f mm phones read reliably: want at least %s mm", mm(o.SizeMM), o.DPI, moduleMM(o.SizePx, o.DPI), MinModule, mm(least))
		}
	}
	if o.SizePx > MaxImagePx {
		return ocop.Invalid("image_size_px", "%d px: tối đa %d px", "%d px: want at most %d px", o.SizePx, MaxImagePx)
	}
	if o.SizePx < leastPx {
		return ocop.Invalid("image_size_px", "%d px ở %d dpi cho ô mã QR %d px, %.2f mm, nhỏ hơn %.2f mm mà điện thoại đọc chắc chắn: cần ít nhất %d px (%d mỗi ô)", "%d px at %d dpi gives QR modules of %d px, %.2f mm, smaller than the %.2f mm phones read reliably: want at least %d px (%d a module)", o.SizePx, o.DPI, o.SizePx/maxQRModules, moduleMM(o.SizePx, o.DPI), MinModule, leastPx, perModule)
	}
	return nil
}

// moduleMM is the printed side of a module of the largest code in an
// image of sizePx pixels at dpi: whole pixels.
func moduleMM(sizePx, dpi int) float64 {
	return float64(sizePx/maxQRModules) * 25.4 / float64(dpi)
}

// Sink receives the image files of a batch.
type Sink interface {
	Add(name string, data []byte) error
	Close() error
}

// ZipSink writes files into a zip archive on w, dated modified: zip
// entries without a time say 1980 in every file manager.
func ZipSink(w io.Writer, modified time.Time) Sink {
	return &zipSink{zw: zip.NewWriter(w), modified: modified.UTC()}
}

type zipSink struct {
	zw       *zip.Writer
	modified time.Time
}

func (z *zipSink) Add(name string, data []byte) error {
	// PNG is compressed already; storing it saves time for nothing lost.
	method := zip.Deflate
	if filepath.Ext(name) == ".png" {
		method = zip.Store
	}
	f, err := z.zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: z.modified})
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return err
}

func (z *zipSink) Close() error { return z.zw.Close() }

// DirSink writes files into a directory, creating it if need be. Each file
// goes through a synced temporary file beside it and is then put in place
// (see internal/safefile): a symbolic link at a file's name is never
// followed, and an existing file is replaced only with replace (the CLI's
// --force).
func DirSink(dir string, replace bool) (Sink, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return dirSink{dir: dir, replace: replace}, nil
}

type dirSink struct {
	dir     string
	replace bool
}

func (d dirSink) Add(name string, data []byte) error {
	return safefile.Write(filepath.Join(d.dir, name), 0o644, d.replace, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

func (d dirSink) Close() error { return nil }

// ImageName is the file name of a stamp's image: its serial, zero-padded
// so that names sort in serial order.
func ImageName(serial uint64, format string) string {
	return fmt.Sprintf("%012d.%s", serial, format)
}

// Images writes one QR image per stamp to sink, then closes it. The
// images are made on the renderer's workers (WithWorkers) and given to
// sink in order, on the caller's goroutine. It stops with ctx's error
// once ctx is done, without closing sink.
func (r *Renderer) Images(ctx context.Context, sink Sink, b Batch, opts ImageOptions, progress Progress) error {
	if err := opts.Validate(); err != nil {
		return err
	}
	workers := r.workerCount()
	err := inOrder(ctx, workers, aheadPerWorker*workers, len(b.Stamps),
		func(i int) ([]byte, error) { return stampImage(b.Stamps[i], opts) },
		func(i int, data []byte) error {
			if err := sink.Add(ImageName(b.Stamps[i].Serial, opts.Format), data); err != nil {
				return err
			}
			if progress != nil && ((i+1)%1000 == 0 || i+1 == len(b.Stamps)) {
				progress(i+1, len(b.Stamps))
			}
			return nil
		})
	if err != nil {
		return err
	}
	return sink.Close()
}

// stampImage is the image file of stamp s.
func stampImage(s Stamp, opts ImageOptions) ([]byte, error) {
	q, err := qrcode.New(s.Code, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("labels: QR for serial %d: %w", s.Serial, err)
	}
	if opts.Format == FormatPNG {
		return qrPNG(q.Bitmap(), opts.SizePx, opts.DPI)
	}
	return svg(q.Bitmap(), opts.SizeMM, s), nil
}

// svg draws a QR bitmap (quiet zone included) as one path in module units.
func svg(bitmap [][]bool, sizeMM float64, s Stamp) []byte {
	n := len(bitmap)
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<svg xmlns="http://www.w3.org/2000/svg" width="%smm" height="%smm" viewBox="0 0 %d %d" shape-rendering="crispEdges">`+"\n"+
		`<title>%s</title>`+"\n"+
		`<rect width="%d" height="%d" fill="#fff"/>`+"\n"+`<path fill="#000" d="`,
		num(sizeMM), num(sizeMM), n, n, html.EscapeString(serialLine(s.Serial)+": "+s.Code), n, n)
	for _, r := range runs(bitmap) {
		b.WriteString("M" + strconv.Itoa(r.col) + " " + strconv.Itoa(r.row) + "h" + strconv.Itoa(r.width) + "v" + strconv.Itoa(r.height) + "h-" + strconv.Itoa(r.width) + "z")
	}
	b.WriteString(`"/>` + "\n</svg>\n")
	return b.Bytes()
}

// run is a rectangle of dark modules.
type run struct{ row, col, width, height int }

// runs merges each row's dark modules into horizontal runs, and a run into
// the one above when it spans the same columns, so that an SVG draws a
// QR code with few rectangles.
func runs(bitmap [][]bool) []run {
	var out []run
	// Runs ending on the previous row and on this one, by the column they
	// start at (a row has at most one run starting at a column): their
	// width, 0 for none, and their index in out. Slices, not maps: runs is
	// on every SVG's path.
	n := 0
	for _, line := range bitmap {
		n = max(n, len(line))
	}
	prevW, prevI := make([]int, n), make([]int, n)
	curW, curI := make([]int, n), make([]int, n)
	for row, line := range bitmap {
		clear(curW)
		for col := 0; col < len(line); {
			if !line[col] {
				col++
				continue
			}
			end := col
			for end < len(line) && line[end] {
				end++
			}
			w := end - col
			if prevW[col] == w {
				out[prevI[col]].height++
				curW[col], curI[col] = w, prevI[col]
			} else {
				out = append(out, run{row: row, col: col, width: w, height: 1})
				curW[col], curI[col] = w, len(out)-1
			}
			col = end
		}
		prevW, curW = curW, prevW
		prevI, curI = curI, prevI
	}
	return out
}

// qrPNG draws a QR bitmap (quiet zone included) as a black and white PNG
// of sizePx pixels a side at dpi. Every module is the same whole number
// of pixels: the pixels left over widen the quiet zone. (Scaled to a
// side that is not a multiple of the modules, modules came out one pixel
// wider or narrower than their neighbours.)
func qrPNG(bitmap [][]bool, sizePx, dpi int) ([]byte, error) {
	n := len(bitmap)
	per := sizePx / n
	if per < 1 {
		return nil, fmt.Errorf("labels: a QR code of %d modules in %d pixels", n, sizePx)
	}
	margin := (sizePx - per*n) / 2
	img := image.NewPaletted(image.Rect(0, 0, sizePx, sizePx), color.Palette{color.White, color.Black})
	for row, line := range bitmap {
		for col, dark := range line {
			if !dark {
				continue
			}
			for y := margin + row*per; y < margin+(row+1)*per; y++ {
				start := y*img.Stride + margin + col*per
				for x := start; x < start+per; x++ {
					img.Pix[x] = 1
				}
			}
		}
	}
	var b bytes.Buffer
	if err := writePNG(&b, img, dpi); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// pngBuffers lets PNG encoders reuse their compressors rather than
// allocate one an image; a reused one writes the same bytes.
type pngBuffers struct{}

var pngBufferPool sync.Pool

func (pngBuffers) Get() *png.EncoderBuffer {
	b, _ := pngBufferPool.Get().(*png.EncoderBuffer)
	return b
}

func (pngBuffers) Put(b *png.EncoderBuffer) { pngBufferPool.Put(b) }

// writePNG encodes img with a pHYs chunk that gives its resolution, dpi:
// without one, programs print a PNG at 72 or 96 dpi, three or four times
// the size it was made for, or at a size of their own.
func writePNG(w io.Writer, img image.Image, dpi int) error {
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression, BufferPool: pngBuffers{}}).Encode(&b, img); err != nil {
		return err
	}
	data := b.Bytes()
	// The signature (8 bytes), then IHDR (4 length, 4 type, 13 data, 4
	// CRC): pHYs goes after it, before the image data.
	const afterIHDR = 8 + 4 + 4 + 13 + 4
	if len(data) < afterIHDR || string(data[12:16]) != "IHDR" {
		return fmt.Errorf("labels: PNG encoder wrote no IHDR first")
	}
	perMetre := uint32(math.Round(float64(dpi) / 0.0254))
	chunk := binary.BigEndian.AppendUint32(nil, 9)
	chunk = append(chunk, "pHYs"...)
	chunk = binary.BigEndian.AppendUint32(chunk, perMetre)
	chunk = binary.BigEndian.AppendUint32(chunk, perMetre)
	chunk = append(chunk, 1) // unit: the metre
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	for _, part := range [][]byte{data[:afterIHDR], chunk, data[afterIHDR:]} {
		if _, err := w.Write(part); err != nil {
			return err
		}
	}
	return nil
}
