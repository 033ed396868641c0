package labels

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"unicode/utf16"
)

// A PDF of labels once embedded the whole of DejaVu Sans Condensed, some
// 380 KB compressed, for the hundred glyphs a batch's labels draw: four
// times the pages themselves. subsetFont writes a TrueType font with only
// those glyphs.
//
// Glyphs keep their ids: the pages are written, as glyph ids, before the
// set of glyphs is known (they stream), and the font is written last. The
// glyphs left out become empty (loca entries of length zero) and their
// metrics zero, which deflate compresses to almost nothing.
//
// Hinting goes: instructions are stripped from the glyphs, and with them
// the fpgm, prep and cvt tables they would call; a label is printed at
// 203 dpi and up, where unhinted outlines are what the printer's
// rasteriser draws anyway. Layout tables (GPOS, GSUB, kern, ...) go too:
// the renderer places every glyph itself.

// keptTable tells whether a table of the original goes into the subset
// as it is. The subset has these, head, hmtx, loca and glyf, which a
// PDF's TrueType font program needs, and cmap, name and post, rewritten
// small, which some readers look for.
func keptTable(tag string) bool {
	switch tag {
	case "hhea", "maxp", "OS/2":
		return true
	}
	return false
}

// TrueType composite glyph flags (OpenType spec, glyf table).
const (
	argsAreWords    = 0x0001
	haveScale       = 0x0008
	moreComponents  = 0x0020
	haveXYScale     = 0x0040
	haveTwoByTwo    = 0x0080
	haveInstruction = 0x0100
)

// sfntTables reads a font's table directory: tag to table bytes.
func sfntTables(font []byte) (map[string][]byte, error) {
	if len(font) < 12 {
		return nil, fmt.Errorf("labels: font: %d bytes, too short for a table directory", len(font))
	}
	n := int(binary.BigEndian.Uint16(font[4:]))
	if len(font) < 12+16*n {
		return nil, fmt.Errorf("labels: font: table directory of %d tables cut short", n)
	}
	tables := make(map[string][]byte, n)
	for i := range n {
		rec := font[12+16*i:]
		off, length := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		if uint64(off)+uint64(length) > uint64(len(font)) {
			return nil, fmt.Errorf("labels: font: table %q runs past the end of the file", rec[:4])
		}
		tables[string(rec[:4])] = font[off : off+length]
	}
	for _, need := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf", "name"} {
		if tables[need] == nil {
			return nil, fmt.Errorf("labels: font: no %s table", need)
		}
	}
	return tables, nil
}

// subsetFont returns the TrueType font of font with only the glyphs of
// used (glyph id to the rune it draws), the glyphs composite ones among
// them are made of, and glyph 0, at their original ids.
func subsetFont(font []byte, used map[uint16]rune) ([]byte, error) {
	t, err := sfntTables(font)
	if err != nil {
		return nil, err
	}
	head, hhea, maxp := t["head"], t["hhea"], t["maxp"]
	if len(head) < 54 || len(hhea) < 36 || len(maxp) < 6 {
		return nil, fmt.Errorf("labels: font: head, hhea or maxp table too short")
	}
	numGlyphs := int(binary.BigEndian.Uint16(maxp[4:]))
	longLoca := binary.BigEndian.Uint16(head[50:]) == 1
	loca, glyf := t["loca"], t["glyf"]
	glyph := func(id int) ([]byte, error) {
		var start, end uint32
		switch {
		case id >= numGlyphs:
			return nil, fmt.Errorf("labels: font: glyph %d of %d", id, numGlyphs)
		case longLoca && len(loca) >= 4*(id+2):
			start, end = binary.BigEndian.Uint32(loca[4*id:]), binary.BigEndian.Uint32(loca[4*id+4:])
		case !longLoca && len(loca) >= 2*(id+2):
			start, end = 2*uint32(binary.BigEndian.Uint16(loca[2*id:])), 2*uint32(binary.BigEndian.Uint16(loca[2*id+2:]))
		default:
			return nil, fmt.Errorf("labels: font: loca table too short for glyph %d", id)
		}
		if start > end || end > uint32(len(glyf)) {
			return nil, fmt.Errorf("labels: font: glyph %d lies outside the glyf table", id)
		}
		return glyf[start:end], nil
	}

	// The glyphs to keep: those used, and what composites are made of.
	keep := map[int][]byte{}
	todo := []int{0}
	for id := range used {
		todo = append(todo, int(id))
	}
	for len(todo) > 0 {
		id := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if _, done := keep[id]; done {
			continue
		}
		g, err := glyph(id)
		if err != nil {
			return nil, err
		}
		stripped, parts, err := stripGlyph(g)
		if err != nil {
			return nil, fmt.Errorf("labels: font: glyph %d: %w", id, err)
		}
		keep[id] = stripped
		todo = append(todo, parts...)
	}

	newGlyf := []byte{}
	newLoca := make([]byte, 4*(numGlyphs+1))
	for id := range numGlyphs {
		binary.BigEndian.PutUint32(newLoca[4*id:], uint32(len(newGlyf)))
		newGlyf = append(newGlyf, keep[id]...)
		for len(newGlyf)%4 != 0 {
			newGlyf = append(newGlyf, 0)
		}
	}
	binary.BigEndian.PutUint32(newLoca[4*numGlyphs:], uint32(len(newGlyf)))

	// Metrics of the glyphs left out are zero: the PDF gives its own
	// widths (/W), and runs of zeros compress away.
	hmtx := slices.Clone(t["hmtx"])
	longMetrics := int(binary.BigEndian.Uint16(hhea[34:]))
	for id := range numGlyphs {
		if _, ok := keep[id]; ok {
			continue
		}
		switch {
		case id < longMetrics && len(hmtx) >= 4*id+4:
			clear(hmtx[4*id : 4*id+4])
		case id >= longMetrics && len(hmtx) >= 4*longMetrics+2*(id-longMetrics)+2:
			at := 4*longMetrics + 2*(id-longMetrics)
			clear(hmtx[at : at+2])
		}
	}

	newHead := slices.Clone(head[:54])
	binary.BigEndian.PutUint16(newHead[50:], 1) // long loca
	clear(newHead[8:12])                        // checkSumAdjustment, set below

	out := map[string][]byte{
		"head": newHead, "hmtx": hmtx, "loca": newLoca, "glyf": newGlyf,
		"cmap": cmapFormat4(used), "name": subsetName(t["name"]), "post": postV3(t["post"]),
	}
	for tag, data := range t {
		if keptTable(tag) {
			out[tag] = data
		}
	}
	return sfntFile(out), nil
}

