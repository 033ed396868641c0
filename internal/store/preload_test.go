package store_test

import (
	"crypto/ed25519"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/keys"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/store"
	"github.com/ocopvn/estamp/internal/verify"
)

// Preloaded stamps are what the server then serves: each verifies GENUINE
// through the verification service on the reopened store, with the scans
// preloaded plus this one, and the insight counters count them.
func TestPreloadStampsVerifyGenuineWithTheirScans(t *testing.T) {
	dir := t.TempDir()
	path, hwm := filepath.Join(dir, "estamp.db"), filepath.Join(dir, "estamp.hwm")
	s, err := store.Open(path, store.Options{HighWaterPath: hwm})
	if err != nil {
		t.Fatal(err)
	}
	seed(t, s, "P", "A")
	// A batch issued before: the preloaded serials come after its.
	if _, _, err := s.IssueBatch(ctx, "before", "A", at(t0), planOf(10), issued); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	key := keys.FromPrivateKey(ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)), t0)
	const base = "https://tem.ocop.example.vn"
	prefix, err := stampcode.URLPrefix(base)
	if err != nil {
		t.Fatal(err)
	}
	scannedAt := t0.Add(time.Hour)
	var progress []int
	got, err := store.Preload(ctx, path, 2500, store.PreloadOptions{
		Options:   store.Options{HighWaterPath: hwm},
		ProductID: "A", KeyID: key.ID.String(), BaseURL: prefix,
		BatchSize: 1000, Scans: 2, At: scannedAt, Count: verify.CountScan,
		Progress: func(n int) { progress = append(progress, n) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Batches) != 3 || got.Batches[0].FirstSerial != 11 || got.Batches[2].Quantity != 500 ||
		got.Batches[2].FirstSerial+uint64(got.Batches[2].Quantity) != 2511 || len(progress) != 3 || progress[2] != 2500 {
		t.Fatalf("batches %v, progress %v", got.Batches, progress)
	}

	s, err = store.Open(path, store.Options{HighWaterPath: hwm})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if next, err := s.NextSerial(ctx); err != nil || next != 2511 {
		t.Errorf("next serial %d, %v; want 2511", next, err)
	}
	rec := verify.NewRecorder(s, 16)
	defer rec.Close()
	now := scannedAt.Add(time.Minute)
	ver, err := verify.New(s, rec, keys.NewRing(key), []string{base}, func() time.Time { return now }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	validUntil, err := time.Parse(time.DateOnly, got.Batches[0].ValidUntil)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range got.Batches {
		for _, serial := range []uint64{b.FirstSerial, b.FirstSerial + uint64(b.Quantity)/2, b.FirstSerial + uint64(b.Quantity) - 1} {
			code, err := key.Issuer.Sign(b.BaseUrl, stampcode.Claims{Serial: serial, ProductNumber: got.Product.Number, BatchID: uint32(b.Id), StarGrade: uint8(b.StarGrade), ValidUntil: validUntil})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := ver.Verify(ctx, &estampv1.VerifyRequest{Code: code})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Verdict != estampv1.Verdict_VERDICT_GENUINE || resp.GetScans().GetScanCount() != 3 ||
				!resp.GetScans().GetFirstScanTime().AsTime().Equal(scannedAt) {
				t.Errorf("serial %d: %v, scans %v; want GENUINE, 2 preloaded + this one, first at %v", serial, resp.Verdict, resp.GetScans(), scannedAt)
			}
		}
	}
	stamp, err := s.Stamp(ctx, got.Batches[1].Id, got.Batches[1].FirstSerial+1)
	if err != nil || stamp.State.GetScanCount() != 2 {
		t.Fatalf("an untouched preloaded stamp: %v", err)
	}

	// The counters InsightService reports: each preloaded stamp's two
	// scans, under its batch and day, plus the three just now per batch.
	day := ocop.Day(scannedAt)
	r, err := s.ScanReport(ctx, store.ReportQuery{ProducerID: "P", From: day, To: day, MaxBatches: 10})
	if err != nil {
		t.Fatal(err)
	}
	preloaded := 0
	for _, b := range r.Batches {
		if b.Batch.Lot != "PRELOAD" {
			continue
		}
		preloaded++
		if q := uint64(b.Batch.Quantity); b.Scans != 2*q+3 || b.Scanned != q {
			t.Errorf("batch %d: %d scans of %d stamps, want %d of %d", b.Batch.Id, b.Scans, b.Scanned, 2*q+3, q)
		}
	}
	if preloaded != 3 {
		t.Errorf("%d preloaded batches in the report, want 3", preloaded)
	}
	if d := r.Days[0]; d.Scans != 2*2500+9 || d.FirstScans != 2500 || d.StampsIssued != 2510 {
		t.Errorf("day: %+v", d)
	}
}
