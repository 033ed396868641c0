package loadgen

import (
	"context"
	"encoding/json"
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
	if r.Errors == 0 || r.Ops == 0 || r.Rate <= 0 || len(r.lat) != r.Ops {
		t.Errorf("%+v", r)
	}
}

func TestSerialCeiling(t *testing.T) {
	got := Serial("s", Result{Rate: 100, Unit: "x"}, Result{Rate: 100})
	if got.Rate != 50 || got.Unit != "x" || got.Name != "s" {
		t.Errorf("%+v", got)
	}
	// 1/(1/20,000 + 1/60,000) = 15,000: an empty call at 20,000/s and a
	// re-sign at 60,000/s leave 15,000 verifications a second.
	got = Serial("", Result{Name: "a", Rate: 20_000, Unit: "calls/s"}, Result{Name: "b", Rate: 60_000})
	if math.Abs(got.Rate-15_000) > 1e-6 || got.Unit != "calls/s" || got.Name != "a, then b: 1/(1/a + 1/b)" {
		t.Errorf("%+v", got)
	}
	one := Serial("", Result{Name: "a", Rate: 7, Unit: "u"})
	if one.Rate != 7 || one.Name != "a" {
		t.Errorf("one ceiling: %+v", one)
	}
}

func TestSpread(t *testing.T) {
	for _, tc := range []struct {
		xs          []float64
		lo, med, hi float64
	}{
		{nil, 0, 0, 0},
		{[]float64{3}, 3, 3, 3},
		{[]float64{0.3, 0.1, 0.2}, 0.1, 0.2, 0.3},
		{[]float64{4, 1, 3, 2}, 1, 2.5, 4},
	} {
		lo, med, hi := Spread(tc.xs)
		if lo != tc.lo || med != tc.med || hi != tc.hi {
			t.Errorf("Spread(%v) = %v %v %v, want %v %v %v", tc.xs, lo, med, hi, tc.lo, tc.med, tc.hi)
		}
	}
}

// measured is a fake Measure whose rates come from a list, one a call.
func measured(name string, rates ...float64) Measure {
	i := 0
	return func() Result {
		r := Result{Name: name, Unit: "u/s", Rate: rates[i], Ops: 10, lat: []time.Duration{time.Duration(i+1) * time.Millisecond}}
		i++
		return r
	}
}

func TestInterleaveMeasuresCeilingsThenWorkloadInTurns(t *testing.T) {
	var order []string
	log := func(name string) Measure {
		return func() Result { order = append(order, name); return Result{Name: name, Rate: 1} }
	}
	rounds := Interleave(3, []Measure{log("a"), log("b")}, log("w"))
	want := "a b w a b w a b w"
	got := ""
	for i, s := range order {
		if i > 0 {
			got += " "
		}
		got += s
	}
	if got != want || len(rounds) != 3 || len(rounds[2].Ceilings) != 2 || rounds[2].Workload.Name != "w" {
		t.Errorf("order %q, rounds %+v", got, rounds)
	}
}

