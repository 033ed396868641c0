// Package loadgen drives closed-loop load and measures what the machine
// allows, so that every rate `make bench` reports sits beside a ceiling
// measured in the same run, on the same cores, moments before it
// (Interleave, Compare).
package loadgen

import (
	"context"
	"crypto/ed25519"
	"errors"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skip2/go-qrcode"

	"github.com/ocopvn/estamp/internal/stampcode"
)

// Result is what one workload or ceiling measured; a row of `make bench`
// is a Result summarizing its Rounds (Compare).
type Result struct {
	Name string `json:"name"`
	// Rate is Units per second of wall time; in a row, the median of its
	// rounds, which RateMin and RateMax bracket.
	Rate    float64 `json:"rate"`
	RateMin float64 `json:"rate_min,omitempty"`
	RateMax float64 `json:"rate_max,omitempty"`
	Unit    string  `json:"unit"`
	// P50ms and P99ms are per-operation latencies; 0 when not measured.
	// A row's are over the operations of all its rounds.
	P50ms float64 `json:"p50_ms"`
	P99ms float64 `json:"p99_ms"`
	// Ceiling is the median of the rounds' ceilings, Ratio the median of
	// the rounds' ratios (workload rate over that round's ceiling), with
	// RatioMin and RatioMax; 0 where there is no ceiling.
	Ceiling     float64 `json:"ceiling,omitempty"`
	CeilingName string  `json:"ceiling_name,omitempty"`
	Ratio       float64 `json:"ratio,omitempty"`
	RatioMin    float64 `json:"ratio_min,omitempty"`
	RatioMax    float64 `json:"ratio_max,omitempty"`
	// Target is the least Ratio wanted, P99TargetMs the most P99ms; 0
	// when there is none.
	Target      float64 `json:"target,omitempty"`
	P99TargetMs float64 `json:"p99_target_ms,omitempty"`
	// Cores is how many of the machine's cores the bench and the server
	// used together while it ran (CPU seconds over wall seconds; 0 where
	// not measured); a row's is the median of its workload's rounds. A
	// workload that leaves cores idle is held back by waiting, not work.
	Cores float64 `json:"cores,omitempty"`
	// ServerCores is the server's part of Cores: the rest is the bench's
	// own, its callers and, for the ceilings computed in its process, the
	// ceiling's work.
	ServerCores float64 `json:"server_cores,omitempty"`
	// Ops is how many operations ran, Errors how many failed.
	Ops    int `json:"ops"`
	Errors int `json:"errors"`
	// Rounds are every round's numbers, for a row.
	Rounds []Round `json:"rounds,omitempty"`

	// lat are the latencies of Ops, kept so that a row's percentiles are
	// over every round rather than a median of percentiles.
	lat []time.Duration
}

// Missed reports whether r falls short of a target it has.
func (r Result) Missed() bool {
	return r.Target > 0 && r.Ratio < r.Target || r.P99TargetMs > 0 && r.P99ms >= r.P99TargetMs
}

// Op is one operation of a closed loop: it returns how many units it did
// (stamps, codes, labels; 1 for a call).
type Op func(ctx context.Context, worker int) (units int, err error)

