package labels

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf16"
)

// pdfWriter writes a PDF as a stream: each page goes out as soon as it is
// drawn, so memory does not grow with the number of labels. Only the list
// of page object numbers and the set of glyphs used are kept to the end.
type pdfWriter struct {
	w       *bufio.Writer
	n       int64   // bytes written
	offsets []int64 // offsets[i] is object i's offset; 0 unused
	face    *face
	pages   []int
	used    glyphSet // the glyphs the pages draw
	pagesID int
	fontID  int
	err     error
}

func newPDFWriter(w io.Writer, f *face) *pdfWriter {
	p := &pdfWriter{w: bufio.NewWriterSize(w, 64<<10), offsets: []int64{0}, face: f, used: glyphSet{}}
	// The trailing binary comment marks the file as binary for transfer tools.
	p.printf("%%PDF-1.7\n%%\xe2\xe3\xcf\xd3\n")
	p.pagesID = p.reserve()
	p.fontID = p.reserve()
	return p
}

func (p *pdfWriter) printf(format string, args ...any) {
	if p.err != nil {
		return
	}
	n, err := fmt.Fprintf(p.w, format, args...)
	p.n += int64(n)
	p.err = err
}

func (p *pdfWriter) write(b []byte) {
	if p.err != nil {
		return
	}
	n, err := p.w.Write(b)
	p.n += int64(n)
	p.err = err
}

func (p *pdfWriter) reserve() int {
	p.offsets = append(p.offsets, 0)
	return len(p.offsets) - 1
}

func (p *pdfWriter) begin(id int) {
	p.offsets[id] = p.n
	p.printf("%d 0 obj\n", id)
}

func (p *pdfWriter) object(id int, body string) {
	p.begin(id)
	p.printf("%s\nendobj\n", body)
}

// stream writes a stream object of zlib-compressed data; rawLength, when
// not zero, is the uncompressed length of an embedded font file.
func (p *pdfWriter) stream(id int, compressed []byte, rawLength int) {
	p.begin(id)
	if rawLength > 0 {
		p.printf("<< /Length %d /Length1 %d /Filter /FlateDecode >>\nstream\n", len(compressed), rawLength)
	} else {
		p.printf("<< /Length %d /Filter /FlateDecode >>\nstream\n", len(compressed))
	}
	p.write(compressed)
	p.printf("\nendstream\nendobj\n")
}

// deflateLevel trades size for time on label pages. Their content is
// text and where the codes go, the codes being image masks (imageMask):
// on A4 3 × 8 pages a whole label, its code included, is 574 bytes at
// level 1, 571 at 5, 568 at 9, and compressing is some 1% of a page's
// time at any level. (When codes were drawn as rectangles in the content,
// level 1 gave 2,320 bytes a label and 5 gave 1,570 for 20% more time.)
const deflateLevel = 5

// deflate compresses a content stream.
func deflate(data []byte) []byte {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, deflateLevel)
	zw.Write(data)
	zw.Close() // writing to memory cannot fail
	return z.Bytes()
}

// pageScratch is what drawing a page needs and can reuse for the next:
// a compressor (hundreds of KB of tables, which a new one allocates; a
// reset one writes the same bytes) and the buffer of the uncompressed
// content (some 10 KB a label). Allocated anew for each page, they were
// most of the garbage a render made besides go-qrcode's.
type pageScratch struct {
	zw      *zlib.Writer
	content bytes.Buffer
}

// deflate compresses the content drawn.
func (sc *pageScratch) deflate() []byte {
	var z bytes.Buffer
	z.Grow(sc.content.Len()/4 + 64)
	if sc.zw == nil {
		sc.zw, _ = zlib.NewWriterLevel(&z, deflateLevel)
	} else {
		sc.zw.Reset(&z)
	}
	sc.zw.Write(sc.content.Bytes())
	sc.zw.Close() // writing to memory cannot fail
	return z.Bytes()
}

// scratches lends pageScratch to a render's workers, one each at most,
// and lets them go with the render. (A sync.Pool lost them at every
// collection, and go-qrcode's garbage makes collections frequent.)
type scratches chan *pageScratch

func (s scratches) get() *pageScratch {
	select {
	case sc := <-s:
		return sc
	default:
		return new(pageScratch)
	}
}

func (s scratches) put(sc *pageScratch) {
	select {
	case s <- sc:
	default:
	}
}

// page writes one page of widthPt × heightPt with its compressed content,
// the glyphs it draws and its codes, the image masks /Q0, /Q1, … it
// draws.
func (p *pdfWriter) page(widthPt, heightPt float64, content []byte, glyphs glyphSet, codes []modules) {
	p.used.add(glyphs)
	var images strings.Builder
	for i, m := range codes {
		id := p.reserve()
		p.imageMask(id, m)
		fmt.Fprintf(&images, "/Q%d %d 0 R ", i, id)
	}
	contentID := p.reserve()
	p.stream(contentID, content, 0)
	pageID := p.reserve()
	p.object(pageID, fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] /Resources << /Font << /F1 %d 0 R >> /XObject << %s>> /ProcSet [/PDF /Text /ImageB] >> /Contents %d 0 R >>",
		p.pagesID, num(widthPt), num(heightPt), p.fontID, images.String(), contentID))
	p.pages = append(p.pages, pageID)
}

