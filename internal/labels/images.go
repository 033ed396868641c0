package labels

import (
	"archive/zip"
	"bytes"
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/skip2/go-qrcode"

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
	DPI    int
	// SizeMM is the printed side of the code, quiet zone included; also the
	// SVG's width and height. Default 25 mm.
	SizeMM float64
}

// Limits of ImageOptions.
const (
	MaxImagePx = 4000
	MaxDPI     = 2400
)

// Validate checks the options and fills in defaults.
func (o *ImageOptions) Validate() error {
	if o.Format != FormatPNG && o.Format != FormatSVG {
		return fmt.Errorf("image format %q: want png or svg", o.Format)
	}
	if o.SizeMM == 0 {
		o.SizeMM = 25
	}
	if o.SizeMM < 10 || o.SizeMM > 500 || math.IsNaN(o.SizeMM) {
		return fmt.Errorf("image size %g mm: want 10 to 500 mm", o.SizeMM)
	}
	if o.Format == FormatSVG {
		return nil
	}
	if o.SizePx == 0 {
		if o.DPI == 0 {
			o.DPI = 300
		}
		if o.DPI < 72 || o.DPI > MaxDPI {
			return fmt.Errorf("dpi %d: want 72 to %d", o.DPI, MaxDPI)
		}
		o.SizePx = int(math.Round(o.SizeMM / 25.4 * float64(o.DPI)))
	}
	if o.SizePx < maxQRModules*2 || o.SizePx > MaxImagePx {
		return fmt.Errorf("image size %d px: want %d to %d px, so each QR module is at least 2 pixels", o.SizePx, maxQRModules*2, MaxImagePx)
	}
	return nil
}

// Sink receives the image files of a batch.
type Sink interface {
	Add(name string, data []byte) error
	Close() error
}

// ZipSink writes files into a zip archive on w.
func ZipSink(w io.Writer) Sink { return &zipSink{zw: zip.NewWriter(w)} }

type zipSink struct{ zw *zip.Writer }

func (z *zipSink) Add(name string, data []byte) error {
	// PNG is compressed already; storing it saves time for nothing lost.
	method := zip.Deflate
	if filepath.Ext(name) == ".png" {
		method = zip.Store
	}
	f, err := z.zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
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

// Images writes one QR image per stamp to sink, then closes it.
func (r *Renderer) Images(sink Sink, b Batch, opts ImageOptions, progress Progress) error {
	if err := opts.Validate(); err != nil {
		return err
	}
	for i, s := range b.Stamps {
		q, err := qrcode.New(s.Code, qrcode.Medium)
		if err != nil {
			return fmt.Errorf("labels: QR for serial %d: %w", s.Serial, err)
		}
		var data []byte
		if opts.Format == FormatPNG {
			if data, err = q.PNG(opts.SizePx); err != nil {
				return err
			}
		} else {
			data = svg(q.Bitmap(), opts.SizeMM, s)
		}
		if err := sink.Add(ImageName(s.Serial, opts.Format), data); err != nil {
			return err
		}
		if progress != nil && ((i+1)%1000 == 0 || i+1 == len(b.Stamps)) {
			progress(i+1, len(b.Stamps))
		}
	}
	return sink.Close()
}

// svg draws a QR bitmap (quiet zone included) as one path in module units.
func svg(bitmap [][]bool, sizeMM float64, s Stamp) []byte {
	n := len(bitmap)
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<svg xmlns="http://www.w3.org/2000/svg" width="%smm" height="%smm" viewBox="0 0 %d %d" shape-rendering="crispEdges">`+"\n"+
		`<title>%s</title>`+"\n"+
		`<rect width="%d" height="%d" fill="#fff"/>`+"\n"+`<path fill="#000" d="`,
		num(sizeMM), num(sizeMM), n, n, html.EscapeString("Sê-ri "+SerialText(s.Serial)+": "+s.Code), n, n)
	for _, r := range runs(bitmap) {
		b.WriteString("M" + strconv.Itoa(r.col) + " " + strconv.Itoa(r.row) + "h" + strconv.Itoa(r.width) + "v" + strconv.Itoa(r.height) + "h-" + strconv.Itoa(r.width) + "z")
	}
	b.WriteString(`"/>` + "\n</svg>\n")
	return b.Bytes()
}
