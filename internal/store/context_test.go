package store_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/record"
	"github.com/ocopvn/estamp/internal/store"
)

// A call whose context is done is refused before its transaction starts:
// a write leaves nothing behind (no record, no serial, no audit entry),
// and a read returns the context's error rather than a record.
func TestCancelledContextIsRefusedBeforeAnyWrite(t *testing.T) {
	s, _ := newStore(t)
	seed(t, s, "A", "A1")
	if _, _, err := s.IssueBatch(ctx, "r1", "A1", at(t0), planOf(10), issued); err != nil {
		t.Fatal(err)
	}
	nextBefore, _ := s.NextSerial(ctx)
	auditBefore, _, _ := s.AuditEntries(ctx, 0, 100)

	done, cancel := context.WithCancel(context.Background())
	cancel()
	writes := map[string]func() error{
		"CreateProducer": func() error {
			return s.CreateProducer(done, producer("B"), false, at(t0), said(audit.ProducerCreate, "B"))
		},
		"CreateProduct": func() error {
			return s.CreateProduct(done, product("A2", "A"), at(t0), said(audit.ProductCreate, "A2"))
		},
		"IssueBatch": func() error {
			_, _, err := s.IssueBatch(done, "r2", "A1", at(t0), planOf(5), issued)
			return err
		},
		"RevokeStamps": func() error {
			_, _, _, err := s.RevokeStamps(done, record.Revocation{BatchID: 1, Reason: "x", Change: at(t0)}, revoked)
			return err
		},
		"RecordScans": func() error {
			_, err := s.RecordScans(done, []record.Scan{{Serial: 1, Time: t0}}, counted)
			return err
		},
		"ReviewFlag": func() error {
			_, err := s.ReviewFlag(done, 1, "", at(t0), func(store.Flag) audit.Entry { return said(audit.FlagReview, "1") })
			return err
		},
		"UpdateProduct": func() error {
			_, err := s.UpdateProduct(done, "A1", at(t0), func(p *estampv1.Product) (audit.Entry, error) {
				p.StarGrade = 5
				return said(audit.CertificateRenew, "A1"), nil
			})
			return err
		},
	}
	for name, write := range writes {
		if err := write(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: %v, want context.Canceled", name, err)
		}
	}
	if _, err := s.Producer(ctx, "B"); !errors.As(err, new(*ocop.NotFoundError)) {
		t.Errorf("producer B after a refused create: %v", err)
	}
	if _, err := s.Product(ctx, "A2"); !errors.As(err, new(*ocop.NotFoundError)) {
		t.Errorf("product A2 after a refused create: %v", err)
	}
	if p, _ := s.Product(ctx, "A1"); p.StarGrade != 4 {
		t.Errorf("refused update stored grade %d", p.StarGrade)
	}
	if b, _ := s.Batch(ctx, 1); b.Revoked {
		t.Error("refused revocation revoked batch 1")
	}
	if rec, _ := s.Stamp(ctx, 1, 1); rec.State.GetScanCount() != 0 {
		t.Errorf("refused scan counted: %d", rec.State.GetScanCount())
	}
	if next, _ := s.NextSerial(ctx); next != nextBefore {
		t.Errorf("next serial %d after a refused issue, want %d", next, nextBefore)
	}
	if after, _, _ := s.AuditEntries(ctx, 0, 100); len(after) != len(auditBefore) {
		t.Errorf("%d audit entries after refused writes, want %d", len(after), len(auditBefore))
	}

	reads := map[string]func() error{
		"Producer": func() error { _, err := s.Producer(done, "A"); return err },
		"Products": func() error { _, _, err := s.Products(done, "", "", 10); return err },
		"Batch":    func() error { _, err := s.Batch(done, 1); return err },
		"Stamp":    func() error { _, err := s.Stamp(done, 1, 1); return err },
		"Revocations": func() error {
			_, _, _, err := s.Revocations(done, store.RevocationPage{Limit: 10})
			return err
		},
		"VerifyAudit": func() error { _, err := s.VerifyAudit(done); return err },
		"Overview":    func() error { _, err := s.Overview(done, 0, 1); return err },
		"ScanReport": func() error {
			_, err := s.ScanReport(done, store.ReportQuery{ProducerID: "A", From: 0, To: 1})
			return err
		},
		"Flags": func() error { _, _, err := s.Flags(done, store.FlagQuery{Limit: 10}); return err },
		"Deliveries": func() error {
			_, _, err := s.Deliveries(done, "R", 0, 10)
			return err
		},
		"Delivery": func() error { _, err := s.Delivery(done, "R", 1); return err },
		"Check":    func() error { return s.Check(done) },
	}
	for name, read := range reads {
		if err := read(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: %v, want context.Canceled", name, err)
		}
	}
}

// A write whose context is done while it waits for the writer's lock is
// refused once it has the lock, and leaves nothing behind.
func TestContextDoneWhileWaitingForTheWriterIsRefused(t *testing.T) {
	hold, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	s, err := store.Open(filepath.Join(t.TempDir(), "estamp.db"), store.Options{FailBeforeCommit: func() error {
		// The first commit after the signal below holds the lock.
		select {
		case <-hold:
			once.Do(func() { <-release })
		default:
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	close(hold)
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := s.CreateProducer(ctx, producer("A"), false, at(t0), said(audit.ProducerCreate, "A")); err != nil {
			t.Error(err)
		}
	})
	waiting, cancel := context.WithCancel(context.Background())
	refused := make(chan error, 1)
	time.Sleep(20 * time.Millisecond) // let A take the lock
	wg.Go(func() {
		refused <- s.CreateProducer(waiting, producer("B"), false, at(t0), said(audit.ProducerCreate, "B"))
	})
	time.Sleep(20 * time.Millisecond) // let B wait for it
	cancel()
	close(release)
	wg.Wait()
	if err := <-refused; !errors.Is(err, context.Canceled) {
		t.Errorf("write cancelled while waiting: %v, want context.Canceled", err)
	}
	if _, err := s.Producer(ctx, "B"); !errors.As(err, new(*ocop.NotFoundError)) {
		t.Errorf("producer B: %v, want not found", err)
	}
	if _, err := s.Producer(ctx, "A"); err != nil {
		t.Errorf("producer A, whose caller waited: %v", err)
	}
}

// A backup stops when its context is done mid-copy.
func TestWriteToStopsWhenTheContextIsDone(t *testing.T) {
	s, _ := newStore(t)
	seed(t, s, "A", "A1")
	copying, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &cancelAfter{n: 1, cancel: cancel}
	if _, err := s.WriteTo(copying, w, func(int64) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("WriteTo cancelled mid-copy: %v, want context.Canceled", err)
	}
	var whole bytes.Buffer
	if _, err := s.WriteTo(ctx, &whole, func(int64) error { return nil }); err != nil || whole.Len() == 0 {
		t.Errorf("WriteTo = %d bytes, %v", whole.Len(), err)
	}
}

// cancelAfter cancels its context after n writes.
type cancelAfter struct {
	n      int
	cancel func()
}

func (c *cancelAfter) Write(p []byte) (int, error) {
	if c.n--; c.n == 0 {
		c.cancel()
	}
	return len(p), nil
}
