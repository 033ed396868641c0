package server_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/client"
	"github.com/ocopvn/estamp/internal/server"
	"github.com/ocopvn/estamp/internal/store"
)

// backup fetches a whole snapshot, as the CLI does.
func backup(ctx context.Context, adm estampv1.AdminServiceClient) ([]byte, error) {
	var buf bytes.Buffer
	if _, err := client.Backup(ctx, adm, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// A backup taken while batches are being issued restores to a server that
// verifies every stamp acknowledged before the backup began.
func TestBackupWhileIssuing(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	ctx := context.Background()

	var (
		mu    sync.Mutex
		acked []*issued
		stop  = make(chan struct{})
		wg    sync.WaitGroup
	)
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := e.Issuance.IssueStamps(ctx, &estampv1.IssueStampsRequest{ProductId: "NEM-CHUA", Lot: "L", ProductionDate: "2026-11-20",
					Quantity: 200, RequestId: fmt.Sprintf("w%d-%d", w, i)})
				if err != nil {
					t.Error(err)
					return
				}
				msgs, err := streamStamps(ctx, e.Issuance, &estampv1.StreamStampsRequest{BatchId: resp.Batch.Id})
				if err != nil {
					t.Error(err)
					return
				}
				b := &issued{Batch: resp.Batch}
				for _, m := range msgs {
					b.Stamps = append(b.Stamps, m.Stamps...)
				}
				mu.Lock()
				acked = append(acked, b)
				mu.Unlock()
			}
		}()
	}
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 10 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	before := append([]*issued(nil), acked...)
	mu.Unlock()
	snapshot, err := backup(ctx, e.Admin)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	during := len(acked) - len(before)
	mu.Unlock()
	close(stop)
	wg.Wait()
	t.Logf("%d batches acknowledged before the backup, %d while it ran, %d bytes", len(before), during, len(snapshot))

	dir := t.TempDir()
	if err := os.WriteFile(server.DBPath(dir), snapshot, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(server.DBPath(dir), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Check(ctx); err != nil {
		t.Fatalf("bbolt check of the backup: %v", err)
	}
	st.Close()
	// The operator keeps the admin token; tokens are in the backup.
	token, err := os.ReadFile(server.AdminTokenPath(e.dataDir))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(server.AdminTokenPath(dir), token, 0o600); err != nil {
		t.Fatal(err)
	}
	restored := startAt(t, dir, "http://localhost:8080", 0)
	for _, b := range before {
		for _, s := range []*estampv1.Stamp{b.Stamps[0], b.Stamps[len(b.Stamps)-1]} {
			if v := restored.verify(t, s.Code); v.Verdict != estampv1.Verdict_VERDICT_GENUINE {
				t.Fatalf("batch %d, serial %d after restore: %v", b.Batch.Id, s.Serial, v.Verdict)
			}
		}
	}
	audit, err := restored.Admin.VerifyAuditLog(ctx, &estampv1.VerifyAuditLogRequest{})
	if err != nil || !audit.Intact {
		t.Errorf("audit log of the backup: %v %v", audit, err)
	}
}

// A backup holds the scans the journal has not folded yet: verifications
// acknowledged before the backup count in the restored database, which
// needs no journal beside it.
func TestBackupHoldsUnfoldedScans(t *testing.T) {
	e := startAt(t, t.TempDir(), "http://localhost:8080", 0, func(c *server.Config) {
		// No fold before the backup but the backup's own.
		c.Store.Journal = &store.Journal{FoldEvery: time.Hour, FoldScans: 1 << 20}
	})
	e.seedRegistry(t)
	ctx := context.Background()
	b := e.issue(t, "NEM-CHUA", 5, "scanned")
	for range 3 {
		e.verify(t, b.Stamps[0].Code)
	}
	e.verify(t, b.Stamps[4].Code)
	if n := e.srv.Store.Unfolded(); n != 4 {
		t.Fatalf("%d scans unfolded before the backup, want 4", n)
	}
	snapshot, err := backup(ctx, e.Admin)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(server.DBPath(dir), snapshot, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(server.DBPath(dir), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, want := range []struct {
		serial uint64
		scans  uint64
	}{{b.Stamps[0].Serial, 3}, {b.Stamps[4].Serial, 1}, {b.Stamps[2].Serial, 0}} {
		rec, err := st.StampOf(ctx, want.serial)
		if err != nil {
			t.Fatal(err)
		}
		if n := rec.State.GetScanCount(); n != want.scans {
			t.Errorf("stamp %d in the backup: %d scans, want %d", want.serial, n, want.scans)
		}
	}
}
