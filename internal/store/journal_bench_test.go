package store_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ocopvn/estamp/internal/cputime"
	"github.com/ocopvn/estamp/internal/keys"
	"github.com/ocopvn/estamp/internal/record"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/store"
	"github.com/ocopvn/estamp/internal/verify"
)

// benchStamps is how many scanned stamps BenchmarkScanRecording's
// database holds: ESTAMP_BENCH_STAMPS, 200,000 when unset (issue 17
// measures 5,000,000).
func benchStamps(b *testing.B) int {
	if n, err := strconv.Atoi(os.Getenv("ESTAMP_BENCH_STAMPS")); err == nil && n > 0 {
		return n
	}
	return 200_000
}

// preloadedDB returns a database of n stamps, each scanned once, built by
// store.Preload. With ESTAMP_BENCH_DB set to a directory it is kept there
// between runs (building 5 million stamps takes minutes).
func preloadedDB(b *testing.B, n int) string {
	b.Helper()
	dir := os.Getenv("ESTAMP_BENCH_DB")
	if dir == "" {
		dir = b.TempDir()
	}
	path := filepath.Join(dir, fmt.Sprintf("preloaded-%d.db", n))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp := path + ".building"
	os.Remove(tmp)
	s, err := store.Open(tmp, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.CreateProducer(ctx, producer("P"), false, at(t0), said("producer.create", "P")); err != nil {
		b.Fatal(err)
	}
	if err := s.CreateProduct(ctx, product("A", "P"), at(t0), said("product.create", "A")); err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	key := keys.FromPrivateKey(ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)), t0)
	prefix, err := stampcode.URLPrefix("https://tem.ocop.example.vn")
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if _, err := store.Preload(ctx, tmp, n, store.PreloadOptions{
		ProductID: "A", KeyID: key.ID.String(), BaseURL: prefix, At: t0, Count: verify.CountScan,
		Options: store.Options{ManyScans: 5},
	}); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	b.Logf("preloaded %d stamps in %v", n, time.Since(start).Round(time.Second))
	return path
}

// copyDB copies the database at src into dir, synced, so that the copy's
// writeback does not land in the measurement.
func copyDB(b *testing.B, src, dir string) string {
	b.Helper()
	dst := filepath.Join(dir, "estamp.db")
	in, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Sync(); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
	return dst
}

// scanModes are the ways of recording scans BenchmarkScanRecording
// compares: a bbolt commit per group (before issue 17), and the journal.
var scanModes = []struct {
	name string
	opts func() store.Options
}{
	{"direct", func() store.Options { return store.Options{ManyScans: 5} }},
	{"journal", func() store.Options {
		return store.Options{ManyScans: 5, Journal: &store.Journal{Count: verify.CountScan}}
	}},
}