// postV3 is a post table of version 3, without glyph names: the header
// of the original's.
func postV3(post []byte) []byte {
	out := make([]byte, 32)
	copy(out, post)
	binary.BigEndian.PutUint32(out, 0x00030000)
	return out
}

// stripGlyph returns a glyph without its instructions, and the glyphs it
// is made of when it is a composite.
func stripGlyph(g []byte) ([]byte, []int, error) {
	if len(g) == 0 {
		return nil, nil, nil // a glyph with no outline, such as the space
	}
	if len(g) < 10 {
		return nil, nil, fmt.Errorf("%d bytes, shorter than its header", len(g))
	}
	contours := int16(binary.BigEndian.Uint16(g))
	if contours >= 0 {
		at := 10 + 2*int(contours)
		if len(g) < at+2 {
			return nil, nil, fmt.Errorf("cut short in its contours")
		}
		n := int(binary.BigEndian.Uint16(g[at:]))
		if len(g) < at+2+n {
			return nil, nil, fmt.Errorf("cut short in its instructions")
		}
		out := slices.Concat(g[:at], []byte{0, 0}, g[at+2+n:])
		return out, nil, nil
	}
	out := slices.Clone(g)
	var parts []int
	at := 10
	for {
		if len(out) < at+4 {
			return nil, nil, fmt.Errorf("composite cut short")
		}
		flags := binary.BigEndian.Uint16(out[at:])
		binary.BigEndian.PutUint16(out[at:], flags&^haveInstruction)
		parts = append(parts, int(binary.BigEndian.Uint16(out[at+2:])))
		at += 4
		if flags&argsAreWords != 0 {
			at += 4
		} else {
			at += 2
		}
		switch {
		case flags&haveScale != 0:
			at += 2
		case flags&haveXYScale != 0:
			at += 4
		case flags&haveTwoByTwo != 0:
			at += 8
		}
		if at > len(out) {
			return nil, nil, fmt.Errorf("composite cut short")
		}
		if flags&moreComponents == 0 {
			return out[:at], parts, nil
		}
	}
}

