package labels

import (
	"fmt"
	"math"
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
}

// MinModule is the smallest QR module printers and phone cameras handle
// reliably.
const MinModule = 0.25 // mm

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
	l := Layout{Name: spec, Description: "tùy chỉnh"}
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

// Validate checks that the grid fits the page and that a QR code of the
// largest stamp still prints with modules of at least MinModule.
func (l Layout) Validate() error {
	const eps = 1e-6
	switch {
	case l.PageWidth <= 0 || l.PageHeight <= 0 || l.PageWidth > 2000 || l.PageHeight > 2000:
		return fmt.Errorf("layout %s: page %gx%g mm is outside 0..2000 mm", l.Name, l.PageWidth, l.PageHeight)
	case l.Columns < 1 || l.Rows < 1 || l.Columns > 100 || l.Rows > 100:
		return fmt.Errorf("layout %s: grid %dx%d is outside 1..100 × 1..100", l.Name, l.Columns, l.Rows)
	case l.LabelWidth <= 0 || l.LabelHeight <= 0:
		return fmt.Errorf("layout %s: label size %gx%g mm must be positive", l.Name, l.LabelWidth, l.LabelHeight)
	case l.MarginLeft < -eps || l.MarginTop < -eps || l.MarginLeft+l.gridWidth() > l.PageWidth+eps || l.MarginTop+l.gridHeight() > l.PageHeight+eps:
		return fmt.Errorf("layout %s: %d × %d labels of %gx%g mm with margins %g, %g and gaps %g, %g do not fit a %gx%g mm page",
			l.Name, l.Columns, l.Rows, l.LabelWidth, l.LabelHeight, l.MarginLeft, l.MarginTop, l.GapX, l.GapY, l.PageWidth, l.PageHeight)
	}
	if m := l.box().module; m < MinModule {
		return fmt.Errorf("layout %s: a QR module would be %.2f mm, smaller than %.2f mm; phones could not scan it — use larger labels", l.Name, m, MinModule)
	}
	return nil
}

// maxQRModules is the width, quiet zone included, of the largest QR code a
// stamp needs: version 7 (45 modules) plus 4 quiet modules on each side.
const maxQRModules = 45 + 8

// dot is the grid QR modules are snapped to: 1/300 inch. Printers at 300,
// 600 and 1200 dpi, and rasterisers at those resolutions, then draw every
// module edge on a pixel boundary; a module of 4.45 pixels would leave grey
// anti-aliased edges that scanners misread.
const dot = 25.4 / 300

func snapDown(v float64) float64 { return math.Floor(v/dot+1e-9) * dot }
func snap(v float64) float64     { return math.Round(v/dot) * dot }

// labelBox is where things go inside one label.
type labelBox struct {
	pad    float64 // inner padding
	module float64 // QR module size for the largest stamp code
	textX  float64 // left edge of the text column, from the label's left
	textW  float64 // width of the text column
}

func (l Layout) box() labelBox {
	pad := math.Min(1.5, math.Min(l.LabelWidth, l.LabelHeight)*0.06)
	// The quiet zone is white already, so the QR square may reach the
	// label's edge by half the padding.
	room := math.Min(l.LabelHeight-pad, l.LabelWidth*0.5)
	module := snapDown(room / maxQRModules)
	textX := pad/2 + module*maxQRModules + pad/2
	return labelBox{pad: pad, module: module, textX: textX, textW: math.Max(0, l.LabelWidth-textX-pad)}
}
