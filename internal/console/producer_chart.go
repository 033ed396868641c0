package console

import (
	"fmt"
	"math"
)

// The scans chart is drawn on the server as inline SVG: no script, and
// the same numbers as the table beside it. Lengths are in the SVG's
// viewBox units; CSS scales it to the page's width.
const (
	chartW      = 720
	chartH      = 320
	chartLeft   = 48 // room for the y axis's numbers
	chartRight  = 8
	chartTop    = 14
	chartBottom = 34 // room for the first and last days
)

// dayScans is one day of the chart: an API date and its counts.
type dayScans struct {
	Date       string
	Scans      uint64
	FirstScans uint64
}

// chart is a bar chart of scans a day, ready to draw.
type chart struct {
	W, H int
	// Bars, oldest first.
	Bars []scanBar
	// Ticks are the y axis's lines, from 0 up.
	Ticks []chartTick
	// Base is the x axis's y; Left and Right the plot's ends.
	Base, Left, Right float64
	// First and Last are the first and last days, under their bars.
	First, Last chartLabel
	Total       uint64
}

// scanBar is one day: the whole bar (scans) and its part of first scans;
// Slot is the day's whole column, which carries its title on hover or
// touch even when the day had no scans.
type scanBar struct {
	Day                dayScans
	SlotX, SlotW       float64
	X, W, Y, H, FirstY float64
	FirstH             float64
}

type chartTick struct {
	Y     float64
	Value uint64
}

type chartLabel struct {
	X    float64
	Date string
}

// niceCeil is the smallest of 1, 2, 5 × 10ⁿ at or above v: the axis's top.
func niceCeil(v uint64) uint64 {
	if v <= 1 {
		return 1
	}
	for p := uint64(1); ; p *= 10 {
		for _, m := range []uint64{1, 2, 5} {
			if m*p >= v {
				return m * p
			}
		}
		if p > math.MaxUint64/100 {
			return v
		}
	}
}

// newChart lays out days, oldest first.
func newChart(days []dayScans) chart {
	c := chart{W: chartW, H: chartH, Base: chartH - chartBottom, Left: chartLeft, Right: chartW - chartRight}
	var most uint64
	for _, d := range days {
		most = max(most, d.Scans)
		c.Total += d.Scans
	}
	top := niceCeil(most)
	plotH := c.Base - chartTop
	// Three lines: 0, half and the top, when the top halves evenly.
	c.Ticks = []chartTick{{Y: c.Base, Value: 0}}
	if top%2 == 0 {
		c.Ticks = append(c.Ticks, chartTick{Y: c.Base - plotH/2, Value: top / 2})
	}
	c.Ticks = append(c.Ticks, chartTick{Y: chartTop, Value: top})
	if len(days) == 0 {
		return c
	}
	slot := (c.Right - c.Left) / float64(len(days))
	height := func(n uint64) float64 { return float64(n) / float64(top) * plotH }
	for i, d := range days {
		x := c.Left + float64(i)*slot
		b := scanBar{Day: d, SlotX: x, SlotW: slot, X: x + slot*0.15, W: slot * 0.7}
		b.H = height(d.Scans)
		b.Y = c.Base - b.H
		b.FirstH = height(min(d.FirstScans, d.Scans))
		b.FirstY = c.Base - b.FirstH
		c.Bars = append(c.Bars, b)
	}
	c.First = chartLabel{X: c.Bars[0].X, Date: days[0].Date}
	last := c.Bars[len(c.Bars)-1]
	c.Last = chartLabel{X: last.X + last.W, Date: days[len(days)-1].Date}
	return c
}

// F writes a length with one decimal: short SVG.
func (chart) F(v float64) string { return fmt.Sprintf("%.1f", v) }
