package labels

import (
	"math"
	"strings"
	"sync"

	"github.com/ocopvn/estamp/internal/ocop"
)

// The text column of a label: the grade, the product's name, the lot,
// the serial and the invitation to scan, as large as the column holds.
//
// Sizes keep an order, so that what matters reads first: the stars, then
// the name, then the lot and serial, then the invitation. A name that
// does not fit one line wraps between words onto up to three; only when
// it does not fit those either is the end shortened, with "…" after a
// whole word. (Names were once cut mid-word on each of two lines, and
// shrunk to the smallest text on the label.)

// textLine is one line of the text column, before wrapping.
type textLine struct {
	text     string
	scale    float64 // of the base size
	minScale float64 // of the base size: how far it may shrink to fit
	maxLines int     // how many lines it may wrap onto
	// keep lines are never shortened: past their minimum scale they
	// shrink to fit. A serial cut short is no serial.
	keep   bool
	serial bool // the serial's line, which differs from label to label
}

// placed is a line set at a size, before it is placed in the column.
type placed struct {
	text   string
	size   float64 // points
	serial bool
}

// Base sizes of the text column, in points: the name is set at the base
// size, the lot and serial at 0.8 of it.
const (
	minBase = 5
	maxBase = 16
	leading = 1.2
)

// textPlans lays out the text columns of one render. The labels of a
// batch differ only in their serials, and the font's digits all have one
// width, so the serials of as many digits lay out alike: each is laid out
// once and the serial put in.
type textPlans struct {
	r *Renderer
	g Geometry
	b Batch
	// tabular is whether the font's digits all have one advance.
	tabular bool

	mu    sync.Mutex
	plans map[int][]lineAt // by the serial's digits
}

func (r *Renderer) newTextPlans(g Geometry, b Batch) *textPlans {
	tabular := true
	zero := r.face.width("0", 1000)
	for d := '1'; d <= '9'; d++ {
		tabular = tabular && r.face.width(string(d), 1000) == zero
	}
	return &textPlans{r: r, g: g, b: b, tabular: tabular, plans: map[int][]lineAt{}}
}

// serialLine is the serial's line of text.
func serialLine(serial uint64) string { return "Sê-ri: " + ocop.ShowSerial(serial) }

// lines are the text of the label of serial, from the label's top-left.
func (p *textPlans) lines(serial uint64) []lineAt {
	if !p.tabular {
		return p.r.layText(p.g, p.b, serialLine(serial))
	}
	shown := serialLine(serial)
	key := len(shown)
	p.mu.Lock()
	plan, ok := p.plans[key]
	p.mu.Unlock()
	if !ok {
		plan = p.r.layText(p.g, p.b, strings.Map(zeroDigits, shown))
		p.mu.Lock()
		p.plans[key] = plan
		p.mu.Unlock()
	}
	out := make([]lineAt, len(plan))
	copy(out, plan)
	for i := range out {
		if out[i].serial {
			out[i].text = shown
		}
	}
	return out
}

func zeroDigits(r rune) rune {
	if r >= '0' && r <= '9' {
		return '0'
	}
	return r
}

// CoderBlank is the blank a label printed ahead leaves for a date coder.
const CoderBlank = "__________"

// layText lays out the text column of geometry g for batch b with serial
// as the serial's line: lines from the label's top-left corner.
func (r *Renderer) layText(g Geometry, b Batch, serial string) []lineAt {
	l := g.Layout
	lot := []textLine{{text: "Lô: " + b.Lot, scale: 0.8, minScale: 0.8, maxLines: 2}}
	if b.PrintedAhead {
		// Blank lines a date coder prints into at packing.
		lot = []textLine{
			{text: "Lô: " + CoderBlank, scale: 0.8, minScale: 0.8, maxLines: 1, keep: true},
			{text: "NSX/HSD: " + CoderBlank, scale: 0.8, minScale: 0.8, maxLines: 1, keep: true},
		}
	}
	specs := []textLine{
		{text: "OCOP " + strings.Repeat("★", b.StarGrade), scale: 1.15, minScale: 1.0, maxLines: 1, keep: true},
		{text: b.ProductName, scale: 1.0, minScale: 0.8, maxLines: 3},
	}
	specs = append(specs, lot...)
	specs = append(specs,
		textLine{text: serial, scale: 0.8, minScale: 0.8, maxLines: 1, keep: true, serial: true},
		textLine{text: ScanLine, scale: 0.7, minScale: 0.7, maxLines: 2},
	)
	avail := l.LabelHeight - 2*g.pad
	maxW := g.textW * ptPerMM
	sum := 0.0
	for _, sp := range specs {
		sum += sp.scale
	}
	// The largest base size at which every line fits, wrapped but not
	// shortened; failing that, the smallest, shortened.
	var lines []placed
	fits := false
	for base := math.Min(maxBase, avail*ptPerMM/(sum*leading)); base >= minBase; base *= 0.96 {
		if lines, fits = r.setText(specs, base, maxW, false); fits && height(lines) <= avail {
			break
		}
		fits = false
	}
	if !fits {
		lines, _ = r.setText(specs, minBase, maxW, true)
	}
	top := math.Max(g.pad, (l.LabelHeight-height(lines))/2)
	var out []lineAt
	for _, ln := range lines {
		baseline := top + ln.size/ptPerMM*r.face.ascent/1000
		if baseline > l.LabelHeight {
			break
		}
		out = append(out, lineAt{x: g.textX, baseline: baseline, size: ln.size, text: ln.text, serial: ln.serial})
		top += ln.size / ptPerMM * leading
	}
	return out
}

