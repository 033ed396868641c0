package labels

import (
	_ "embed"
	"fmt"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// fontData is DejaVu Sans Condensed: it has every precomposed Vietnamese
// letter, ★ and …, and is narrow enough for small labels. See
// fonts/LICENSE.
//
//go:embed fonts/DejaVuSansCondensed.ttf
var fontData []byte

const fontName = "DejaVuSansCondensed"

// glyph is one rune's glyph in the embedded font.
type glyph struct {
	id    uint16
	width float64 // advance in thousandths of an em
}

// face is the parsed embedded font, shared by all renders.
type face struct {
	font      *sfnt.Font
	upem      float64
	ascent    float64 // thousandths of an em
	descent   float64 // negative
	capHeight float64
	bbox      [4]float64

	mu     sync.Mutex
	buf    sfnt.Buffer
	glyphs map[rune]glyph
}

func loadFace() (*face, error) {
	f, err := sfnt.Parse(fontData)
	if err != nil {
		return nil, fmt.Errorf("labels: embedded font: %w", err)
	}
	fc := &face{font: f, upem: float64(f.UnitsPerEm()), glyphs: map[rune]glyph{}}
	ppem := fixed.I(int(f.UnitsPerEm()))
	m, err := f.Metrics(&fc.buf, ppem, font.HintingNone)
	if err != nil {
		return nil, err
	}
	fc.ascent = fc.units(m.Ascent)
	fc.descent = -fc.units(m.Descent)
	fc.capHeight = fc.units(m.CapHeight)
	b, err := f.Bounds(&fc.buf, ppem, font.HintingNone)
	if err != nil {
		return nil, err
	}
	// sfnt bounds grow downwards; PDF's FontBBox grows upwards.
	fc.bbox = [4]float64{fc.units(b.Min.X), -fc.units(b.Max.Y), fc.units(b.Max.X), -fc.units(b.Min.Y)}
	return fc, nil
}

// units converts a value at ppem = units-per-em to thousandths of an em.
func (f *face) units(v fixed.Int26_6) float64 {
	return float64(v) / 64 * 1000 / f.upem
}

// glyph returns the glyph that draws r, and the rune it really draws:
// '?' when the font lacks r.
func (f *face) glyph(r rune) (glyph, rune) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := f.lookup(r)
	if g.id == 0 && r != '?' {
		return f.lookup('?'), '?'
	}
	return g, r
}

func (f *face) lookup(r rune) glyph {
	if g, ok := f.glyphs[r]; ok {
		return g
	}
	var g glyph
	if gi, err := f.font.GlyphIndex(&f.buf, r); err == nil && gi != 0 {
		adv, err := f.font.GlyphAdvance(&f.buf, gi, fixed.I(int(f.upem)), font.HintingNone)
		if err == nil {
			g = glyph{id: uint16(gi), width: f.units(adv)}
		}
	}
	f.glyphs[r] = g
	return g
}

// width of s at size points, in points.
func (f *face) width(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		g, _ := f.glyph(r)
		w += g.width
	}
	return w * size / 1000
}
