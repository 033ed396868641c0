package labels

import (
	"bytes"
	"compress/zlib"
	"reflect"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// The subset holds the glyphs the labels draw, with the outlines and ids
// they have in the whole font (so a page's glyph ids still draw them),
// Vietnamese letters made of a base and a mark included, and is a small
// part of the whole.
func TestFontSubsetKeepsTheGlyphsUsed(t *testing.T) {
	f, err := loadFace()
	if err != nil {
		t.Fatal(err)
	}
	text := "Nước mắm cốt nhĩ truyền thống Ba Làng đặc biệt ỹ Ỵ ★ … Sê-ri: 1 234 567"
	used := map[uint16]rune{}
	for _, r := range text {
		g, drawn := f.glyph(r)
		used[g.id] = drawn
	}
	sub, err := subsetFont(fontData, used)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := sfnt.Parse(sub)
	if err != nil {
		t.Fatalf("the subset does not parse: %v", err)
	}
	var bufWhole, bufSub sfnt.Buffer
	ppem := fixed.I(1000)
	for _, r := range text {
		whole, _ := f.font.GlyphIndex(&bufWhole, r)
		got, err := parsed.GlyphIndex(&bufSub, r)
		if err != nil || got != whole {
			t.Errorf("%q: glyph %d in the subset's cmap, %d in the font's (%v)", r, got, whole, err)
			continue
		}
		want, err := f.font.LoadGlyph(&bufWhole, whole, ppem, nil)
		if err != nil {
			t.Fatal(err)
		}
		want = slicesClone(want)
		have, err := parsed.LoadGlyph(&bufSub, whole, ppem, nil)
		if err != nil {
			t.Errorf("%q: glyph %d does not load from the subset: %v", r, whole, err)
			continue
		}
		if (len(have) > 0 || len(want) > 0) && !reflect.DeepEqual([]sfnt.Segment(have), []sfnt.Segment(want)) {
			t.Errorf("%q: glyph %d has another outline in the subset", r, whole)
		}
		wa, _ := f.font.GlyphAdvance(&bufWhole, whole, ppem, font.HintingNone)
		ha, _ := parsed.GlyphAdvance(&bufSub, whole, ppem, font.HintingNone)
		if wa != ha {
			t.Errorf("%q: advance %v in the subset, %v in the font", r, ha, wa)
		}
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(sub)
	zw.Close()
	if z.Len() > 40_000 {
		t.Errorf("the subset of %d glyphs is %d bytes compressed; want under 40 KB (the whole font is %d bytes)", len(used), z.Len(), len(fontData))
	}
	t.Logf("%d glyphs: subset %d bytes, %d compressed; whole font %d bytes", len(used), len(sub), z.Len(), len(fontData))
}

func slicesClone(s []sfnt.Segment) []sfnt.Segment { return append([]sfnt.Segment(nil), s...) }
