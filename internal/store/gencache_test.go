package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/record"
)

// Stamp serves batches, products and producers from a cache; every write
// shows in the next read after it returns, while readers run all along
// (and under -race, reading shared records never races with a write).
func TestStampSeesEveryWriteDespiteTheCache(t *testing.T) {
	s, _ := newStore(t)
	seed(t, s, "A", "A1")
	b, _, err := s.IssueBatch(ctx, "r1", "A1", at(t0), planOf(10), issued)
	if err != nil {
		t.Fatal(err)
	}
	defer readAllAlong(t, func() error {
		rec, err := s.Stamp(ctx, b.Id, 3)
		if err == nil {
			_ = rec.Product.GetName() + rec.Producer.GetName() + rec.Batch.GetLot()
		}
		return err
	})()

	for i, grade := range []int32{5, 3, 4, 5} {
		if _, err := s.UpdateProduct(ctx, "A1", at(t0), func(p *estampv1.Product) (audit.Entry, error) {
			p.StarGrade = grade
			return said(audit.CertificateRenew, "A1"), nil
		}); err != nil {
			t.Fatal(err)
		}
		rec, err := s.Stamp(ctx, b.Id, 3)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Product.StarGrade != grade {
			t.Fatalf("update %d: Stamp shows grade %d, want %d", i, rec.Product.StarGrade, grade)
		}
	}
	// A failed write changes nothing, cached or not.
	boom := errors.New("boom")
	if _, err := s.UpdateProduct(ctx, "A1", at(t0), func(p *estampv1.Product) (audit.Entry, error) {
		p.StarGrade = 3
		return said(audit.CertificateRenew, "A1"), boom
	}); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if rec, _ := s.Stamp(ctx, b.Id, 3); rec.Product.StarGrade != 5 {
		t.Errorf("after a failed update: grade %d, want 5", rec.Product.StarGrade)
	}
	// Scans leave the cached records as they are, and show.
	if _, err := s.RecordScans(ctx, []record.Scan{{Serial: 3, Time: t0}}, counted); err != nil {
		t.Fatal(err)
	}
	if rec, _ := s.Stamp(ctx, b.Id, 3); rec.State.GetScanCount() != 1 || rec.Product.StarGrade != 5 {
		t.Errorf("after a scan: count %d grade %d", rec.State.GetScanCount(), rec.Product.StarGrade)
	}
	// A recall of the batch shows at once.
	if _, _, _, err := s.RevokeStamps(ctx, record.Revocation{BatchID: b.Id, Reason: "lô lỗi", Change: at(t0)}, revoked); err != nil {
		t.Fatal(err)
	}
	if rec, _ := s.Stamp(ctx, b.Id, 3); !rec.Batch.GetRevoked() {
		t.Error("the recalled batch reads as not revoked")
	}
}

// Token serves tokens from a cache: a revocation shows in the very next
// read, while other callers read the token all along, and a token made
// after a miss is found.
func TestTokenSeesRevocationDespiteTheCache(t *testing.T) {
	s, _ := newStore(t)
	seed(t, s, "P", "P1")
	if _, err := s.Token(ctx, "t1"); !isNotFound(err) {
		t.Fatalf("Token before it exists: %v", err)
	}
	rec := &storagev1.TokenRecord{Id: "t1", Role: int32(estampv1.Role_ROLE_PRODUCER), ProducerId: "P", SecretSha256: []byte{1, 2, 3}}
	if err := s.CreateToken(ctx, rec, at(t0), said(audit.TokenCreate, "t1")); err != nil {
		t.Fatal(err)
	}
	defer readAllAlong(t, func() error {
		if got, err := s.Token(ctx, "t1"); err != nil || got.ProducerId != "P" {
			return fmt.Errorf("Token = %v, %v", got, err)
		}
		return nil
	})()
	for range 3 {
		if got, err := s.Token(ctx, "t1"); err != nil || got.RevokeUnixNano != 0 {
			t.Fatalf("before revocation: %v, %v", got, err)
		}
	}
	if _, err := s.RevokeToken(ctx, "t1", at(t0.Add(time.Hour)), said(audit.TokenRevoke, "t1")); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Token(ctx, "t1"); err != nil || got.RevokeUnixNano != t0.Add(time.Hour).UnixNano() {
		t.Fatalf("the read after RevokeToken returned: %v, %v; want it revoked", got, err)
	}
}

// readAllAlong runs read on 4 goroutines, over and over, until the
// returned function is called (it waits for them): readers sharing cached
// records while the test writes. A read's error fails the test.
func readAllAlong(t *testing.T, read func() error) (stop func()) {
	done := make(chan struct{})
	var readers sync.WaitGroup
	for range 4 {
		readers.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				if err := read(); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	return func() { close(done); readers.Wait() }
}