// cmapFormat4 is a cmap table with one Windows Unicode (3, 1) subtable
// of format 4 that maps the runes used, each in a segment of its own.
func cmapFormat4(used map[uint16]rune) []byte {
	type pair struct {
		r   uint16
		gid uint16
	}
	var pairs []pair
	for gid, r := range used {
		if r > 0 && r < 0xFFFF && !utf16.IsSurrogate(r) {
			pairs = append(pairs, pair{uint16(r), gid})
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int { return int(a.r) - int(b.r) })
	pairs = slices.CompactFunc(pairs, func(a, b pair) bool { return a.r == b.r })
	segs := len(pairs) + 1 // and the closing 0xFFFF segment
	search := 1
	for search*2 <= segs {
		search *= 2
	}
	entry := 0
	for 1<<(entry+1) <= search {
		entry++
	}
	sub := make([]byte, 0, 16+8*segs)
	u16 := func(v uint16) { sub = binary.BigEndian.AppendUint16(sub, v) }
	u16(4)
	u16(uint16(16 + 8*segs)) // length
	u16(0)                   // language
	u16(uint16(2 * segs))
	u16(uint16(2 * search))
	u16(uint16(entry))
	u16(uint16(2 * (segs - search)))
	for _, p := range pairs {
		u16(p.r) // endCode
	}
	u16(0xFFFF)
	u16(0) // reservedPad
	for _, p := range pairs {
		u16(p.r) // startCode
	}
	u16(0xFFFF)
	for _, p := range pairs {
		u16(p.gid - p.r) // idDelta, modulo 65536
	}
	u16(1)
	for range segs {
		u16(0) // idRangeOffset
	}
	table := []byte{0, 0, 0, 1, 0, 3, 0, 1, 0, 0, 0, 12}
	return append(table, sub...)
}

// subsetName keeps the Windows Unicode records of the name table that
// name the font and carry its copyright and licence: the licence asks
// that its notices go with every copy of the font.
func subsetName(name []byte) []byte {
	if len(name) < 6 {
		return name
	}
	count := int(binary.BigEndian.Uint16(name[2:]))
	strings := int(binary.BigEndian.Uint16(name[4:]))
	type record struct {
		platform, encoding, language, id uint16
		text                             []byte
	}
	var kept []record
	for i := range count {
		at := 6 + 12*i
		if len(name) < at+12 {
			break
		}
		r := name[at:]
		rec := record{binary.BigEndian.Uint16(r), binary.BigEndian.Uint16(r[2:]), binary.BigEndian.Uint16(r[4:]), binary.BigEndian.Uint16(r[6:]), nil}
		length, off := int(binary.BigEndian.Uint16(r[8:])), int(binary.BigEndian.Uint16(r[10:]))
		if rec.platform != 3 || rec.encoding != 1 || rec.language != 0x409 || len(name) < strings+off+length {
			continue
		}
		switch rec.id {
		case 0, 1, 2, 3, 4, 5, 6, 13, 14: // copyright, names, version, licence
			rec.text = name[strings+off : strings+off+length]
			kept = append(kept, rec)
		}
	}
	out := binary.BigEndian.AppendUint16(nil, 0)
	out = binary.BigEndian.AppendUint16(out, uint16(len(kept)))
	out = binary.BigEndian.AppendUint16(out, uint16(6+12*len(kept)))
	var text []byte
	for _, r := range kept {
		for _, v := range []uint16{r.platform, r.encoding, r.language, r.id, uint16(len(r.text)), uint16(len(text))} {
			out = binary.BigEndian.AppendUint16(out, v)
		}
		text = append(text, r.text...)
	}
	return append(out, text...)
}

// sfntFile writes tables as a TrueType file, with their checksums and the
// head table's checkSumAdjustment.
func sfntFile(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for tag := range tables {
		tags = append(tags, tag)
	}
	slices.Sort(tags)
	n := len(tags)
	search := 1
	for search*2 <= n {
		search *= 2
	}
	entry := 0
	for 1<<(entry+1) <= search {
		entry++
	}
	out := binary.BigEndian.AppendUint32(nil, 0x00010000)
	for _, v := range []int{n, 16 * search, entry, 16 * (n - search)} {
		out = binary.BigEndian.AppendUint16(out, uint16(v))
	}
	at := 12 + 16*n
	headAt := 0
	var body []byte
	for _, tag := range tags {
		data := tables[tag]
		if tag == "head" {
			headAt = at + len(body)
		}
		out = append(out, tag...)
		out = binary.BigEndian.AppendUint32(out, checksum(data))
		out = binary.BigEndian.AppendUint32(out, uint32(at+len(body)))
		out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
		body = append(body, data...)
		for len(body)%4 != 0 {
			body = append(body, 0)
		}
	}
	out = append(out, body...)
	binary.BigEndian.PutUint32(out[headAt+8:], 0xB1B0AFBA-checksum(out))
	return out
}

// checksum is the sum of a table's big-endian 32-bit words, zero-padded.
func checksum(data []byte) uint32 {
	var sum uint32
	for i := 0; i < len(data); i += 4 {
		var word [4]byte
		copy(word[:], data[i:])
		sum += binary.BigEndian.Uint32(word[:])
	}
	return sum
}

// subsetTag is the six capital letters PDF puts before the name of a
// subset font, "ABCDEF+DejaVuSansCondensed", so that readers do not take
// it for the whole font: derived from the glyphs it holds, so that the
// same labels give the same file.
func subsetTag(used map[uint16]rune) string {
	ids := make([]uint16, 0, len(used))
	for id := range used {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	h := sha256.New()
	for _, id := range ids {
		binary.Write(h, binary.BigEndian, id)
	}
	sum := h.Sum(nil)
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	return string(tag)
}
