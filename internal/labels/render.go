// Package labels renders issued stamps for printing: PDF label sheets and
// rolls with each QR code drawn as a 1-bit image mask of its modules and
// Vietnamese text in an embedded font, single QR images (PNG, SVG) in a
// zip or a directory, and a PNG preview of a sheet's first page drawn
// from the same art as the PDF (preview.go).
//
// Rendering streams: a PDF page is written as soon as it is drawn, so a
// 100,000-stamp batch needs no more memory than a small one. Pages and
// images are made on every core and written in order (parallel.go).
//
// What to render is a Job (job.go), checked once: the CLI renders it on
// the user's machine and LabelService (internal/printing) on the server,
// with the same code, and api.go reads and writes it as the API carries it.
package labels

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/skip2/go-qrcode"

	"github.com/ocopvn/estamp/internal/ocop"
)

// Stamp is one stamp to print.
type Stamp struct {
	Serial uint64
	Code   string // the exact text the QR code holds
	// Revoked stamps are left out of a job unless it includes them
	// (Job.Select).
	Revoked bool
}

// Batch is what a label shows besides the QR code.
type Batch struct {
	ProductName string
	StarGrade   int
	Lot         string
	// PrintedAhead is a roll printed before packing (a batch issued
	// without a lot): its labels leave blank space where a date coder
	// prints the lot and dates, and packing activates them.
	PrintedAhead bool
	Stamps       []Stamp
}

// ScanLine invites a consumer to scan.
const ScanLine = "Quét mã để xác thực nguồn gốc"

// Progress is told how many labels are done, after each page or image.
type Progress func(done, total int)

// Renderer renders labels; it holds the parsed font and is safe for
// concurrent use.
type Renderer struct {
	face *face
	// now dates the files of a zip.
	now func() time.Time
	// workers is how many goroutines render (WithWorkers); 0 is one a core.
	workers int
}

// NewRenderer parses the embedded font; now is the clock that dates the
// files of a zip (time.Now when nil).
func NewRenderer(now func() time.Time) (*Renderer, error) {
	f, err := loadFace()
	if err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	return &Renderer{face: f, now: now}, nil
}

const ptPerMM = 72 / 25.4

// SerialText is a serial as the label prints it: ocop.ShowSerial, the
// one way serials are written for people, here for the console, which
// shows serials as the labels print them.
func SerialText(serial uint64) string { return ocop.ShowSerial(serial) }

// PDF writes the batch's labels in layout l, for a printer of printerDPI
// (Layout.Geometry), to w.
//
// Pages are drawn and compressed on the renderer's workers (WithWorkers)
// and written in order; at most a few pages a worker are in memory at
// once, however large the batch. It stops with ctx's error once ctx is
// done.
func (r *Renderer) PDF(ctx context.Context, w io.Writer, b Batch, l Layout, printerDPI int, progress Progress) error {
	if err := l.Validate(); err != nil {
		return err
	}
	g, err := l.Geometry(printerDPI)
	if err != nil {
		return err
	}
	if len(b.Stamps) == 0 {
		return fmt.Errorf("labels: the batch has no stamps")
	}
	pdf := newPDFWriter(w, r.face)
	plans := r.newTextPlans(g, b)
	per := l.PerPage()
	pages := (len(b.Stamps) + per - 1) / per
	workers := r.workerCount()
	free := make(scratches, workers)
	err = inOrder(ctx, workers, aheadPerWorker*workers, pages,
		func(i int) (drawnPage, error) {
			sc := free.get()
			defer free.put(sc)
			return r.drawPage(sc, plans, b, i*per, min((i+1)*per, len(b.Stamps)))
		},
		func(i int, pg drawnPage) error {
			pdf.page(l.PageWidth*ptPerMM, l.PageHeight*ptPerMM, pg.content, pg.glyphs, pg.codes)
			if pdf.err != nil {
				return pdf.err
			}
			if progress != nil {
				progress(min((i+1)*per, len(b.Stamps)), len(b.Stamps))
			}
			return nil
		})
	if err != nil {
		return err
	}
	return pdf.close(b.ProductName + " — lô " + b.Lot)
}

// drawnPage is a page's compressed content stream, the glyphs it draws
// and its labels' codes, which it draws as the image masks /Q0, /Q1, …
// in the order of its slots.
type drawnPage struct {
	content []byte
	glyphs  glyphSet
	codes   []modules
}

// drawPage draws stamps [start, end) on one page.
func (r *Renderer) drawPage(sc *pageScratch, plans *textPlans, b Batch, start, end int) (drawnPage, error) {
	sc.content.Reset()
	c := canvas{out: &sc.content, pageH: plans.g.Layout.PageHeight, text: newPageText(r.face)}
	codes := make([]modules, 0, end-start)
	for i := start; i < end; i++ {
		art, err := r.labelArt(plans, i-start, b.Stamps[i])
		if err != nil {
			return drawnPage{}, err
		}
		c.draw(art, len(codes))
		codes = append(codes, art.code)
	}
	return drawnPage{content: sc.deflate(), glyphs: c.text.used, codes: codes}, nil
}

// art is one label as it is drawn, placed on its page in millimetres
// from the page's top-left corner: the PDF and the PNG preview of a page
// draw the same art, so that the preview shows what will print.
type art struct {
	// qx, qy is the top-left corner of the QR code's first module (the
	// quiet zone is left blank around it); module is the side of one
	// module, dots printer dots of dpi.
	qx, qy, module float64
	dots, dpi      int
	code           modules
	// column is the text column, which clips the text.
	column rect
	lines  []lineAt
}

// rect is a rectangle in millimetres.
type rect struct{ x, y, w, h float64 }

