package server_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/server"
	"github.com/ocopvn/estamp/internal/store"
	"github.com/ocopvn/estamp/internal/web"
)

// On a full disk, changes are refused with Unavailable and a message that
// says so, verification still answers with its verdict (and says the scan
// was not recorded, in a metric and a log line), and nothing acknowledged
// is lost.
func TestFullDiskKeepsVerdictsAndLosesNothing(t *testing.T) {
	e, full, logs := startOnFailingDisk(t, syscall.ENOSPC)
	e.seedRegistry(t)
	e.retailer(t, "SHOP")
	hs := httptest.NewServer(e.srv.HTTP)
	defer hs.Close()
	ctx := context.Background()
	acked := e.issue(t, "NEM-CHUA", 300, "before")
	e.verify(t, acked.Stamps[0].Code)

	full.Store(true)
	const fullMsg = "server storage is full, try again later"
	_, err := e.Issuance.IssueStamps(ctx, &estampv1.IssueStampsRequest{ProductId: "NEM-CHUA", Lot: "L", ProductionDate: "2026-11-20", Quantity: 5, RequestId: "during"})
	wantCode(t, err, codes.Unavailable, fullMsg)
	_, err = e.Custody.ReceiveDelivery(ctx, &estampv1.ReceiveDeliveryRequest{RetailerId: "SHOP", Codes: []string{acked.Stamps[1].Code}})
	wantCode(t, err, codes.Unavailable, fullMsg)
	_, err = e.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: wholeBatch(acked.Batch.Id), Reason: "x"})
	wantCode(t, err, codes.Unavailable, fullMsg)
	_, err = e.Registry.CreateRetailer(ctx, &estampv1.CreateRetailerRequest{Retailer: &estampv1.Retailer{Id: "SHOP-2", Name: "Cửa hàng 2", Address: &estampv1.Address{Province: "Thanh Hóa", Commune: "Xã Nga Sơn"}}})
	wantCode(t, err, codes.Unavailable, fullMsg)

	// 300 verifications at once all get their verdict.
	var wg sync.WaitGroup
	var failed, notRecorded atomic.Int64
	for _, s := range acked.Stamps {
		wg.Go(func() {
			v, err := e.Verification.Verify(ctx, &estampv1.VerifyRequest{Code: s.Code})
			switch {
			case err != nil || v.Verdict != estampv1.Verdict_VERDICT_GENUINE:
				failed.Add(1)
			case slices.Contains(v.Warnings, estampv1.VerifyWarning_VERIFY_WARNING_SCAN_NOT_RECORDED):
				notRecorded.Add(1)
			}
		})
	}
	wg.Wait()
	if failed.Load() != 0 || notRecorded.Load() != 300 {
		t.Errorf("on a full disk: %d verifications failed, %d of 300 say the scan was not recorded", failed.Load(), notRecorded.Load())
	}
	page := get(t, hs.URL+path(acked.Stamps[0].Code))
	if !strings.Contains(page.body, `class="verdict ok"`) || !strings.Contains(page.body, "chưa được ghi lại") || !strings.Contains(page.body, "Lần quét đầu") {
		t.Errorf("page on a full disk:\n%s", page.body)
	}
	if !strings.Contains(logs.String(), "scan not recorded") || !strings.Contains(logs.String(), "no space left on device") {
		t.Errorf("log lacks the unrecorded scan and its cause:\n%s", logs.String())
	}
	if m := get(t, hs.URL+"/metrics"); !strings.Contains(m.body, "estamp_scans_not_recorded_total 301") {
		t.Errorf("metric: %s", grepLines(m.body, "not_recorded"))
	}

	full.Store(false)
	if err := e.srv.Store.Check(ctx); err != nil {
		t.Fatal(err)
	}
	v := e.verify(t, acked.Stamps[0].Code)
	if v.Verdict != estampv1.Verdict_VERDICT_GENUINE || v.Scans.GetScanCount() != 2 || len(v.Warnings) != 0 {
		t.Errorf("after the disk has room: %v, %d scans, warnings %v (the acknowledged scan kept, the unrecorded ones not counted)", v.Verdict, v.Scans.GetScanCount(), v.Warnings)
	}
	if v := e.verify(t, acked.Stamps[299].Code); v.Verdict != estampv1.Verdict_VERDICT_GENUINE {
		t.Errorf("last acknowledged stamp: %v", v.Verdict)
	}
	if check, err := e.Admin.VerifyAuditLog(ctx, &estampv1.VerifyAuditLogRequest{}); err != nil || !check.Intact {
		t.Errorf("audit after the full disk: %v %v", check, err)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// Restoring a backup never hands out a serial or batch id twice: the
// high-water mark beside the database raises the counters, and the log
// says which range was skipped.
func TestRestoredBackupNeverReissuesSerials(t *testing.T) {
	dir := t.TempDir()
	e := startAt(t, dir, "http://localhost:8080", 0)
	e.seedRegistry(t)
	ctx := context.Background()
	before := e.issue(t, "NEM-CHUA", 10, "before-backup")
	snapshot, err := backup(ctx, e.Admin)
	if err != nil {
		t.Fatal(err)
	}
	after := e.issue(t, "NEM-CHUA", 10, "after-backup") // printed, then the disk dies
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(server.DBPath(dir), snapshot, 0o600); err != nil {
		t.Fatal(err)
	}

	var logs syncBuffer
	e = startAt(t, dir, "http://localhost:8080", 0, func(c *server.Config) { c.Log = slog.New(slog.NewTextHandler(&logs, nil)) })
	next := e.issue(t, "NEM-CHUA", 10, "after-restore")
	if next.Batch.Id <= after.Batch.Id || next.Batch.FirstSerial <= after.Stamps[9].Serial {
		t.Errorf("after the restore: batch %d from serial %d, but batch %d and serials %d-%d were handed out before",
			next.Batch.Id, next.Batch.FirstSerial, after.Batch.Id, after.Stamps[0].Serial, after.Stamps[9].Serial)
	}
	want := fmt.Sprintf("serials=%d-%d batch_ids=%d-%d", after.Stamps[0].Serial, after.Stamps[9].Serial, after.Batch.Id, after.Batch.Id)
	if !strings.Contains(logs.String(), want) {
		t.Errorf("log does not name the skipped range %q:\n%s", want, logs.String())
	}
	if v := e.verify(t, before.Stamps[3].Code); v.Verdict != estampv1.Verdict_VERDICT_GENUINE {
		t.Errorf("stamp from before the backup: %v", v.Verdict)
	}
	// A stamp issued after the backup is lost with it: its serial is
	// never someone else's.
	if v := e.verify(t, after.Stamps[0].Code); v.Verdict != estampv1.Verdict_VERDICT_NOT_ISSUED {
		t.Errorf("stamp issued after the backup: %v", v.Verdict)
	}

	// A clean restart settles the mark: nothing more is skipped.
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	logs = syncBuffer{}
	e = startAt(t, dir, "http://localhost:8080", 0, func(c *server.Config) { c.Log = slog.New(slog.NewTextHandler(&logs, nil)) })
	if again := e.issue(t, "NEM-CHUA", 1, "after-restart"); again.Batch.FirstSerial != next.Stamps[9].Serial+1 || again.Batch.Id != next.Batch.Id+1 {
		t.Errorf("after a clean restart: batch %d from serial %d, want %d from %d", again.Batch.Id, again.Batch.FirstSerial, next.Batch.Id+1, next.Stamps[9].Serial+1)
	}
	if strings.Contains(logs.String(), "skipping") {
		t.Errorf("a clean restart skipped serials:\n%s", logs.String())
	}
}

// Request ids belong to the producer: another producer may use the same
// one, and is never told about the first producer's batch.
func TestRequestIDsBelongToTheirProducer(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	ctx := context.Background()
	e.seedOtherProducer(t, "HTX-B")
	tokenB, err := e.Admin.CreateToken(ctx, &estampv1.CreateTokenRequest{Role: estampv1.Role_ROLE_PRODUCER, ProducerId: "HTX-B"})
	if err != nil {
		t.Fatal(err)
	}
	b := e.dial(t, tokenB.Secret)

	a := e.issue(t, "NEM-CHUA", 3, "order-1")
	req := &estampv1.IssueStampsRequest{ProductId: "CHIEU-COI", Lot: "C-1", ProductionDate: "2026-11-20", Quantity: 2, RequestId: "order-1"}
	got, err := b.Issuance.IssueStamps(ctx, req)
	if err != nil {
		t.Fatalf("producer B reusing A's request id: %v", err)
	}
	if got.Batch.Id == a.Batch.Id || got.Batch.ProductId != "CHIEU-COI" {
		t.Errorf("producer B got batch %d of %s", got.Batch.Id, got.Batch.ProductId)
	}
	retry, err := b.Issuance.IssueStamps(ctx, req)
	if err != nil || retry.Batch.Id != got.Batch.Id {
		t.Errorf("B's retry: %v, %v", retry.GetBatch().GetId(), err)
	}
	req.Quantity = 7
	_, err = b.Issuance.IssueStamps(ctx, req)
	wantCode(t, err, codes.FailedPrecondition, fmt.Sprintf("batch %d", got.Batch.Id))
	if strings.Contains(status.Convert(err).Message(), fmt.Sprintf("batch %d ", a.Batch.Id)) {
		t.Errorf("B is told about A's batch: %v", err)
	}
}

// Ids are unique whatever their letter case; free text refuses invisible
// formatting characters; a producer cannot have two products of one name.
func TestRegistryRefusesLookAlikes(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	ctx := context.Background()
	e.retailer(t, "SHOP-A")
	addr := &estampv1.Address{Province: "Thanh Hóa", Commune: "Xã Nga Sơn"}
	product := func(id, name string) *estampv1.CreateProductRequest {
		return &estampv1.CreateProductRequest{Product: &estampv1.Product{
			Id: id, ProducerId: "HTX-NEM-CHUA", Name: name, StarGrade: 3, Group: estampv1.ProductGroup_PRODUCT_GROUP_FOOD,
			Certificate: &estampv1.Certificate{DecisionNumber: "3/QĐ-UBND", DecisionDate: "2025-08-20"},
		}}
	}
	tests := []struct {
		name    string
		call    func() error
		code    codes.Code
		mention string
	}{
		{"product id in other case", func() error {
			_, err := e.Registry.CreateProduct(ctx, product("nem-chua", "Nem chua chay"))
			return err
		}, codes.AlreadyExists, `"NEM-CHUA"`},
		{"producer id in other case", func() error {
			_, err := e.Registry.CreateProducer(ctx, &estampv1.CreateProducerRequest{Producer: &estampv1.Producer{Id: "htx-nem-chua", Name: "X", Kind: estampv1.ProducerKind_PRODUCER_KIND_ENTERPRISE, Address: addr}})
			return err
		}, codes.AlreadyExists, `"HTX-NEM-CHUA"`},
		{"retailer id in other case", func() error {
			_, err := e.Registry.CreateRetailer(ctx, &estampv1.CreateRetailerRequest{Retailer: &estampv1.Retailer{Id: "shop-a", Name: "Y", Address: addr}})
			return err
		}, codes.AlreadyExists, `"SHOP-A"`},
		{"same name, same producer", func() error {
			_, err := e.Registry.CreateProduct(ctx, product("NEM-CHUA-2", "Nem chua NEM-CHUA"))
			return err
		}, codes.AlreadyExists, "NEM-CHUA"},
		{"same name in other case", func() error {
			_, err := e.Registry.CreateProduct(ctx, product("NEM-CHUA-3", "nem chua nem-chua"))
			return err
		}, codes.AlreadyExists, "NEM-CHUA"},
		{"same name typed decomposed", func() error {
			_, err := e.Registry.CreateProduct(ctx, product("CHE-LAM-2", "Che\u0300 lam"))
			return err
		}, codes.AlreadyExists, "CHE-LAM"},
		{"bidi override in a name", func() error { _, err := e.Registry.CreateProduct(ctx, product("X1", "Nem \u202echua")); return err }, codes.InvalidArgument, "U+202E"},
		{"zero-width space in a name", func() error { _, err := e.Registry.CreateProduct(ctx, product("X2", "Nem\u200bchua")); return err }, codes.InvalidArgument, "U+200B"},
		{"byte-order mark in a lot", func() error {
			_, err := e.Issuance.IssueStamps(ctx, &estampv1.IssueStampsRequest{ProductId: "NEM-CHUA", Lot: "\ufeffL1", ProductionDate: "2026-11-20", Quantity: 1, RequestId: "bom"})
			return err
		}, codes.InvalidArgument, "lot"},
		{"bidi override in a reason", func() error {
			_, err := e.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: wholeBatch(1), Reason: "lỗi \u202e", Actor: "x"})
			return err
		}, codes.InvalidArgument, "reason"},
	}
	e.issue(t, "NEM-CHUA", 1, "one")
	if _, err := e.Registry.CreateProduct(ctx, product("CHE-LAM", "Chè lam")); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.call(), tt.code, tt.mention) })
	}
	// A different name of the same producer, and the same name at another
	// producer, are fine.
	if _, err := e.Registry.CreateProduct(ctx, product("NEM-CHUA-LA-OI", "Nem chua lá ổi")); err != nil {
		t.Errorf("a new name: %v", err)
	}
}

