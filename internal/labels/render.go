// Package labels renders issued stamps for printing: PDF label sheets and
// rolls with the QR code drawn as vector shapes and Vietnamese text in an
// embedded font, single QR images (PNG, SVG) in a zip or a directory, and
// a PNG preview of a sheet's first page drawn from the same art as the
// PDF (preview.go).
//
// Rendering streams: a PDF page is written as soon as it is drawn, so a
// 100,000-stamp batch needs no more memory than a small one.
//
// What to render is a Job (job.go), checked once: the CLI renders it on
// the user's machine and LabelService (internal/printing) on the server,
// with the same code, and api.go reads and writes it as the API carries it.
package labels

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"strconv"
	"strings"

	"github.com/skip2/go-qrcode"
)

// Stamp is one stamp to print.
type Stamp struct {
	Serial uint64
	Code   string // the exact text the QR code holds
}

// Batch is what a label shows besides the QR code.
type Batch struct {
	ProductName string
	StarGrade   int
	Lot         string
	Stamps      []Stamp
}

// ScanLine invites a consumer to scan.
const ScanLine = "Quét mã để xác thực nguồn gốc"

// Progress is told how many labels are done, after each page or image.
type Progress func(done, total int)

// Renderer renders labels; it holds the parsed font and is safe for
// concurrent use.
type Renderer struct {
	face *face
}

// NewRenderer parses the embedded font.
func NewRenderer() (*Renderer, error) {
	f, err := loadFace()
	if err != nil {
		return nil, err
	}
	return &Renderer{face: f}, nil
}

const ptPerMM = 72 / 25.4