// lineAt is a line of text: its left end on its baseline, in mm, and its
// size in points.
type lineAt struct {
	x, baseline float64
	size        float64
	text        string
	serial      bool // the serial's line
}

// labelArt places the label of stamp s in slot (0 top-left, across then
// down) of a page.
func (r *Renderer) labelArt(plans *textPlans, slot int, s Stamp) (art, error) {
	g := plans.g
	l := g.Layout
	x := l.MarginLeft + float64(slot%l.Columns)*(l.LabelWidth+l.GapX)
	y := l.MarginTop + float64(slot/l.Columns)*(l.LabelHeight+l.GapY)
	q, err := qrcode.New(s.Code, qrcode.Medium)
	if err != nil {
		return art{}, fmt.Errorf("labels: QR for serial %d: %w", s.Serial, err)
	}
	q.DisableBorder = true // the quiet zone is blank paper, not data
	code := packModules(q.Bitmap())
	n := code.size + 2*quietZone
	if n > maxQRModules {
		return art{}, fmt.Errorf("labels: serial %d needs a QR code of %d modules, more than the %d a label has room for; use a shorter --base-url", s.Serial, n, maxQRModules)
	}
	// Smaller codes centre in the square sized for the largest, by whole
	// modules (QR sizes differ by 4), so that they stay on the dots.
	qx, qy := g.QR(slot)
	shift := float64((maxQRModules-n)/2+quietZone) * g.Module()
	a := art{
		qx: qx + shift, qy: qy + shift,
		module: g.Module(), dots: g.ModuleDots, dpi: g.DPI,
		code:   code,
		column: rect{x + g.textX, y, g.textW, l.LabelHeight},
	}
	for _, ln := range plans.lines(s.Serial) {
		ln.x += x
		ln.baseline += y
		a.lines = append(a.lines, ln)
	}
	return a, nil
}

// canvas converts label millimetres (origin top-left of the page) to PDF
// points (origin bottom-left).
type canvas struct {
	out   *bytes.Buffer
	pageH float64
	text  *pageText
}

func (c canvas) rect(x, y, w, h float64) {
	fmt.Fprintf(c.out, "%s %s %s %s re\n", num(x*ptPerMM), num((c.pageH-y-h)*ptPerMM), num(w*ptPerMM), num(h*ptPerMM))
}

// draw writes a label's art to the page's content stream, its code as
// the page's image mask /Q<image>.
func (c canvas) draw(a art, image int) {
	out := c.out
	// A code is an image mask of one sample a module, scaled to whole
	// dots a module: some 300 bytes where hundreds of rectangles in the
	// content stream took 1,400 compressed, and deflating them was most
	// of a page's time besides go-qrcode. Rasterisers sample a mask
	// rather than fill shapes, so its modules' edges get no anti-aliased
	// grey halo (the rectangles were inset by 1/16 dot against that).
	// The mask is set in by 1/32 dot on each side: poppler rounds an
	// image's edges outwards, and an edge exactly on a dot, or a rounding
	// error past it, gained a row of dots, shared out among the modules
	// (one module a dot wider than the rest; TestPrintedModulesAreWholeDots).
	dot := 72 / float64(a.dpi) // points
	const inset = 1.0 / 32
	side := (float64(a.code.size*a.dots) - 2*inset) * dot
	x := (math.Round(a.qx/25.4*float64(a.dpi)) + inset) * dot
	top := (math.Round(a.qy/25.4*float64(a.dpi)) + inset) * dot
	b := out.AvailableBuffer()
	b = append(b, "q 0 g "...)
	b = strconv.AppendFloat(b, side, 'f', 4, 64)
	b = append(b, " 0 0 "...)
	b = strconv.AppendFloat(b, side, 'f', 4, 64)
	b = append(b, ' ')
	b = strconv.AppendFloat(b, x, 'f', 4, 64)
	b = append(b, ' ')
	b = strconv.AppendFloat(b, c.pageH*ptPerMM-top-side, 'f', 4, 64)
	b = append(b, " cm /Q"...)
	b = strconv.AppendInt(b, int64(image), 10)
	b = append(b, " Do Q\n"...)
	out.Write(b)
	if len(a.lines) == 0 {
		return
	}
	// Clip to the text column: whatever happens, text never reaches the QR.
	out.WriteString("q\n")
	c.rect(a.column.x, a.column.y, a.column.w, a.column.h)
	out.WriteString("W n\nBT\n")
	for _, ln := range a.lines {
		fmt.Fprintf(out, "/F1 %s Tf 1 0 0 1 %s %s Tm %s Tj\n", num(ln.size), num(ln.x*ptPerMM), num((c.pageH-ln.baseline)*ptPerMM), c.text.encode(ln.text))
	}
	out.WriteString("ET\nQ\n")
}

// quietZone is the blank modules a QR code needs on each side.
const quietZone = 4

// modules is a QR code's modules, quiet zone left out, packed as a PDF
// image mask's samples: rows of stride bytes, each row's first module in
// its first byte's high bit, 1 for a dark module.
type modules struct {
	size int // modules a side
	bits []byte
}

func (m modules) stride() int { return (m.size + 7) / 8 }

func (m modules) dark(row, col int) bool {
	return m.bits[row*m.stride()+col/8]&(0x80>>(col%8)) != 0
}

// packModules packs a QR bitmap without its quiet zone.
func packModules(bitmap [][]bool) modules {
	m := modules{size: len(bitmap)}
	stride := m.stride()
	m.bits = make([]byte, m.size*stride)
	for row, line := range bitmap {
		b := m.bits[row*stride : (row+1)*stride]
		for col, dark := range line {
			if dark {
				b[col/8] |= 0x80 >> (col % 8)
			}
		}
	}
	return m
}
