package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/auth"
	"github.com/ocopvn/estamp/internal/server"
)

// daemon is a running estampd binary.
type daemon struct {
	cmd  *exec.Cmd
	addr string
	conn *grpc.ClientConn
}

var servingLine = regexp.MustCompile(`msg="estampd serving" grpc=(\S+)`)

// buildDaemon compiles estampd into a temporary directory.
func buildDaemon(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "estampd")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func startDaemon(t *testing.T, bin, dataDir string, extra ...string) *daemon {
	t.Helper()
	args := append([]string{"--data-dir", dataDir, "--demo", "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"}, extra...)
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := servingLine.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	select {
	case a := <-addr:
		// The first start wrote the admin token before serving.
		token, err := os.ReadFile(server.AdminTokenPath(dataDir))
		if err != nil {
			t.Fatal(err)
		}
		conn, err := grpc.NewClient(a, grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithPerRPCCredentials(auth.Bearer{Token: strings.TrimSpace(string(token))}),
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return &daemon{cmd: cmd, addr: a, conn: conn}
	case <-time.After(60 * time.Second):
		t.Fatal("estampd did not start")
	}
	return nil
}

type acked struct {
	requestID string
	batch     *estampv1.Batch
	codes     []string
}

// TestSIGKILLDuringIssuanceLosesNothing runs the real binary, issues
// batches from several clients, kills the process with SIGKILL mid-flight,
// restarts it, and checks that every acknowledged batch and scan survived
// and that no serial is handed out twice.
func TestSIGKILLDuringIssuanceLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the estampd binary")
	}
	bin := buildDaemon(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	d := startDaemon(t, bin, dataDir)
	iss := estampv1.NewIssuanceServiceClient(d.conn)
	ver := estampv1.NewVerificationServiceClient(d.conn)

	const product = "NEM-CHUA-TH-5S"
	var (
		mu        sync.Mutex
		done      []acked
		scanAcked = map[string]uint64{} // code -> highest acknowledged scan count
	)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				id := fmt.Sprintf("crash-%d-%d", w, i)
				resp, err := iss.IssueStamps(ctx, &estampv1.IssueStampsRequest{
					ProductId: product, Lot: "LO-" + id, ProductionDate: "2026-01-15", Quantity: 300, RequestId: id,
				})
				if err != nil {
					return // the server died under us
				}
				a := acked{requestID: id, batch: resp.Batch}
				for _, s := range resp.Stamps {
					a.codes = append(a.codes, s.Code)
				}
				v, err := ver.Verify(ctx, &estampv1.VerifyRequest{Code: a.codes[0]})
				mu.Lock()
				done = append(done, a)
				if err == nil {
					scanAcked[a.codes[0]] = v.Scans.GetScanCount()
				}
				mu.Unlock()
			}
		})
	}
	// Let work pile up, then kill without warning.
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(done)
		mu.Unlock()
		if n >= 20 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := d.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = d.cmd.Wait()
	cancel()
	wg.Wait()
	if len(done) == 0 {
		t.Fatal("no batch was acknowledged before the kill")
	}

	d2 := startDaemon(t, bin, dataDir)
	iss = estampv1.NewIssuanceServiceClient(d2.conn)
	ver = estampv1.NewVerificationServiceClient(d2.conn)
	bg := context.Background()

	// Every acknowledged batch is there, unchanged, and its stamps verify.
	for _, a := range done {
		got, err := iss.GetBatch(bg, &estampv1.GetBatchRequest{Id: a.batch.Id, IncludeStamps: true})
		if err != nil {
			t.Fatalf("acknowledged batch %d lost: %v", a.batch.Id, err)
		}
		if got.Batch.FirstSerial != a.batch.FirstSerial || got.Batch.Quantity != a.batch.Quantity || got.Batch.RequestId != a.requestID {
			t.Errorf("batch %d changed: %v, acknowledged %v", a.batch.Id, got.Batch, a.batch)
		}
		for i, s := range got.Stamps {
			if s.Code != a.codes[i] {
				t.Fatalf("batch %d stamp %d differs after restart", a.batch.Id, i)
			}
		}
		v, err := ver.Verify(bg, &estampv1.VerifyRequest{Code: a.codes[len(a.codes)-1]})
		if err != nil || v.Verdict != estampv1.Verdict_VERDICT_GENUINE {
			t.Errorf("stamp of batch %d after restart: %v %v", a.batch.Id, v.GetVerdict(), err)
		}
	}
	// Acknowledged scans were durable.
	for code, n := range scanAcked {
		v, err := ver.Verify(bg, &estampv1.VerifyRequest{Code: code})
		if err != nil || v.Scans.GetScanCount() != n+1 {
			t.Errorf("scan count after restart = %d, %v; %d were acknowledged", v.GetScans().GetScanCount(), err, n)
		}
	}
	// Retrying an acknowledged request returns its batch, not a new one.
	again, err := iss.IssueStamps(bg, &estampv1.IssueStampsRequest{
		ProductId: product, Lot: "LO-" + done[0].requestID, ProductionDate: "2026-01-15", Quantity: 300, RequestId: done[0].requestID,
	})
	if err != nil || again.Batch.Id != done[0].batch.Id {
		t.Errorf("retry after restart = %v, %v; want batch %d", again.GetBatch().GetId(), err, done[0].batch.Id)
	}
	// A new batch after the restart; then no two batches share a serial.
	fresh, err := iss.IssueStamps(bg, &estampv1.IssueStampsRequest{ProductId: product, Lot: "AFTER", ProductionDate: "2026-01-15", Quantity: 10, RequestId: "after-restart"})
	if err != nil {
		t.Fatal(err)
	}
	var all []*estampv1.Batch
	for token := ""; ; {
		page, err := iss.ListBatches(bg, &estampv1.ListBatchesRequest{ProductId: product, PageSize: 100, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Batches...)
		if token = page.NextPageToken; token == "" {
			break
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].FirstSerial < all[j].FirstSerial })
	for i := 1; i < len(all); i++ {
		prev := all[i-1]
		if prev.FirstSerial+uint64(prev.Quantity) > all[i].FirstSerial {
			t.Errorf("batches %d and %d share serials", prev.Id, all[i].Id)
		}
	}
	if all[len(all)-1].Id != fresh.Batch.Id {
		t.Errorf("the batch issued after restart (%d) does not have the highest serials", fresh.Batch.Id)
	}
	t.Logf("%d batches acknowledged before SIGKILL, %d stored after restart", len(done), len(all)-1)
}
