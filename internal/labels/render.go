// Package labels renders issued stamps for printing: PDF label sheets and
// rolls with the QR code drawn as vector shapes and Vietnamese text in an
// embedded font, single QR images (PNG, SVG) in a zip or a directory, and
// a PNG preview of a sheet's first page drawn from the same art as the
// PDF (preview.go).
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
			pdf.page(l.PageWidth*ptPerMM, l.PageHeight*ptPerMM, pg.content, pg.glyphs)
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

// drawnPage is a page's compressed content stream and the glyphs it draws.
type drawnPage struct {
	content []byte
	glyphs  glyphSet
}

// drawPage draws stamps [start, end) on one page.
func (r *Renderer) drawPage(sc *pageScratch, plans *textPlans, b Batch, start, end int) (drawnPage, error) {
	sc.content.Reset()
	c := canvas{out: &sc.content, pageH: plans.g.Layout.PageHeight, text: newPageText(r.face)}
	for i := start; i < end; i++ {
		art, err := r.labelArt(plans, i-start, b.Stamps[i])
		if err != nil {
			return drawnPage{}, err
		}
		c.draw(art)
	}
	return drawnPage{content: sc.deflate(), glyphs: c.text.used}, nil
}

// art is one label as it is drawn, placed on its page in millimetres
// from the page's top-left corner: the PDF and the PNG preview of a page
// draw the same art, so that the preview shows what will print.
type art struct {
	// qx, qy is the QR code's top-left corner, quiet zone included;
	// module is the side of one module, dots printer dots of dpi.
	qx, qy, module float64
	dots, dpi      int
	runs           []run
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
	bitmap := q.Bitmap() // quiet zone of 4 modules included
	n := len(bitmap)
	if n > maxQRModules {
		return art{}, fmt.Errorf("labels: serial %d needs a QR code of %d modules, more than the %d a label has room for; use a shorter --base-url", s.Serial, n, maxQRModules)
	}
	// Smaller codes centre in the square sized for the largest, by whole
	// modules (QR sizes differ by 4), so that they stay on the dots.
	qx, qy := g.QR(slot)
	shift := float64((maxQRModules-n)/2) * g.Module()
	a := art{
		qx: qx + shift, qy: qy + shift,
		module: g.Module(), dots: g.ModuleDots, dpi: g.DPI,
		runs:   runs(bitmap),
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

// draw writes a label's art to the page's content stream.
func (c canvas) draw(a art) {
	out := c.out
	// Draw in units of 1/16 printer dot from the code's top-left corner,
	// y downwards: every coordinate is then an integer, which is short to
	// write and compresses well, and the scale is written in full, so
	// that a module of 3 dots is 3 dots at the far side of the code too.
	// Rasterisers widen anti-aliased fills by a fraction of a pixel, which
	// leaves a grey halo around modules that confuses scanners; insetting
	// each rectangle by one unit keeps module edges crisp.
	unit := a.dots * 16
	scale := strconv.FormatFloat(72/float64(16*a.dpi), 'g', 12, 64)
	fmt.Fprintf(out, "q 0 g %s 0 0 -%s %s %s cm\n", scale, scale, strconv.FormatFloat(a.qx*ptPerMM, 'f', 4, 64), strconv.FormatFloat((c.pageH-a.qy)*ptPerMM, 'f', 4, 64))
	// A code is hundreds of rectangles: appended in place, with no
	// string built for each.
	for _, rn := range a.runs {
		b := out.AvailableBuffer()
		b = strconv.AppendInt(b, int64(rn.col*unit+1), 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(rn.row*unit+1), 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(rn.width*unit-2), 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(rn.height*unit-2), 10)
		b = append(b, " re\n"...)
		out.Write(b)
	}
	out.WriteString("f Q\n")
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

// run is a rectangle of dark modules.
type run struct{ row, col, width, height int }

// runs merges each row's dark modules into horizontal runs, and a run into
// the one above when it spans the same columns, so a QR code is drawn with
// few rectangles.
func runs(bitmap [][]bool) []run {
	var out []run
	// Runs ending on the previous row and on this one, by the column they
	// start at (a row has at most one run starting at a column): their
	// width, 0 for none, and their index in out. Slices, not maps: runs is
	// on every label's path.
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
