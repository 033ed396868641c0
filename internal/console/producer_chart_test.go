package console

import (
	"math"
	"testing"

	"github.com/ocopvn/estamp/internal/ocop"
)

func TestNiceCeil(t *testing.T) {
	for _, tt := range []struct{ in, want uint64 }{
		{0, 1}, {1, 1}, {2, 2}, {3, 5}, {5, 5}, {6, 10}, {11, 20}, {20, 20}, {21, 50}, {999, 1000}, {1001, 2000}, {math.MaxUint64, math.MaxUint64},
	} {
		if got := niceCeil(tt.in); got != tt.want {
			t.Errorf("niceCeil(%d) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// Bars stand on the axis, in proportion to the day's scans against the
// axis's top, oldest on the left; the first scans are part of the bar.
func TestChartBars(t *testing.T) {
	days := []dayScans{{"2026-11-26", 0, 0}, {"2026-11-27", 4, 1}, {"2026-11-28", 8, 8}}
	c := newChart(days)
	plotH := c.Base - chartTop
	if len(c.Bars) != 3 || c.Total != 12 {
		t.Fatalf("%d bars, total %d", len(c.Bars), c.Total)
	}
	if len(c.Ticks) != 3 || c.Ticks[2].Value != 10 || c.Ticks[1].Value != 5 || c.Ticks[0].Y != c.Base {
		t.Errorf("ticks %+v, want 0, 5 and 10", c.Ticks)
	}
	for i, want := range []float64{0, 0.4, 0.8} {
		b := c.Bars[i]
		if math.Abs(b.H-want*plotH) > 1e-9 || math.Abs(b.Y+b.H-c.Base) > 1e-9 {
			t.Errorf("bar %d: y %g h %g, want %g of %g standing on %g", i, b.Y, b.H, want, plotH, c.Base)
		}
		if b.FirstH > b.H || math.Abs(b.FirstY+b.FirstH-c.Base) > 1e-9 {
			t.Errorf("bar %d: first scans %g over %g", i, b.FirstH, b.H)
		}
		if i > 0 && b.X <= c.Bars[i-1].X+c.Bars[i-1].W {
			t.Errorf("bar %d overlaps the one before", i)
		}
	}
	if last := c.Bars[2]; last.SlotX+last.SlotW > c.Right+1e-9 || c.Bars[0].SlotX < c.Left {
		t.Errorf("the bars leave the plot")
	}
	if c.First.Date != "2026-11-26" || c.Last.Date != "2026-11-28" {
		t.Errorf("labels %+v %+v", c.First, c.Last)
	}
	if empty := newChart(nil); len(empty.Bars) != 0 || empty.Ticks[len(empty.Ticks)-1].Value != 1 {
		t.Errorf("no days: %+v", empty)
	}
}

func TestPercent(t *testing.T) {
	for _, tt := range []struct {
		rate float64
		lang ocop.Lang
		want string
	}{
		{0, ocop.VI, "0,0\u00a0%"},
		{0.0833, ocop.VI, "8,3\u00a0%"},
		{1, ocop.VI, "100,0\u00a0%"},
		{0.417, ocop.EN, "41.7%"},
	} {
		if got := percent(tt.rate, tt.lang); got != tt.want {
			t.Errorf("percent(%g, %s) = %q, want %q", tt.rate, tt.lang, got, tt.want)
		}
	}
}