// Closed runs op from workers goroutines, each starting its next operation
// when the last returns, until d has passed; ops in flight then finish.
func Closed(ctx context.Context, name, unit string, workers int, d time.Duration, op Op) Result {
	var (
		mu    sync.Mutex
		lat   []time.Duration
		units int
		errs  int
		wg    sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	for w := range workers {
		wg.Go(func() {
			var mine []time.Duration
			n, e := 0, 0
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t0 := time.Now()
				u, err := op(ctx, w)
				if err != nil {
					e++
					continue
				}
				mine = append(mine, time.Since(t0))
				n += u
			}
			mu.Lock()
			lat = append(lat, mine...)
			units += n
			errs += e
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	r := Result{Name: name, Unit: unit, Rate: float64(units) / elapsed.Seconds(), Ops: len(lat), Errors: errs, lat: lat}
	r.P50ms, r.P99ms = Percentile(lat, 0.50), Percentile(lat, 0.99)
	return r
}

// Percentile is the q-quantile of ds in milliseconds (nearest rank); 0 for
// no samples.
func Percentile(ds []time.Duration, q float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return float64(s[max(i, 0)]) / float64(time.Millisecond)
}

// Measure is one timed run of a workload or of a ceiling.
type Measure func() Result

// Round is one turn of a comparison: the parts of its ceiling measured one
// after another, then the workload, back to back.
type Round struct {
	Ceilings []Result `json:"ceilings,omitempty"`
	// Ceiling is what Ceilings allow together (Serial), Ratio the
	// workload's rate over it; 0 without ceilings.
	Ceiling  float64 `json:"ceiling,omitempty"`
	Workload Result  `json:"workload"`
	// Beside is what ran at the same time as the workload, as load on it
	// rather than a bound.
	Beside []Result `json:"beside,omitempty"`
	Ratio  float64  `json:"ratio,omitempty"`
}

// Interleave measures n rounds of every ceiling in turn and then the
// workload. A ceiling measured a minute before its workload, or alone,
// sees another machine: other load comes and goes (the development
// machine is shared), and the workload's own server and clients compete
// for the cores. Turns spread that drift over both, and the spread of the
// ratios over the rounds shows how much of it there was.
func Interleave(n int, ceilings []Measure, workload Measure) []Round {
	rounds := make([]Round, n)
	for i := range rounds {
		for _, c := range ceilings {
			rounds[i].Ceilings = append(rounds[i].Ceilings, c())
		}
		rounds[i].Workload = workload()
	}
	return rounds
}

// Compare summarizes rounds as one row, named after their workload. Its
// ceiling in each round is the ceilings at the indexes parts, done one
// after the other for each unit (Serial); with no parts there is none.
// The row keeps the rounds with only those ceilings, so that two rows can
// be drawn from the same rounds against different ceilings.
func Compare(rounds []Round, parts ...int) Result {
	if len(rounds) == 0 {
		return Result{}
	}
	w := rounds[0].Workload
	row := Result{Name: w.Name, Unit: w.Unit, Rounds: make([]Round, len(rounds))}
	var rates, ceilings, ratios, cores, serverCores []float64
	var lat []time.Duration
	for i, rd := range rounds {
		out := Round{Workload: rd.Workload, Beside: rd.Beside}
		out.Workload.Rounds = nil
		for _, p := range parts {
			out.Ceilings = append(out.Ceilings, rd.Ceilings[p])
		}
		if len(out.Ceilings) > 0 {
			c := Serial("", out.Ceilings...)
			row.CeilingName = c.Name
			out.Ceiling = c.Rate
			if c.Rate > 0 {
				out.Ratio = rd.Workload.Rate / c.Rate
			}
			ceilings, ratios = append(ceilings, out.Ceiling), append(ratios, out.Ratio)
		}
		row.Rounds[i] = out
		rates = append(rates, rd.Workload.Rate)
		if rd.Workload.Cores > 0 {
			cores = append(cores, rd.Workload.Cores)
			serverCores = append(serverCores, rd.Workload.ServerCores)
		}
		row.Ops += rd.Workload.Ops
		row.Errors += rd.Workload.Errors
		lat = append(lat, rd.Workload.lat...)
	}
	row.RateMin, row.Rate, row.RateMax = Spread(rates)
	row.Ceiling = median(ceilings)
	row.Cores, row.ServerCores = median(cores), median(serverCores)
	row.RatioMin, row.Ratio, row.RatioMax = Spread(ratios)
	if len(lat) > 0 {
		row.P50ms, row.P99ms = Percentile(lat, 0.50), Percentile(lat, 0.99)
	} else {
		// Rounds read back from JSON have no latencies: the middle
		// round's percentiles are the best left.
		row.P50ms, row.P99ms = middle(rounds, func(r Round) float64 { return r.Workload.P50ms }), middle(rounds, func(r Round) float64 { return r.Workload.P99ms })
	}
	return row
}

func middle(rounds []Round, f func(Round) float64) float64 {
	xs := make([]float64, len(rounds))
	for i, r := range rounds {
		xs[i] = f(r)
	}
	return median(xs)
}

// Spread is the least, the median and the greatest of xs; zeros for none.
func Spread(xs []float64) (lo, med, hi float64) {
	if len(xs) == 0 {
		return 0, 0, 0
	}
	return slices.Min(xs), median(xs), slices.Max(xs)
}

// median is the middle of xs, or the mean of the two middles; 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Serial combines ceilings of work done one after the other for each unit
// (answer an RPC, then check its code's signature): 1 / (1/a + 1/b). One
// ceiling is itself. name "" names it after its parts.
func Serial(name string, cs ...Result) Result {
	if len(cs) == 1 && name == "" {
		return Result{Name: cs[0].Name, Rate: cs[0].Rate, Unit: cs[0].Unit}
	}
	var inv float64
	names := make([]string, len(cs))
	for i, c := range cs {
		inv += 1 / c.Rate
		names[i] = c.Name
	}
	if name == "" {
		name = strings.Join(names, ", then ") + ": 1/(1/a + 1/b)"
	}
	return Result{Name: name, Rate: 1 / inv, Unit: cs[0].Unit}
}

// cpuBound runs work from workers goroutines (all cores when 0) for d and
// reports operations per second.
func cpuBound(name, unit string, workers int, d time.Duration, work func() error) Result {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	r := Closed(context.Background(), name, unit, workers, d, func(context.Context, int) (int, error) {
		return 1, work()
	})
	r.P50ms, r.P99ms, r.lat = 0, 0, nil
	return r
}

// message is the size of what a stamp signs: domain tag and payload.
var message = make([]byte, len(stampcode.SignedMessage(make([]byte, stampcode.PayloadSize))))

// Sign measures Ed25519 signatures of a stamp's message per second on all
// cores: what issuing a stamp costs, its batch being one record.
func Sign(d time.Duration) Result {
	priv := ed25519.NewKeyFromSeed(make([]byte, 32))
	return cpuBound("Ed25519 sign, all cores", "sig/s", 0, d, func() error {
		ed25519.Sign(priv, message)
		return nil
	})
}

// ReSign measures, on all cores, the check the issuer makes of each code
// it is shown: parse the code, sign its payload again and compare
// (stampcode.Token.VerifyBySigning), as Verify and intake do. prefix is
// the codes' URL prefix, "…/V/", so that the text parsed is as long as
// theirs; the key is the bench's own, which costs what the server's does.
func ReSign(d time.Duration, prefix string) Result {
	const name, unit = "parse + re-sign a code (Ed25519), all cores", "codes/s"
	priv := ed25519.NewKeyFromSeed(make([]byte, 32))
	iss, err := stampcode.NewIssuer(priv)
	var code string
	if err == nil {
		code, err = iss.Sign(prefix, stampcode.Claims{Serial: 1, ProductNumber: 1, BatchID: 1, StarGrade: 5, ValidUntil: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)})
	}
	if err != nil {
		return Result{Name: name, Unit: unit, Errors: 1}
	}
	return cpuBound(name, unit, 0, d, func() error {
		tok, err := stampcode.Parse(code)
		if err != nil {
			return err
		}
		if !tok.VerifyBySigning(priv) {
			return errors.New("re-signing does not give the code's signature")
		}
		return nil
	})
}

// QREncode measures QR encodings (level M, as labels use) per second from
// workers goroutines, all cores when 0, of codes in turn: give it the
// codes the workload renders. One code encoded over and over runs 5–9%
// faster than a batch's codes in turn (go-qrcode's mask scoring branches
// on the modules, and the branch predictor learns one code's;
// BenchmarkQREncodeInput), and no two labels hold the same code.
func QREncode(d time.Duration, codes []string, workers int) Result {
	name := "QR encode (go-qrcode), all cores"
	if workers == 1 {
		name = "QR encode (go-qrcode), one core"
	}
	if len(codes) == 0 {
		return Result{Name: name, Unit: "codes/s", Errors: 1}
	}
	var next atomic.Uint64
	return cpuBound(name, "codes/s", workers, d, func() error {
		return encodeQR(codes[next.Add(1)%uint64(len(codes))])
	})
}

func encodeQR(code string) error {
	q, err := qrcode.New(code, qrcode.Medium)
	if err != nil {
		return err
	}
	_ = q.Bitmap()
	return nil
}
