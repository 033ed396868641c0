package labels

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"io"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// FormatPage is the first page of a layout as one PNG image: a preview
// for a person to look at before printing the PDF. It is the API's
// (LABEL_FORMAT_PNG_PAGE), not the CLI's, which writes files to print.
const FormatPage = "page"

// Limits of a page preview: a page's pixels are held in memory while it
// is drawn, one byte each.
const (
	MaxPageDPI    = 300
	MaxPagePixels = 16_000_000
)

// pageSize is the size in pixels of a page of l at dpi.
func pageSize(l Layout, dpi int) (w, h int) {
	return int(math.Ceil(l.PageWidth / 25.4 * float64(dpi))), int(math.Ceil(l.PageHeight / 25.4 * float64(dpi)))
}

// checkPage checks a preview's resolution for layout l.
func checkPage(l Layout, dpi int) error {
	if dpi < 72 || dpi > MaxPageDPI {
		return fmt.Errorf("dpi %d: want 72 to %d for a page preview", dpi, MaxPageDPI)
	}
	if w, h := pageSize(l, dpi); w*h > MaxPagePixels {
		return fmt.Errorf("a %sx%s mm page at %d dpi is %d × %d pixels, more than %d; use a lower dpi", mm(l.PageWidth), mm(l.PageHeight), dpi, w, h, MaxPagePixels)
	}
	return nil
}

// PagePNG writes the first page of b's labels in layout l, for a printer
// of printerDPI, as a greyscale PNG at dpi: the same art as the PDF's page
// (labelArt), filled pixel by pixel. It is for the eye; the PDF is what
// prints and scans.
func (r *Renderer) PagePNG(ctx context.Context, w io.Writer, b Batch, l Layout, printerDPI, dpi int) error {
	if err := l.Validate(); err != nil {
		return err
	}
	g, err := l.Geometry(printerDPI)
	if err != nil {
		return err
	}
	if err := checkPage(l, dpi); err != nil {
		return err
	}
	if len(b.Stamps) == 0 {
		return fmt.Errorf("labels: the batch has no stamps")
	}
	pw, ph := pageSize(l, dpi)
	img := image.NewGray(image.Rect(0, 0, pw, ph))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	p := &raster{img: img, scale: float64(dpi) / 25.4, dpi: float64(dpi), r: r, faces: map[float64]font.Face{}}
	defer p.close()
	plans := r.newTextPlans(g, b)
	// The codes are encoded on the workers; the page is one image, drawn
	// here.
	workers := r.workerCount()
	err = inOrder(ctx, workers, aheadPerWorker*workers, min(l.PerPage(), len(b.Stamps)),
		func(i int) (art, error) { return r.labelArt(plans, i, b.Stamps[i]) },
		func(_ int, a art) error { return p.draw(a) })
	if err != nil {
		return err
	}
	return writePNG(w, img, dpi)
}

// raster draws art on an image: millimetres times scale are pixels.
type raster struct {
	img   *image.Gray
	scale float64
	dpi   float64
	r     *Renderer
	// faces are the font at each size the page uses; a page has a few.
	faces map[float64]font.Face
}

func (p *raster) px(mm float64) int { return int(math.Round(mm * p.scale)) }

// rect is the pixels whose centres fall in a rectangle of millimetres.
func (p *raster) rect(x, y, w, h float64) image.Rectangle {
	return image.Rect(p.px(x), p.px(y), p.px(x+w), p.px(y+h))
}

func (p *raster) draw(a art) error {
	// The code's modules, as the PDF's image mask samples them: each row's
	// dark runs, one rectangle each.
	m := a.module
	for row := range a.code.size {
		for col := 0; col < a.code.size; {
			if !a.code.dark(row, col) {
				col++
				continue
			}
			end := col + 1
			for end < a.code.size && a.code.dark(row, end) {
				end++
			}
			draw.Draw(p.img, p.rect(a.qx+float64(col)*m, a.qy+float64(row)*m, float64(end-col)*m, m), image.Black, image.Point{}, draw.Src)
			col = end
		}
	}
	// Clip to the text column, as the PDF does.
	column := p.img.SubImage(p.rect(a.column.x, a.column.y, a.column.w, a.column.h)).(*image.Gray)
	for _, ln := range a.lines {
		f, err := p.face(ln.size)
		if err != nil {
			return err
		}
		// Glyphs advance by the widths the PDF uses (no kerning), so
		// that a line takes the room it takes on paper.
		x := ln.x
		for _, ch := range ln.text {
			g, drawn := p.r.face.glyph(ch)
			dot := fixed.Point26_6{X: fixed.Int26_6(math.Round(x * p.scale * 64)), Y: fixed.Int26_6(math.Round(ln.baseline * p.scale * 64))}
			if dr, mask, maskp, _, ok := f.Glyph(dot, drawn); ok {
				draw.DrawMask(column, dr, image.NewUniform(color.Black), image.Point{}, mask, maskp, draw.Over)
			}
			x += g.width * ln.size / 1000 / ptPerMM
		}
	}
	return nil
}

// face is the embedded font at size points.
func (p *raster) face(size float64) (font.Face, error) {
	if f, ok := p.faces[size]; ok {
		return f, nil
	}
	f, err := opentype.NewFace(p.r.face.font, &opentype.FaceOptions{Size: size, DPI: p.dpi, Hinting: font.HintingNone})
	if err != nil {
		return nil, fmt.Errorf("labels: font at %.1f pt: %w", size, err)
	}
	p.faces[size] = f
	return f, nil
}

func (p *raster) close() {
	for _, f := range p.faces {
		f.Close()
	}
}