// BenchmarkScanRecording measures durable scan recording on a database of
// benchStamps scanned stamps (ESTAMP_BENCH_STAMPS), with real fsyncs, of
// random stamps, the way verification records them: 64 callers each
// recording one scan after another through a verify.Recorder (group
// commit), as Verify does at 64 callers. It reports the scans recorded a
// second, the callers' p50 and p99 wait, and, with the journal, the rate
// counting the fold of what is left unfolded at the end (Close folds it):
// the journal must not merely postpone the work. Run it with
//
//	ESTAMP_BENCH_STAMPS=5000000 ESTAMP_BENCH_DB=/var/tmp go test -run '^$' -bench ScanRecording -benchtime 20000x ./internal/store
//
// The "read" cases read each stamp first, as Verify does (Store.Stamp):
// "read-again" without handing the read on, so that the committer reads
// every stamp of a group again, and "read-handed-on" with it
// (record.Scan.Read), so that the committer answers from it.
func BenchmarkScanRecording(b *testing.B) {
	golden := preloadedDB(b, benchStamps(b))
	first, last := uint64(1), uint64(benchStamps(b))
	type read int
	const (
		noRead read = iota
		readAgain
		readHandedOn
	)
	direct, journal := scanModes[0], scanModes[1]
	cases := []struct {
		name string
		opts func() store.Options
		read read
	}{
		{direct.name, direct.opts, noRead},
		{journal.name, journal.opts, noRead},
		{journal.name + "/read-again", journal.opts, readAgain},
		{journal.name + "/read-handed-on", journal.opts, readHandedOn},
	}
	for _, mode := range cases {
		b.Run(mode.name, func(b *testing.B) {
			const callers = 64
			dir := b.TempDir()
			path := copyDB(b, golden, dir)
			s, err := store.Open(path, mode.opts())
			if err != nil {
				b.Fatal(err)
			}
			rec := verify.NewRecorder(s, 1024)
			var (
				mu    sync.Mutex
				waits []time.Duration
				next  = make(chan struct{}, callers)
			)
			start := time.Now()
			var wg sync.WaitGroup
			for w := range callers {
				wg.Go(func() {
					rng := uint64(w + 1)
					var mine []time.Duration
					for range next {
						rng = rng*6364136223846793005 + 1442695040888963407
						serial := first + rng>>33%(last-first+1)
						t := time.Now()
						scan := record.Scan{Serial: serial, Time: t0.Add(time.Since(start))}
						if mode.read != noRead {
							// Preload's batches hold 100,000 stamps each.
							st, err := s.Stamp(ctx, (serial-1)/100_000+1, serial)
							if err != nil {
								b.Error(err)
								return
							}
							if mode.read == readHandedOn {
								scan.Read = st.Read
							}
						}
						if _, err := rec.Record(context.Background(), scan); err != nil {
							b.Error(err)
							return
						}
						mine = append(mine, time.Since(t))
					}
					mu.Lock()
					waits = append(waits, mine...)
					mu.Unlock()
				})
			}
			b.ResetTimer()
			for b.Loop() {
				next <- struct{}{}
			}
			close(next)
			wg.Wait()
			recorded := time.Since(start)
			rec.Close()
			unfolded := s.Unfolded()
			if err := s.Close(); err != nil {
				b.Fatal(err)
			}
			all := time.Since(start)
			slices.Sort(waits)
			b.ReportMetric(float64(len(waits))/recorded.Seconds(), "scans/s")
			b.ReportMetric(float64(len(waits))/all.Seconds(), "scans/s-with-fold")
			b.ReportMetric(float64(waits[len(waits)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(waits[len(waits)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(unfolded), "unfolded-at-end")
		})
	}
}

// BenchmarkScanGroup measures one group of 64 scans of random stamps
// recorded by one caller after another (RecordScans, real fsyncs) on the
// same database: what one group commit costs, without the queueing of
// BenchmarkScanRecording. The journal's rate counts the folds (in the
// background, and the last one in Close).
func BenchmarkScanGroup(b *testing.B) {
	golden := preloadedDB(b, benchStamps(b))
	n := uint64(benchStamps(b))
	for _, mode := range scanModes {
		b.Run(mode.name, func(b *testing.B) {
			const group = 64
			path := copyDB(b, golden, b.TempDir())
			s, err := store.Open(path, mode.opts())
			if err != nil {
				b.Fatal(err)
			}
			scans := make([]record.Scan, group)
			rng, k := uint64(1), 0
			start := time.Now()
			for b.Loop() {
				for i := range scans {
					rng = rng*6364136223846793005 + 1442695040888963407
					k++
					scans[i] = record.Scan{Serial: rng>>33%n + 1, Time: t0.Add(time.Duration(k) * time.Millisecond)}
				}
				if _, err := s.RecordScans(ctx, scans, verify.CountScan); err != nil {
					b.Fatal(err)
				}
			}
			recorded := time.Since(start)
			if err := s.Close(); err != nil {
				b.Fatal(err)
			}
			all := time.Since(start)
			b.ReportMetric(float64(b.N*group)/recorded.Seconds(), "scans/s")
			b.ReportMetric(float64(b.N*group)/all.Seconds(), "scans/s-with-fold")
		})
	}
}

// BenchmarkSettle measures what recent states defer: settling 100,000
// recent states of random stamps into a database of benchStamps settled
// ones (ESTAMP_BENCH_STAMPS; issue 17 measures 5,000,000), in CPU time and
// in wall time a state, fsyncs included. A state is settled once for all
// the writes it had while recent. Run it with
//
//	ESTAMP_BENCH_STAMPS=5000000 ESTAMP_BENCH_DB=/var/tmp go test -run '^$' -bench Settle -benchtime 1x ./internal/store
func BenchmarkSettle(b *testing.B) {
	golden := preloadedDB(b, benchStamps(b))
	n := uint64(benchStamps(b))
	const recent = 100_000
	for range b.N {
		b.StopTimer()
		path := copyDB(b, golden, b.TempDir())
		s, err := store.Open(path, store.Options{RecentStates: 1 << 30})
		if err != nil {
			b.Fatal(err)
		}
		rng := uint64(1)
		scans := make([]record.Scan, 0, 1024)
		for i := range recent {
			rng = rng*6364136223846793005 + 1442695040888963407
			scans = append(scans, record.Scan{Serial: rng>>33%n + 1, Time: t0.Add(time.Duration(i) * time.Millisecond)})
			if len(scans) == cap(scans) || i == recent-1 {
				if _, err := s.RecordScans(ctx, scans, verify.CountScan); err != nil {
					b.Fatal(err)
				}
				scans = scans[:0]
			}
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		if s, err = store.Open(path, store.Options{RecentStates: 1}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		cpu0, ok := cputime.Process()
		start := time.Now()
		if err := s.SettleStates(ctx); err != nil {
			b.Fatal(err)
		}
		wall := time.Since(start)
		cpu1, _ := cputime.Process()
		b.StopTimer()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		if ok {
			b.ReportMetric(float64((cpu1-cpu0).Nanoseconds())/recent/1000, "cpu-µs/state")
		}
		b.ReportMetric(float64(wall.Nanoseconds())/recent/1000, "wall-µs/state")
	}
}
