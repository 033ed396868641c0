package labels

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Layout places labels on pages. All lengths are millimetres.
type Layout struct {
	Name        string
	Description string
	PageWidth   float64
	PageHeight  float64
	Columns     int
	Rows        int
	LabelWidth  float64
	LabelHeight float64
	MarginLeft  float64 // page edge to the first column
	MarginTop   float64 // page edge to the first row
	GapX        float64 // between columns
	GapY        float64 // between rows
	// custom layouts, unlike the built-in ones, keep their QR codes
	// EdgeMargin from the sheet's edges where they can, not always.
	custom bool
}

// MinModule is the smallest QR module a label prints. Labels put through
// simulated printing and phone photos showed why: a module of 0.339 mm
// printed at 203 dpi is 2.71 dots, so dark modules come out 3 or 4 dots
// wide and light ones 1 or 2, and a 720p-class camera then fails to read
// them; modules of a whole number of dots of 0.33 mm and more read.
const MinModule = 0.33 // mm

// EdgeMargin is how far QR codes, quiet zone included, keep from the
// edges of a sheet: many office printers cannot print the outer 4.2 mm or
// so of a page, and a code cut there does not scan. Built-in layouts keep
// to it; a custom layout that cannot gets a warning (Geometry.EdgeDistance).
const EdgeMargin = 5.0 // mm

// DefaultPrinterDPI is the printer resolution labels are drawn for when
// none is given: office laser and inkjet printers.
const DefaultPrinterDPI = 300

// PrinterDPIs are the printer resolutions labels can be drawn for: the
// thermal label printers' 203 and 300 dpi, and 600 dpi office printers.
func PrinterDPIs() []int { return []int{203, 300, 600} }

// CheckPrinterDPI checks a printer resolution.
func CheckPrinterDPI(dpi int) error {
	if !slices.Contains(PrinterDPIs(), dpi) {
		return fmt.Errorf("%d dpi: want 203, 300 or 600", dpi)
	}
	return nil
}

// Layouts are the built-in layouts, for common sticker sheets and rolls.
func Layouts() []Layout {
	return []Layout{
		{
			Name: "a4-3x8", Description: "A4, 3 × 8 nhãn 70 × 37 mm (giấy decal A4 24 nhãn)",
			PageWidth: 210, PageHeight: 297, Columns: 3, Rows: 8, LabelWidth: 70, LabelHeight: 37,
			MarginLeft: 0, MarginTop: 0.5,
		},
		{
			Name: "a4-5x13", Description: "A4, 5 × 13 nhãn 38 × 21 mm (giấy decal A4 65 nhãn)",
			PageWidth: 210, PageHeight: 297, Columns: 5, Rows: 13, LabelWidth: 38, LabelHeight: 21,
			MarginLeft: 4.75, MarginTop: 10.7, GapX: 2.5,
		},
		{
			Name: "roll-40x30", Description: "Cuộn nhãn máy in nhiệt, 1 nhãn 40 × 30 mm mỗi trang",
			PageWidth: 40, PageHeight: 30, Columns: 1, Rows: 1, LabelWidth: 40, LabelHeight: 30,
		},
	}
}

// FindLayout returns a built-in layout by name, or parses a custom one.
func FindLayout(name string) (Layout, error) {
	for _, l := range Layouts() {
		if l.Name == name {
			return l, nil
		}
	}
	if strings.HasPrefix(name, "custom:") {
		return ParseCustom(name)
	}
	names := []string{}
	for _, l := range Layouts() {
		names = append(names, l.Name)
	}
	return Layout{}, fmt.Errorf("layout %q: unknown; built-in layouts are %s, or custom:PAGE,GRID,LABEL[,MARGINS[,GAPS]]", name, strings.Join(names, ", "))
}

// ParseCustom reads "custom:210x297,4x10,48x25[,5x10[,2x0]]": page size,
// columns × rows, label size, left × top margins, horizontal × vertical gaps.
// Without margins the grid is centred on the page.
func ParseCustom(spec string) (Layout, error) {
	body := strings.TrimPrefix(spec, "custom:")
	parts := strings.Split(body, ",")
	if len(parts) < 3 || len(parts) > 5 {
		return Layout{}, fmt.Errorf("layout %q: want custom:PAGE,GRID,LABEL[,MARGINS[,GAPS]], e.g. custom:210x297,4x10,48x25,9x23.5,0x0", spec)
	}
	pair := func(i int, what string) (float64, float64, error) {
		a, b, ok := strings.Cut(parts[i], "x")
		x, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
		y, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
		if !ok || err1 != nil || err2 != nil || x < 0 || y < 0 || math.IsInf(x, 0) || math.IsInf(y, 0) {
			return 0, 0, fmt.Errorf("layout %q: %s %q is not WIDTHxHEIGHT in mm", spec, what, parts[i])
		}
		return x, y, nil
	}
	l := Layout{Name: spec, Description: "tùy chỉnh", custom: true}
	var err error
	if l.PageWidth, l.PageHeight, err = pair(0, "page size"); err != nil {
		return l, err
	}
	cols, rows, err := pair(1, "grid")
	if err != nil || cols != math.Trunc(cols) || rows != math.Trunc(rows) {
		return l, fmt.Errorf("layout %q: grid %q is not COLUMNSxROWS", spec, parts[1])
	}
	l.Columns, l.Rows = int(cols), int(rows)
	if l.LabelWidth, l.LabelHeight, err = pair(2, "label size"); err != nil {
		return l, err
	}
	if len(parts) > 4 {
		if l.GapX, l.GapY, err = pair(4, "gaps"); err != nil {
			return l, err
		}
	}
	if len(parts) > 3 {
		if l.MarginLeft, l.MarginTop, err = pair(3, "margins"); err != nil {
			return l, err
		}
	} else {
		l.MarginLeft = (l.PageWidth - l.gridWidth()) / 2
		l.MarginTop = (l.PageHeight - l.gridHeight()) / 2
	}
	return l, l.Validate()
}