// imageMask writes a QR code as an image mask: one sample a module, 1
// painted in the fill colour, 0 left unpainted. Its samples are not
// compressed: a code's modules are nearly random, and deflate makes the
// 270 bytes of a 45-module code 286.
// Interpolate false asks viewers not to smooth the modules' edges when
// they scale it.
func (p *pdfWriter) imageMask(id int, m modules) {
	p.begin(id)
	p.printf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ImageMask true /BitsPerComponent 1 /Decode [1 0] /Interpolate false /Length %d >>\nstream\n", m.size, m.size, len(m.bits))
	p.write(m.bits)
	p.printf("\nendstream\nendobj\n")
}

// glyphSet is glyphs drawn: glyph id to the rune it draws, for copy and
// search (ToUnicode). The font subset, its tag and ToUnicode are made
// from it, so it must not depend on the order labels and pages are drawn
// in: should two runes draw one glyph, the smaller rune is kept, not the
// last one seen.
type glyphSet map[uint16]rune

func (s glyphSet) record(id uint16, r rune) {
	if had, ok := s[id]; !ok || r < had {
		s[id] = r
	}
}

// add merges another page's glyphs into s.
func (s glyphSet) add(other glyphSet) {
	for id, r := range other {
		s.record(id, r)
	}
}

// pageText encodes a page's text and records its glyphs. Each page has
// its own, so that pages drawn at once share no lock; the text of a
// page's labels repeats but for the serials, so encodings are kept.
type pageText struct {
	face *face
	used glyphSet
	seen map[string]string
}

func newPageText(f *face) *pageText {
	return &pageText{face: f, used: glyphSet{}, seen: map[string]string{}}
}

// encode encodes s for the Identity-H font as a hex string of glyph ids.
func (t *pageText) encode(s string) string {
	if hex, ok := t.seen[s]; ok {
		return hex
	}
	var b strings.Builder
	b.WriteByte('<')
	for _, r := range s {
		g, drawn := t.face.glyph(r)
		t.used.record(g.id, drawn)
		fmt.Fprintf(&b, "%04X", g.id)
	}
	b.WriteByte('>')
	t.seen[s] = b.String()
	return b.String()
}

// close writes the font, page tree, catalog, cross-reference table and
// trailer.
func (p *pdfWriter) close(title string) error {
	p.writeFont()
	kids := make([]string, len(p.pages))
	for i, id := range p.pages {
		kids[i] = fmt.Sprintf("%d 0 R", id)
	}
	p.object(p.pagesID, fmt.Sprintf("<< /Type /Pages /Count %d /Kids [%s] >>", len(p.pages), strings.Join(kids, " ")))
	catalog := p.reserve()
	p.object(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", p.pagesID))
	info := p.reserve()
	p.object(info, fmt.Sprintf("<< /Title %s /Producer (estamp) >>", pdfUTF16(title)))
	xref := p.n
	p.printf("xref\n0 %d\n0000000000 65535 f \n", len(p.offsets))
	for _, off := range p.offsets[1:] {
		p.printf("%010d 00000 n \n", off)
	}
	p.printf("trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(p.offsets), catalog, info, xref)
	if p.err != nil {
		return p.err
	}
	return p.w.Flush()
}

func (p *pdfWriter) writeFont() {
	f := p.face
	cid, desc, file, toUnicode := p.reserve(), p.reserve(), p.reserve(), p.reserve()
	name := subsetTag(p.used) + "+" + fontName
	p.object(p.fontID, fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>", name, cid, toUnicode))

	ids := make([]uint16, 0, len(p.used))
	for id := range p.used {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var w strings.Builder
	for _, id := range ids {
		g, _ := f.glyph(p.used[id])
		fmt.Fprintf(&w, "%d [%s] ", id, num(g.width))
	}
	p.object(cid, fmt.Sprintf("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW 1000 /W [%s] /CIDToGIDMap /Identity >>", name, desc, w.String()))
	p.object(desc, fmt.Sprintf("<< /Type /FontDescriptor /FontName /%s /Flags 32 /FontBBox [%s %s %s %s] /ItalicAngle 0 /Ascent %s /Descent %s /CapHeight %s /StemV 80 /FontFile2 %d 0 R >>",
		name, num(f.bbox[0]), num(f.bbox[1]), num(f.bbox[2]), num(f.bbox[3]), num(f.ascent), num(f.descent), num(f.capHeight), file))
	sub, err := subsetFont(fontData, p.used)
	if err != nil {
		if p.err == nil {
			p.err = err
		}
		return
	}
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zw.Write(sub)
	zw.Close() // writing to memory cannot fail
	p.stream(file, z.Bytes(), len(sub))

	var cmap strings.Builder
	cmap.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for chunk := range slices.Chunk(ids, 100) {
		fmt.Fprintf(&cmap, "%d beginbfchar\n", len(chunk))
		for _, id := range chunk {
			fmt.Fprintf(&cmap, "<%04X> <", id)
			for _, u := range utf16.Encode([]rune{p.used[id]}) {
				fmt.Fprintf(&cmap, "%04X", u)
			}
			cmap.WriteString(">\n")
		}
		cmap.WriteString("endbfchar\n")
	}
	cmap.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	p.stream(toUnicode, deflate([]byte(cmap.String())), 0)
}

// num formats a PDF number compactly.
func num(v float64) string {
	s := fmt.Sprintf("%.3f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" || s == "" {
		return "0"
	}
	return s
}

// pdfUTF16 is a PDF text string in UTF-16BE with a byte-order mark.
func pdfUTF16(s string) string {
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteByte('>')
	return b.String()
}