// A revocation list asked for after the largest version is empty, over
// gRPC and HTTP: since+1 once wrapped to 0 and returned everything.
func TestRevocationListAfterTheLastVersion(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	ctx := context.Background()
	b := e.issue(t, "NEM-CHUA", 2, "r")
	if _, err := e.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: wholeBatch(b.Batch.Id), Reason: "x", Actor: "y"}); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(e.srv.HTTP)
	defer hs.Close()
	for _, since := range []uint64{1<<64 - 1, 1<<64 - 2, 1 << 63, 1000} {
		list, err := e.Custody.ListRevocations(ctx, &estampv1.ListRevocationsRequest{SinceVersion: since})
		if err != nil || len(list.Entries) != 0 || list.Version != 2 {
			t.Errorf("since %d: %d entries, version %d, %v", since, len(list.GetEntries()), list.GetVersion(), err)
		}
		p := get(t, fmt.Sprintf("%s%s?since=%d", hs.URL, web.RevocationsPath, since))
		if p.status != 200 || !strings.Contains(p.body, `"entries":[]`) {
			t.Errorf("HTTP since %d: %d\n%s", since, p.status, p.body)
		}
	}
}

// One audit entry per delivery, with its real counts: every non-blank line
// and how many of each verdict.
func TestIntakeAuditEntryCounts(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	e.retailer(t, "SHOP")
	stamps := e.issue(t, "NEM-CHUA", 3, "audit").Stamps
	codes := []string{stamps[0].Code, "", stamps[1].Code, stamps[1].Code, "xin chào", stamps[2].Code[:100] + "A" + stamps[2].Code[101:], stamps[2].Code}
	if stamps[2].Code[100] == 'A' {
		codes[5] = stamps[2].Code[:100] + "B" + stamps[2].Code[101:]
	}
	e.receive(t, "SHOP", codes...)
	list, err := e.Admin.ListAuditEntries(context.Background(), &estampv1.ListAuditEntriesRequest{PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range list.Entries {
		if a.Action == "delivery.receive" {
			got = append(got, a.Target+": "+a.Detail)
		}
	}
	want := "SHOP: 6 codes: 3 accepted, 1 duplicate in delivery, 1 bad signature, 1 malformed"
	if len(got) != 1 || got[0] != want {
		t.Errorf("delivery audit entries = %q, want [%q]", got, want)
	}
}

// Running out of serials is ResourceExhausted: no retry and no other
// request fixes it.
func TestSerialsExhaustedIsResourceExhausted(t *testing.T) {
	dir := t.TempDir()
	e := startAt(t, dir, "http://localhost:8080", 0)
	e.seedRegistry(t)
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(server.DBPath(dir), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("next_serial"), binary.BigEndian.AppendUint64(nil, store.MaxSerial-4))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	e = startAt(t, dir, "http://localhost:8080", 0)
	_, err = e.Issuance.IssueStamps(context.Background(), &estampv1.IssueStampsRequest{ProductId: "NEM-CHUA", Lot: "L", ProductionDate: "2026-11-20", Quantity: 10, RequestId: "last"})
	wantCode(t, err, codes.ResourceExhausted, "serial numbers exhausted")
	e.issue(t, "NEM-CHUA", 5, "fits")
}
