package loadgen

import (
	"context"
	"math"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	for q, want := range map[float64]float64{0.5: 50, 0.99: 99, 1: 100, 0.01: 1} {
		if got := Percentile(ds, q); got != want {
			t.Errorf("p%v = %v, want %v", q*100, got, want)
		}
	}
	if Percentile(nil, 0.5) != 0 {
		t.Error("empty")
	}
}

func TestClosedCountsUnitsAndErrors(t *testing.T) {
	r := Closed(context.Background(), "x", "u/s", 2, 50*time.Millisecond, func(_ context.Context, w int) (int, error) {
		time.Sleep(time.Millisecond)
		if w == 1 {
			return 0, context.Canceled
		}
		return 3, nil
	})
	if r.Errors == 0 || r.Ops == 0 || r.Rate <= 0 || math.Abs(r.Rate-float64(r.Ops*3)/0.05) > r.Rate {
		t.Errorf("%+v", r)
	}
	r.Against(Result{Name: "a", Rate: 2 * r.Rate}, Result{Name: "b", Rate: 4 * r.Rate})
	if r.CeilingName != "a" || math.Abs(r.Ratio-0.5) > 1e-9 {
		t.Errorf("Against: %+v", r)
	}
}

func TestSerialCeiling(t *testing.T) {
	got := Serial("s", Result{Rate: 100, Unit: "x"}, Result{Rate: 100})
	if got.Rate != 50 || got.Unit != "x" {
		t.Errorf("%+v", got)
	}
}