func (l Layout) gridWidth() float64 {
	return float64(l.Columns)*l.LabelWidth + float64(l.Columns-1)*l.GapX
}

func (l Layout) gridHeight() float64 {
	return float64(l.Rows)*l.LabelHeight + float64(l.Rows-1)*l.GapY
}

// PerPage is the number of labels on one page.
func (l Layout) PerPage() int { return l.Columns * l.Rows }

// Validate checks that the grid fits the page, and that QR codes of the
// largest stamp print there with modules of at least MinModule at the
// finest printer resolution (Geometry checks a given one).
func (l Layout) Validate() error {
	const eps = 1e-6
	switch {
	case l.PageWidth <= 0 || l.PageHeight <= 0 || l.PageWidth > 2000 || l.PageHeight > 2000:
		return fmt.Errorf("layout %s: page %sx%s mm is outside 0..2000 mm", l.Name, mm(l.PageWidth), mm(l.PageHeight))
	case l.Columns < 1 || l.Rows < 1 || l.Columns > 100 || l.Rows > 100:
		return fmt.Errorf("layout %s: grid %dx%d is outside 1..100 × 1..100", l.Name, l.Columns, l.Rows)
	case l.LabelWidth <= 0 || l.LabelHeight <= 0:
		return fmt.Errorf("layout %s: label size %sx%s mm must be positive", l.Name, mm(l.LabelWidth), mm(l.LabelHeight))
	case l.MarginLeft < -eps || l.MarginTop < -eps || l.MarginLeft+l.gridWidth() > l.PageWidth+eps || l.MarginTop+l.gridHeight() > l.PageHeight+eps:
		return fmt.Errorf("layout %s: %d × %d labels of %sx%s mm with margins %s, %s and gaps %s, %s do not fit a %sx%s mm page",
			l.Name, l.Columns, l.Rows, mm(l.LabelWidth), mm(l.LabelHeight), mm(l.MarginLeft), mm(l.MarginTop), mm(l.GapX), mm(l.GapY), mm(l.PageWidth), mm(l.PageHeight))
	}
	dpis := PrinterDPIs()
	_, err := l.Geometry(dpis[len(dpis)-1])
	return err
}

// mm writes a length for people: to a tenth of a millimetre, as a ruler
// reads, not 2.5999999999999943.
func mm(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10+0, 'f', -1, 64)
}

// maxQRModules is the width, quiet zone included, of the largest QR code a
// stamp needs: version 7 (45 modules) plus 4 quiet modules on each side.
// Codes under a usual base URL are version 7 at the Medium error
// correction labels use, so this is the size of nearly every code.
const maxQRModules = 45 + 8

// textMin is the narrowest text column a label of width w gets beside its
// QR code: 12 mm holds "Sê-ri: 1 234 567" at 4.5 pt; wider labels keep
// nearly a third for text, which may grow there.
func textMin(w float64) float64 { return max(12, 0.3*w) }

// Geometry is where a layout's QR codes go when printed at a printer
// resolution: every module is a whole number of the printer's dots, and
// every QR code starts on a dot, so that no module is printed a dot wider
// or narrower than its neighbours.
type Geometry struct {
	Layout Layout
	// DPI is the printer's resolution.
	DPI int
	// ModuleDots is the side of a QR module in printer dots.
	ModuleDots int
	// pad is the label's inner padding around the text.
	pad float64
	// textX and textW are the text column's left edge, from the
	// label's, and its width.
	textX, textW float64
	// colX and rowY are the left and top edges of the QR squares of each
	// column and row, on the page.
	colX, rowY []float64
}

// Dot is the side of a printer dot.
func (g Geometry) Dot() float64 { return 25.4 / float64(g.DPI) }

// Module is the side of a QR module.
func (g Geometry) Module() float64 { return float64(g.ModuleDots) * g.Dot() }

// Side is the side of the QR square, quiet zone included, that a label
// has for the largest code; smaller codes are centred in it.
func (g Geometry) Side() float64 { return maxQRModules * g.Module() }

// QR is the top-left corner of the QR square of a page's slot (0 is
// top-left, across then down), in mm from the page's top-left corner.
func (g Geometry) QR(slot int) (x, y float64) {
	return g.colX[slot%g.Layout.Columns], g.rowY[slot/g.Layout.Columns]
}

