package server_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/server"
	"github.com/ocopvn/estamp/internal/store"
)

// A disk error while a batch commits reaches the caller as an error, with
// the cause only in the log, and leaves the database as it was: no batch,
// no serials used, no audit entry. The retry then issues normally.
func TestIssuanceSurvivesAFailingDisk(t *testing.T) {
	e, failing, logs := startOnFailingDisk(t, syscall.EIO)
	e.seedRegistry(t)
	ctx := context.Background()
	first := e.issue(t, "NEM-CHUA", 5, "ok-1")
	nextBefore, _ := e.srv.Store.NextSerial(ctx)
	auditBefore, _ := e.Admin.ListAuditEntries(ctx, &estampv1.ListAuditEntriesRequest{})

	failing.Store(true)
	req := &estampv1.IssueStampsRequest{ProductId: "NEM-CHUA", Lot: "L-2026-11", ProductionDate: "2026-11-20", Quantity: 50, RequestId: "during-failure"}
	var header metadata.MD
	_, err := e.Issuance.IssueStamps(ctx, req, grpc.Header(&header))
	if status.Code(err) != codes.Internal || strings.Contains(status.Convert(err).Message(), "input/output") {
		t.Fatalf("issue on a failing disk: %v (want Internal without the cause)", err)
	}
	// The cause is logged with the request id the caller got back.
	id := header.Get("x-request-id")
	if len(id) != 1 || !strings.Contains(logs.String(), "request_id="+id[0]+" err=") || !strings.Contains(logs.String(), "input/output error") {
		t.Errorf("the cause is not logged with request id %v:\n%s", id, logs.String())
	}
	// Revocations fail the same way, without effect. A verification still
	// answers with its verdict (the README promises a verdict, never an
	// error), saying that its scan was not recorded.
	if _, err := e.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: wholeBatch(first.Batch.Id), Reason: "x"}); status.Code(err) != codes.Internal {
		t.Errorf("revoke on a failing disk: %v", err)
	}
	if v, err := e.Verification.Verify(ctx, &estampv1.VerifyRequest{Code: first.Stamps[0].Code}); err != nil || v.Verdict != estampv1.Verdict_VERDICT_GENUINE || !slices.Contains(v.Warnings, estampv1.VerifyWarning_VERIFY_WARNING_SCAN_NOT_RECORDED) {
		t.Errorf("verify on a failing disk: %v, %v", v, err)
	}
	failing.Store(false)

	if err := e.srv.Store.Check(ctx); err != nil {
		t.Fatalf("bbolt check after the failures: %v", err)
	}
	if next, _ := e.srv.Store.NextSerial(ctx); next != nextBefore {
		t.Errorf("next serial moved from %d to %d", nextBefore, next)
	}
	list, _ := e.Issuance.ListBatches(ctx, &estampv1.ListBatchesRequest{ProductId: "NEM-CHUA"})
	if len(list.Batches) != 1 {
		t.Errorf("%d batches after a failed issue", len(list.Batches))
	}
	auditAfter, _ := e.Admin.ListAuditEntries(ctx, &estampv1.ListAuditEntriesRequest{})
	if len(auditAfter.Entries) != len(auditBefore.Entries) {
		t.Errorf("audit entries %d -> %d across failed changes", len(auditBefore.Entries), len(auditAfter.Entries))
	}
	if v := e.verify(t, first.Stamps[0].Code); v.Verdict != estampv1.Verdict_VERDICT_GENUINE || v.Scans.GetScanCount() != 1 {
		t.Errorf("after the failures: %v, %d scans (the failed scan must not count)", v.Verdict, v.Scans.GetScanCount())
	}
	retry, err := e.Issuance.IssueStamps(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if retry.Batch.FirstSerial != nextBefore {
		t.Errorf("retry starts at serial %d, want %d", retry.Batch.FirstSerial, nextBefore)
	}
	if v := e.verify(t, e.stamps(t, retry.Batch.Id)[49].Code); v.Verdict != estampv1.Verdict_VERDICT_GENUINE {
		t.Errorf("retried batch: %v", v.Verdict)
	}
}

// startOnFailingDisk starts a server whose every commit fails with errno,
// as a write to a failing disk would, while the returned flag is set; its
// log goes to the returned buffer.
func startOnFailingDisk(t *testing.T, errno syscall.Errno) (*env, *atomic.Bool, *syncBuffer) {
	t.Helper()
	failing, logs := new(atomic.Bool), new(syncBuffer)
	e := startAt(t, t.TempDir(), "http://localhost:8080", 0, func(c *server.Config) {
		c.Log = slog.New(slog.NewTextHandler(logs, nil))
		c.Store = store.Options{FailBeforeCommit: func() error {
			if failing.Load() {
				return &diskError{errno}
			}
			return nil
		}}
	})
	return e, failing, logs
}

type diskError struct{ errno syscall.Errno }

func (e *diskError) Error() string { return "write estamp.db: " + e.errno.Error() }
func (e *diskError) Unwrap() error { return e.errno }
