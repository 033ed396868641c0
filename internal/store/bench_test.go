package store_test

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ocopvn/estamp/internal/record"
	"github.com/ocopvn/estamp/internal/store"
)

// BenchmarkRecordScans measures one group commit of scans, without the
// fsync (NoSync), so that what the store does per scan shows: the stamp's
// state, and the counters of InsightService counted once a commit.
func BenchmarkRecordScans(b *testing.B) {
	const group = 256
	s, err := store.Open(filepath.Join(b.TempDir(), "estamp.db"), store.Options{NoSync: true, ManyScans: 5})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.CreateProducer(ctx, producer("P"), false, at(t0), said("producer.create", "P")); err != nil {
		b.Fatal(err)
	}
	if err := s.CreateProduct(ctx, product("A", "P"), at(t0), said("product.create", "A")); err != nil {
		b.Fatal(err)
	}
	for i := range 4 {
		if _, _, err := s.IssueBatch(ctx, string(rune('a'+i)), "A", at(t0), planOf(1000), issued); err != nil {
			b.Fatal(err)
		}
	}
	scans := make([]record.Scan, group)
	n := 0
	for b.Loop() {
		for i := range scans {
			n++
			scans[i] = record.Scan{Serial: uint64(n%4000) + 1, Time: t0.Add(time.Duration(n) * time.Second)}
		}
		if _, err := s.RecordScans(ctx, scans, counted); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*group), "ns/scan")
}

// BenchmarkScaleFootprint measures what docs/scale.md reckons with: a
// province's database after stamps are issued and each scanned once, with
// real fsyncs. It reports the file's bytes per scanned stamp, the scans a
// single writer commits per second in groups of 256 (one fsync each), and
// how long a backup (WriteTo) takes per MiB. Run it with
// go test -run '^$' -bench ScaleFootprint -benchtime 1x ./internal/store.
func BenchmarkScaleFootprint(b *testing.B) {
	const (
		batches  = 20
		perBatch = 10_000
		group    = 256
	)
	for b.Loop() {
		path := filepath.Join(b.TempDir(), "estamp.db")
		s, err := store.Open(path, store.Options{ManyScans: 5})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.CreateProducer(ctx, producer("P"), false, at(t0), said("producer.create", "P")); err != nil {
			b.Fatal(err)
		}
		if err := s.CreateProduct(ctx, product("A", "P"), at(t0), said("product.create", "A")); err != nil {
			b.Fatal(err)
		}
		for i := range batches {
			if _, _, err := s.IssueBatch(ctx, string(rune('a'+i)), "A", at(t0), planOf(perBatch), issued); err != nil {
				b.Fatal(err)
			}
		}
		before, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		scans := make([]record.Scan, 0, group)
		total := batches * perBatch
		for serial := 1; serial <= total; serial++ {
			scans = append(scans, record.Scan{Serial: uint64(serial), Time: t0.Add(time.Duration(serial) * time.Millisecond)})
			if len(scans) == group || serial == total {
				if _, err := s.RecordScans(ctx, scans, counted); err != nil {
					b.Fatal(err)
				}
				scans = scans[:0]
			}
		}
		scanTime := time.Since(start)
		after, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		n, err := s.WriteTo(ctx, io.Discard, func(int64) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		backup := time.Since(start)
		s.Close()
		b.ReportMetric(float64(after.Size()-before.Size())/float64(total), "file-bytes/scanned-stamp")
		b.ReportMetric(float64(after.Size())/float64(total), "file-bytes/stamp")
		b.ReportMetric(float64(total)/scanTime.Seconds(), "scans/s")
		b.ReportMetric(backup.Seconds()/(float64(n)/(1<<20)), "backup-s/MiB")
	}
}

// BenchmarkFreelist compares bbolt's free-page list settings the way
// verification writes: groups of 256 scans of random stamps among 200,000,
// each group one commit with real fsyncs, after every stamp has a state
// (the file has grown and freed pages). Issue 17 asked whether
// FreelistType map or NoFreelistSync helps; the README keeps the answer.
func BenchmarkFreelist(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts store.Options
	}{
		{"array", store.Options{}},
		{"map", store.Options{Freelist: "map"}},
		{"map-nosync", store.Options{Freelist: "map", NoFreelistSync: true}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			const (
				stamps = 200_000
				group  = 256
			)
			tc.opts.ManyScans = 5
			s, err := store.Open(filepath.Join(b.TempDir(), "estamp.db"), tc.opts)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if err := s.CreateProducer(ctx, producer("P"), false, at(t0), said("producer.create", "P")); err != nil {
				b.Fatal(err)
			}
			if err := s.CreateProduct(ctx, product("A", "P"), at(t0), said("product.create", "A")); err != nil {
				b.Fatal(err)
			}
			for i := range stamps / 10_000 {
				if _, _, err := s.IssueBatch(ctx, string(rune('a'+i)), "A", at(t0), planOf(10_000), issued); err != nil {
					b.Fatal(err)
				}
			}
			scans := make([]record.Scan, group)
			n := 0
			commit := func(serial func(i int) uint64) {
				for i := range scans {
					n++
					scans[i] = record.Scan{Serial: serial(i), Time: t0.Add(time.Duration(n) * time.Millisecond)}
				}
				if _, err := s.RecordScans(ctx, scans, counted); err != nil {
					b.Fatal(err)
				}
			}
			for first := 1; first <= stamps; first += group {
				commit(func(i int) uint64 { return uint64(min(first+i, stamps)) })
			}
			rng := uint64(1)
			b.ResetTimer()
			for b.Loop() {
				commit(func(int) uint64 {
					rng = rng*6364136223846793005 + 1442695040888963407
					return rng>>33%stamps + 1
				})
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*group), "ns/scan")
		})
	}
}
