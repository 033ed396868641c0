// Package loadgen drives closed-loop load and measures what the machine
// allows, so that every rate `make bench` reports sits beside a ceiling
// measured in the same run on the same cores.
package loadgen

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/skip2/go-qrcode"
	bolt "go.etcd.io/bbolt"
)

// Result is what one workload or ceiling measured.
type Result struct {
	Name string `json:"name"`
	// Rate is Units per second of wall time.
	Rate float64 `json:"rate"`
	Unit string  `json:"unit"`
	// P50ms and P99ms are per-operation latencies; 0 when not measured.
	P50ms float64 `json:"p50_ms"`
	P99ms float64 `json:"p99_ms"`
	// Ceiling is the rate of the lowest ceiling this workload is compared
	// with, Ratio the rate as a share of it; 0 for ceilings themselves.
	Ceiling     float64 `json:"ceiling"`
	CeilingName string  `json:"ceiling_name,omitempty"`
	Ratio       float64 `json:"ratio"`
	// Target is the least Ratio wanted; 0 when there is none.
	Target float64 `json:"target,omitempty"`
	// Ops is how many operations ran, Errors how many failed.
	Ops    int `json:"ops"`
	Errors int `json:"errors"`
}

// Against sets the ceiling of r to the lowest of cs.
func (r *Result) Against(cs ...Result) {
	for i, c := range cs {
		if i == 0 || c.Rate < r.Ceiling {
			r.Ceiling, r.CeilingName = c.Rate, c.Name
		}
	}
	if r.Ceiling > 0 {
		r.Ratio = r.Rate / r.Ceiling
	}
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
	r := Result{Name: name, Unit: unit, Rate: float64(units) / elapsed.Seconds(), Ops: len(lat), Errors: errs}
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

// cpuBound runs work on every core for d and reports operations per second.
func cpuBound(name, unit string, d time.Duration, work func() error) Result {
	return Closed(context.Background(), name, unit, runtime.GOMAXPROCS(0), d, func(context.Context, int) (int, error) {
		return 1, work()
	})
}

// message is the size of what a stamp signs: domain tag and payload.
var message = make([]byte, 33)

// Sign measures Ed25519 signatures per second on all cores.
func Sign(d time.Duration) Result {
	priv := ed25519.NewKeyFromSeed(make([]byte, 32))
	r := cpuBound("ceiling: Ed25519 sign, all cores", "sig/s", d, func() error {
		ed25519.Sign(priv, message)
		return nil
	})
	r.P50ms, r.P99ms = 0, 0
	return r
}

// Verify measures Ed25519 verifications per second on all cores.
func Verify(d time.Duration) Result {
	priv := ed25519.NewKeyFromSeed(make([]byte, 32))
	pub := priv.Public().(ed25519.PublicKey)
	sig := ed25519.Sign(priv, message)
	r := cpuBound("ceiling: Ed25519 verify, all cores", "verif/s", d, func() error {
		if !ed25519.Verify(pub, message, sig) {
			return errors.New("bad signature")
		}
		return nil
	})
	r.P50ms, r.P99ms = 0, 0
	return r
}

// QREncode measures QR encodings of code (level M, as labels use) per
// second on all cores.
func QREncode(d time.Duration, code string) Result {
	r := cpuBound("ceiling: QR encode (go-qrcode), all cores", "codes/s", d, func() error {
		q, err := qrcode.New(code, qrcode.Medium)
		if err != nil {
			return err
		}
		_ = q.Bitmap()
		return nil
	})
	r.P50ms, r.P99ms = 0, 0
	return r
}

// BoltInserts measures durable bbolt inserts, 1,000 keys of valueSize
// bytes per transaction, in a fresh file under dir.
func BoltInserts(d time.Duration, dir string, valueSize int) (Result, error) {
	db, err := bolt.Open(filepath.Join(dir, "ceiling.db"), 0o600, nil)
	if err != nil {
		return Result{}, err
	}
	defer db.Close()
	value := make([]byte, valueSize)
	var next uint64
	r := Closed(context.Background(), "ceiling: bbolt insert, 1,000 keys/tx", "keys/s", 1, d, func(context.Context, int) (int, error) {
		err := db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("k"))
			if err != nil {
				return err
			}
			for range 1000 {
				next++
				if err := b.Put(binary.BigEndian.AppendUint64(nil, next), value); err != nil {
					return err
				}
			}
			return nil
		})
		return 1000, err
	})
	r.P50ms, r.P99ms = 0, 0
	return r, nil
}

// Serial combines ceilings of work done one after the other for each unit
// (sign a stamp, then store it): 1 / (1/a + 1/b).
func Serial(name string, cs ...Result) Result {
	var inv float64
	for _, c := range cs {
		inv += 1 / c.Rate
	}
	return Result{Name: name, Rate: 1 / inv, Unit: cs[0].Unit}
}