func TestCompareRatiosPerRound(t *testing.T) {
	// Round ceilings 20,000 then 60,000 in series = 15,000, 12,000 and
	// 10,000 (the machine slowed down); the workload 6,000, 6,000 and
	// 5,000: ratios 0.4, 0.5, 0.5. Rate and ratio medians come from the
	// rounds, not from dividing the median rate by the median ceiling.
	rounds := Interleave(3,
		[]Measure{measured("empty call", 20_000, 20_000, 20_000), measured("re-sign", 60_000, 30_000, 20_000)},
		measured("verify", 6_000, 6_000, 5_000))
	row := Compare(rounds, 0, 1)
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	wantRatios := []float64{0.4, 0.5, 0.5}
	wantCeilings := []float64{15_000, 12_000, 10_000}
	for i, r := range row.Rounds {
		if !near(r.Ratio, wantRatios[i]) || !near(r.Ceiling, wantCeilings[i]) || len(r.Ceilings) != 2 {
			t.Errorf("round %d: ceiling %v ratio %v, want %v %v", i, r.Ceiling, r.Ratio, wantCeilings[i], wantRatios[i])
		}
	}
	if !near(row.Ratio, 0.5) || !near(row.RatioMin, 0.4) || !near(row.RatioMax, 0.5) {
		t.Errorf("ratio %v (%v–%v), want 0.5 (0.4–0.5)", row.Ratio, row.RatioMin, row.RatioMax)
	}
	if row.Rate != 6_000 || row.RateMin != 5_000 || row.RateMax != 6_000 || !near(row.Ceiling, 12_000) {
		t.Errorf("rate %v (%v–%v), ceiling %v", row.Rate, row.RateMin, row.RateMax, row.Ceiling)
	}
	if row.Name != "verify" || row.Ops != 30 || row.CeilingName != "empty call, then re-sign: 1/(1/a + 1/b)" {
		t.Errorf("%+v", row)
	}
	if row.Cores != 0 {
		t.Errorf("cores %v, measured in no round", row.Cores)
	}
	rounds[0].Workload.Cores, rounds[1].Workload.Cores, rounds[2].Workload.Cores = 1.9, 1.2, 1.5
	rounds[0].Workload.ServerCores, rounds[1].Workload.ServerCores, rounds[2].Workload.ServerCores = 1.1, 0.7, 0.9
	if got := Compare(rounds, 0, 1); !near(got.Cores, 1.5) || !near(got.ServerCores, 0.9) {
		t.Errorf("cores %v (server %v), want the medians of the rounds, 1.5 (0.9)", got.Cores, got.ServerCores)
	}
	// Latencies pooled over the rounds: 1, 2 and 3 ms.
	if row.P50ms != 2 || row.P99ms != 3 {
		t.Errorf("p50 %v p99 %v, want 2 and 3 over all rounds", row.P50ms, row.P99ms)
	}

	// The same rounds against one part only keep only that part.
	alone := Compare(rounds, 1)
	if len(alone.Rounds[0].Ceilings) != 1 || alone.Rounds[0].Ceilings[0].Name != "re-sign" || !near(alone.Ratio, 0.2) || alone.CeilingName != "re-sign" {
		t.Errorf("against re-sign alone: %+v", alone)
	}
	if len(row.Rounds[0].Ceilings) != 2 {
		t.Error("a second Compare changed the first row's rounds")
	}

	// Without a ceiling: rates only.
	bare := Compare(rounds)
	if bare.Ratio != 0 || bare.Ceiling != 0 || bare.Rate != 6_000 || len(bare.Rounds[0].Ceilings) != 0 {
		t.Errorf("no ceiling: %+v", bare)
	}
}

func TestCompareReadBackFromJSON(t *testing.T) {
	rounds := Interleave(3, []Measure{measured("c", 10, 10, 10)}, measured("w", 5, 6, 7))
	for i := range rounds {
		rounds[i].Workload.P99ms = float64(10 * (i + 1))
	}
	data, err := json.Marshal(Compare(rounds, 0))
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	again := Compare(back.Rounds, 0)
	if again.Ratio != 0.6 || again.RatioMin != 0.5 || again.RatioMax != 0.7 || again.P99ms != 20 {
		t.Errorf("%+v", again)
	}
}

func TestMissed(t *testing.T) {
	for _, tc := range []struct {
		r    Result
		want bool
	}{
		{Result{Ratio: 0.5}, false},
		{Result{Ratio: 0.5, Target: 0.6}, true},
		{Result{Ratio: 0.6, Target: 0.6}, false},
		{Result{P99ms: 19.9, P99TargetMs: 20}, false},
		{Result{P99ms: 20, P99TargetMs: 20}, true},
		{Result{Ratio: 0.7, Target: 0.6, P99ms: 30, P99TargetMs: 20}, true},
	} {
		if got := tc.r.Missed(); got != tc.want {
			t.Errorf("%+v: Missed %v, want %v", tc.r, got, tc.want)
		}
	}
}

func TestCPUCeilingsRun(t *testing.T) {
	for _, r := range []Result{
		Sign(20 * time.Millisecond),
		ReSign(20*time.Millisecond, "HTTP://127.0.0.1:8080/V/"),
		QREncode(20*time.Millisecond, []string{"HTTP://127.0.0.1:8080/V/ABC", "HTTP://127.0.0.1:8080/V/ABD"}, 1),
	} {
		if r.Rate <= 0 || r.Errors > 0 || r.P99ms != 0 {
			t.Errorf("%+v", r)
		}
	}
	if r := QREncode(time.Millisecond, nil, 1); r.Errors != 1 || r.Rate != 0 {
		t.Errorf("QREncode of no codes: %+v, want an error", r)
	}
}