// SerialText is how a serial is printed for people: grouped digits are
// easier to read out over the phone.
func SerialText(serial uint64) string {
	s := strconv.FormatUint(serial, 10)
	for len(s) < 9 {
		s = "0" + s
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// PDF writes the batch's labels in layout l to w.
//
// Pages are drawn and compressed on all cores and written in order; at most
// a few pages are in memory at once, however large the batch.
func (r *Renderer) PDF(w io.Writer, b Batch, l Layout, progress Progress) error {
	if err := l.Validate(); err != nil {
		return err
	}
	if len(b.Stamps) == 0 {
		return fmt.Errorf("labels: the batch has no stamps")
	}
	pdf := newPDFWriter(w, r.face)
	per := l.PerPage()
	workers := runtime.GOMAXPROCS(0)
	type page struct {
		content []byte // compressed
		end     int
		err     error
	}
	futures := make(chan chan page, workers*2)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(futures)
		sem := make(chan struct{}, workers)
		for start := 0; start < len(b.Stamps); start += per {
			f := make(chan page, 1)
			select {
			case futures <- f:
			case <-stop:
				return
			}
			sem <- struct{}{}
			go func() {
				defer func() { <-sem }()
				end := min(start+per, len(b.Stamps))
				content, err := r.drawPage(pdf, l, b, start, end)
				f <- page{content: content, end: end, err: err}
			}()
		}
	}()
	for f := range futures {
		pg := <-f
		if pg.err != nil {
			return pg.err
		}
		pdf.page(l.PageWidth*ptPerMM, l.PageHeight*ptPerMM, pg.content)
		if pdf.err != nil {
			return pdf.err
		}
		if progress != nil {
			progress(pg.end, len(b.Stamps))
		}
	}
	return pdf.close(b.ProductName + " — lô " + b.Lot)
}

// drawPage draws stamps [start, end) on one page and returns the
// compressed content stream.
func (r *Renderer) drawPage(pdf *pdfWriter, l Layout, b Batch, start, end int) ([]byte, error) {
	var content strings.Builder
	c := canvas{out: &content, pageH: l.PageHeight}
	for i := start; i < end; i++ {
		art, err := r.labelArt(l, i-start, b, b.Stamps[i])
		if err != nil {
			return nil, err
		}
		c.draw(pdf, art)
	}
	return deflate([]byte(content.String())), nil
}

// art is one label as it is drawn, placed on its page in millimetres
// from the page's top-left corner: the PDF and the PNG preview of a page
// draw the same art, so that the preview shows what will print.
type art struct {
	// qx, qy is the QR code's top-left corner, quiet zone included;
	// module is the side of one module.
	qx, qy, module float64
	runs           []run
	// column is the text column, which clips the text; text is false when
	// the label has no room for one.
	text   bool
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
}

// labelArt places the label of stamp s in slot (0 top-left, across then
// down) of a page of layout l.
func (r *Renderer) labelArt(l Layout, slot int, b Batch, s Stamp) (art, error) {
	x := l.MarginLeft + float64(slot%l.Columns)*(l.LabelWidth+l.GapX)
	y := l.MarginTop + float64(slot/l.Columns)*(l.LabelHeight+l.GapY)
	box := l.box()
	q, err := qrcode.New(s.Code, qrcode.Medium)
	if err != nil {
		return art{}, fmt.Errorf("labels: QR for serial %d: %w", s.Serial, err)
	}
	bitmap := q.Bitmap() // quiet zone of 4 modules included
	n := len(bitmap)
	if n > maxQRModules {
		return art{}, fmt.Errorf("labels: serial %d needs a QR code of %d modules, more than the %d a label has room for; use a shorter --base-url", s.Serial, n, maxQRModules)
	}
	// Smaller codes centre in the square sized for the largest.
	side := box.module * float64(n)
	a := art{
		qx:     snap(x + box.pad/2 + (box.module*maxQRModules-side)/2),
		qy:     snap(y + (l.LabelHeight-side)/2),
		module: box.module,
		runs:   runs(bitmap),
	}
	r.placeText(&a, l, box, x, y, b, s)
	return a, nil
}

// canvas converts label millimetres (origin top-left of the page) to PDF
// points (origin bottom-left).
type canvas struct {
	out   *strings.Builder
	pageH float64
}

func (c canvas) rect(x, y, w, h float64) {
	fmt.Fprintf(c.out, "%s %s %s %s re\n", num(x*ptPerMM), num((c.pageH-y-h)*ptPerMM), num(w*ptPerMM), num(h*ptPerMM))
}

// draw writes a label's art to the page's content stream.
func (c canvas) draw(pdf *pdfWriter, a art) {
	out := c.out
	// Draw in units of 1/16 dot (1/4800 inch, 0.015 pt) from the code's
	// top-left corner, y downwards: every coordinate is then an integer,
	// which is short to write and compresses well. Rasterisers widen
	// anti-aliased fills by a fraction of a pixel, which leaves a grey halo
	// around modules that confuses scanners; insetting each rectangle by one
	// unit keeps module edges crisp.
	unit := int(math.Round(a.module / dot * 16))
	fmt.Fprintf(out, "q 0 g 0.015 0 0 -0.015 %s %s cm\n", num(a.qx*ptPerMM), num((c.pageH-a.qy)*ptPerMM))
	for _, rn := range a.runs {
		out.WriteString(strconv.Itoa(rn.col*unit+1) + " " + strconv.Itoa(rn.row*unit+1) + " " +
			strconv.Itoa(rn.width*unit-2) + " " + strconv.Itoa(rn.height*unit-2) + " re\n")
	}
	out.WriteString("f Q\n")
	if !a.text {
		return
	}
	// Clip to the text column: whatever happens, text never reaches the QR.
	out.WriteString("q\n")
	c.rect(a.column.x, a.column.y, a.column.w, a.column.h)
	out.WriteString("W n\nBT\n")
	for _, ln := range a.lines {
		fmt.Fprintf(out, "/F1 %s Tf 1 0 0 1 %s %s Tm %s Tj\n", num(ln.size), num(ln.x*ptPerMM), num((c.pageH-ln.baseline)*ptPerMM), pdf.text(ln.text))
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
	open := map[[2]int]int{} // (col, width) of a run ending on the previous row -> index in out
	for row, line := range bitmap {
		next := map[[2]int]int{}
		for col := 0; col < len(line); {
			if !line[col] {
				col++
				continue
			}
			end := col
			for end < len(line) && line[end] {
				end++
			}
			key := [2]int{col, end - col}
			if i, ok := open[key]; ok {
				out[i].height++
				next[key] = i
			} else {
				out = append(out, run{row: row, col: col, width: end - col, height: 1})
				next[key] = len(out) - 1
			}
			col = end
		}
		open = next
	}
	return out
}

// textLine is one line of the text column, before wrapping.
type textLine struct {
	text     string
	scale    float64 // of the base size
	minScale float64 // how far it may shrink to fit before an ellipsis
	maxLines int     // 2 lets a long name or sentence wrap once
}

// placed is a line ready to draw.
type placed struct {
	text string
	size float64 // points
}

// placeText lays out the label's text column: the grade, the product,
// the lot, the serial and the invitation to scan, as large as fits.
func (r *Renderer) placeText(a *art, l Layout, box labelBox, x, y float64, b Batch, s Stamp) {
	if box.textW < 3 {
		return // no room for text beside the QR code
	}
	specs := []textLine{
		{"OCOP " + strings.Repeat("★", b.StarGrade), 1.1, 0.6, 1},
		{b.ProductName, 1.0, 0.55, 2},
		{"Lô: " + b.Lot, 0.8, 0.6, 1},
		{"Sê-ri: " + SerialText(s.Serial), 0.8, 0.6, 1},
		{ScanLine, 0.7, 0.7, 2},
	}
	const leading = 1.2
	avail := l.LabelHeight - 2*box.pad
	maxW := box.textW * ptPerMM
	// Shrink the base size until every line, wrapped, fits the height.
	var lines []placed
	for base := math.Min(9, avail*ptPerMM/(5*leading)); base >= 3; base *= 0.92 {
		lines = lines[:0]
		for _, sp := range specs {
			lines = append(lines, r.wrap(sp, base, maxW)...)
		}
		if height(lines, leading) <= avail {
			break
		}
	}
	top := y + math.Max(box.pad, (l.LabelHeight-height(lines, leading))/2)
	a.text = true
	a.column = rect{x + box.textX, y, box.textW, l.LabelHeight}
	for _, ln := range lines {
		baseline := top + ln.size/ptPerMM*r.face.ascent/1000
		if baseline > y+l.LabelHeight {
			break
		}
		a.lines = append(a.lines, lineAt{x: x + box.textX, baseline: baseline, size: ln.size, text: ln.text})
		top += ln.size / ptPerMM * leading
	}
}

func height(lines []placed, leading float64) float64 {
	h := 0.0
	for _, ln := range lines {
		h += ln.size / ptPerMM * leading
	}
	return h
}

// wrap lays a line out at base size: on one line if it fits (shrinking to
// its minimum scale), else on two at a word boundary, else shortened with
// an ellipsis.
func (r *Renderer) wrap(sp textLine, base, maxW float64) []placed {
	size, minSize := base*sp.scale, math.Max(3.5, base*sp.scale*sp.minScale)
	if r.face.width(sp.text, size)*sp.minScale <= maxW || sp.maxLines < 2 {
		t, sz := fit(r.face, sp.text, size, minSize, maxW)
		return []placed{{t, sz}}
	}
	// Split where the longer of the two lines is shortest.
	words := strings.Fields(sp.text)
	if len(words) < 2 {
		t, sz := fit(r.face, sp.text, size, minSize, maxW)
		return []placed{{t, sz}}
	}
	first, rest, best := "", "", math.Inf(1)
	for k := 1; k < len(words); k++ {
		a, b := strings.Join(words[:k], " "), strings.Join(words[k:], " ")
		if w := math.Max(r.face.width(a, size), r.face.width(b, size)); w < best {
			first, rest, best = a, b, w
		}
	}
	t1, sz1 := fit(r.face, first, size, minSize, maxW)
	t2, sz2 := fit(r.face, rest, size, minSize, maxW)
	sz := math.Min(sz1, sz2)
	return []placed{{t1, sz}, {t2, sz}}
}

// fit shrinks text down to minSize to fit maxW points, then shortens it
// with an ellipsis.
func fit(f *face, text string, size, minSize, maxW float64) (string, float64) {
	w := f.width(text, size)
	if w <= maxW {
		return text, size
	}
	if shrunk := size * maxW / w; shrunk >= minSize {
		return text, shrunk
	}
	size = math.Min(size, minSize)
	runes := []rune(text)
	for n := len(runes) - 1; n > 0; n-- {
		t := strings.TrimRight(string(runes[:n]), " ") + "…"
		if f.width(t, size) <= maxW {
			return t, size
		}
	}
	return "…", size
}