// EdgeDistance is how near the QR squares, quiet zone included, come to
// an edge of the sheet.
func (g Geometry) EdgeDistance() float64 {
	d := math.Inf(1)
	for _, x := range g.colX {
		d = min(d, x, g.Layout.PageWidth-x-g.Side())
	}
	for _, y := range g.rowY {
		d = min(d, y, g.Layout.PageHeight-y-g.Side())
	}
	return d
}

// Geometry places the layout's QR codes for a printer of dpi: the
// largest module of whole dots that fits each label with a text column of
// textMin beside it, EdgeMargin from the sheet's edges for a built-in
// layout. The modules are at least MinModule.
func (l Layout) Geometry(dpi int) (Geometry, error) {
	if err := CheckPrinterDPI(dpi); err != nil {
		return Geometry{}, err
	}
	dot := 25.4 / float64(dpi)
	fits := 0 // the most dots a module can have here, whatever MinModule
	// A custom layout keeps off the sheet's edges when it can with
	// modules of MinModule; when it cannot, it is printed nearer.
	for _, edges := range []bool{true, false} {
		if !edges && !l.custom {
			break
		}
		for k := int(math.Floor(min(l.LabelWidth, l.LabelHeight) / (maxQRModules * dot))); k >= 1; k-- {
			g, ok := l.place(dpi, k, edges)
			if !ok {
				continue
			}
			if g.Module() >= MinModule-1e-9 {
				return g, nil
			}
			fits = k
			break
		}
	}
	what := fmt.Sprintf("at %d dpi a QR module can be at most %d dots, %.2f mm", dpi, fits, float64(fits)*dot)
	if fits == 0 {
		what = fmt.Sprintf("at %d dpi a QR code does not fit a label", dpi)
	}
	hint := "use larger labels"
	if dpi < 600 {
		hint += " or a printer of more dpi"
	}
	if !l.custom {
		hint += fmt.Sprintf(" (QR codes keep %s mm from the sheet's edges)", mm(EdgeMargin))
	}
	return Geometry{}, fmt.Errorf("layout %s: %s, smaller than the %.2f mm phones read reliably; %s", l.Name, what, MinModule, hint)
}

// place tries modules of k dots: the QR square at the label's left, as
// near as the padding allows, and vertically centred, each moved off the
// sheet's edges by EdgeMargin. With strict, a code that cannot be is no
// place; without, it keeps as far off as it can.
func (l Layout) place(dpi, k int, strict bool) (Geometry, bool) {
	g := Geometry{Layout: l, DPI: dpi, ModuleDots: k}
	dot, side := g.Dot(), g.Side()
	g.pad = math.Min(1.5, math.Min(l.LabelWidth, l.LabelHeight)*0.06)
	// Horizontally the offset from the label's edge is the same in every
	// column, so that every label's text column is the same.
	off := g.pad / 2
	most := l.LabelWidth - side - dot - g.pad/2 - textMin(l.LabelWidth) - g.pad
	if most < off {
		return g, false
	}
	if edge := EdgeMargin - l.MarginLeft; edge > off {
		switch {
		case edge <= most:
			off = edge
		case strict:
			return g, false
		default:
			off = most
		}
	}
	lastX := l.MarginLeft + float64(l.Columns-1)*(l.LabelWidth+l.GapX)
	if strict && lastX+off+dot+side > l.PageWidth-EdgeMargin {
		return g, false
	}
	// The quiet zone is white already: it takes the place of the gap
	// between code and text.
	g.textX = off + dot + side + g.pad/2
	g.textW = l.LabelWidth - g.textX - g.pad
	for c := range l.Columns {
		x := l.MarginLeft + float64(c)*(l.LabelWidth+l.GapX) + off
		g.colX = append(g.colX, math.Ceil(x/dot-1e-9)*dot)
	}
	// Vertically each row is centred on its own, then moved off the
	// sheet's edge. The quiet zone may reach the label's edge, being as
	// white as what is around it, and pass it by half a dot, so that a
	// code as high as the label still starts on a dot.
	for r := range l.Rows {
		y := l.MarginTop + float64(r)*(l.LabelHeight+l.GapY)
		lo, hi := y-dot/2, y+l.LabelHeight-side+dot/2
		if elo, ehi := max(lo, EdgeMargin), min(hi, l.PageHeight-EdgeMargin-side); onDot(elo, ehi, dot) {
			lo, hi = elo, ehi
		} else if strict {
			return g, false
		}
		q := math.Round(min(max(y+(l.LabelHeight-side)/2, lo), hi)/dot) * dot
		if q < lo-1e-9 {
			q = math.Ceil(lo/dot-1e-9) * dot
		}
		if q > hi+1e-9 {
			q = math.Floor(hi/dot+1e-9) * dot
		}
		if q < lo-1e-9 || q > hi+1e-9 {
			return g, false
		}
		g.rowY = append(g.rowY, q)
	}
	return g, true
}

// onDot tells whether a whole number of dots lies in [lo, hi].
func onDot(lo, hi, dot float64) bool {
	return math.Ceil(lo/dot-1e-9)*dot <= hi+1e-9
}