func height(lines []placed) float64 {
	h := 0.0
	for _, ln := range lines {
		h += ln.size / ptPerMM * leading
	}
	return h
}

// setText sets every line at base size in maxW points: fits is false when
// one did not fit without shortening (and shorten was false, or it was
// shortened).
func (r *Renderer) setText(specs []textLine, base, maxW float64, shorten bool) (lines []placed, fits bool) {
	fits = true
	for _, sp := range specs {
		set, ok := r.setLine(sp, base, maxW, shorten)
		if !ok {
			fits = false
			if !shorten {
				return nil, false
			}
		}
		lines = append(lines, set...)
	}
	return lines, fits
}

// setLine sets one line of the column: at its size on as few lines as
// hold it, wrapped between words, then smaller down to its minimum
// scale; failing that, with shorten, at its minimum on its most lines
// with the end shortened.
func (r *Renderer) setLine(sp textLine, base, maxW float64, shorten bool) ([]placed, bool) {
	words := strings.Fields(sp.text)
	if len(words) == 0 {
		return nil, true
	}
	size, smallest := base*sp.scale, base*sp.minScale
	for {
		if lines := r.balance(words, size, maxW, sp.maxLines); lines != nil {
			return setAt(lines, size, sp.serial), true
		}
		if size <= smallest {
			break
		}
		size = math.Max(smallest, size*0.95)
	}
	if !shorten {
		return nil, false
	}
	if sp.keep {
		text := strings.Join(words, " ")
		return setAt([]string{text}, smallest*maxW/r.face.width(text, smallest), sp.serial), false
	}
	return setAt(r.shorten(words, smallest, maxW, sp.maxLines), smallest, sp.serial), false
}

func setAt(lines []string, size float64, serial bool) []placed {
	out := make([]placed, len(lines))
	for i, t := range lines {
		out[i] = placed{text: t, size: size, serial: serial}
	}
	return out
}

// balance breaks words into the fewest lines, up to maxLines, that are
// each at most maxW points wide at size, breaking where the widest line
// is narrowest, so that two lines of a name are about as long; nil when
// no way fits.
func (r *Renderer) balance(words []string, size, maxW float64, maxLines int) []string {
	n := len(words)
	widths := make([]float64, n)
	for i, w := range words {
		widths[i] = r.face.width(w, size)
	}
	space := r.face.width(" ", size)
	span := func(i, j int) float64 { // words[i:j] on one line
		w := float64(j-i-1) * space
		for _, x := range widths[i:j] {
			w += x
		}
		return w
	}
	for lines := 1; lines <= min(maxLines, n); lines++ {
		// widest[k][j]: the narrowest widest line of words[:j] on k lines;
		// from[k][j] where its last line starts.
		widest := make([][]float64, lines+1)
		from := make([][]int, lines+1)
		for k := range widest {
			widest[k] = make([]float64, n+1)
			from[k] = make([]int, n+1)
			for j := range widest[k] {
				widest[k][j] = math.Inf(1)
			}
		}
		widest[0][0] = 0
		for k := 1; k <= lines; k++ {
			for j := k; j <= n; j++ {
				for i := k - 1; i < j; i++ {
					if w := math.Max(widest[k-1][i], span(i, j)); w < widest[k][j] {
						widest[k][j], from[k][j] = w, i
					}
				}
			}
		}
		if widest[lines][n] > maxW {
			continue
		}
		out := make([]string, lines)
		for k, j := lines, n; k > 0; k-- {
			i := from[k][j]
			out[k-1] = strings.Join(words[i:j], " ")
			j = i
		}
		return out
	}
	return nil
}

// shorten fills up to maxLines lines with whole words at size, and ends
// the last with "…" after the last whole word that leaves room for it.
// Only a word too long for a line on its own is cut inside.
func (r *Renderer) shorten(words []string, size, maxW float64, maxLines int) []string {
	var lines []string
	for len(words) > 0 && len(lines) < maxLines-1 {
		k := 0
		for k < len(words) && r.face.width(strings.Join(words[:k+1], " "), size) <= maxW {
			k++
		}
		if k == 0 {
			break // a word wider than a line: the last line cuts it
		}
		lines = append(lines, strings.Join(words[:k], " "))
		words = words[k:]
	}
	if len(words) == 0 {
		return lines
	}
	if last := strings.Join(words, " "); r.face.width(last, size) <= maxW {
		return append(lines, last)
	}
	for k := len(words) - 1; k > 0; k-- {
		if t := strings.Join(words[:k], " ") + "…"; r.face.width(t, size) <= maxW {
			return append(lines, t)
		}
	}
	runes := []rune(words[0])
	for n := len(runes) - 1; n > 0; n-- {
		if t := string(runes[:n]) + "…"; r.face.width(t, size) <= maxW {
			return append(lines, t)
		}
	}
	return append(lines, "…")
}
