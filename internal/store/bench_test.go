package store_test

import (
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
