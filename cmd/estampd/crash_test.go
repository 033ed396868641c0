package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/grpc"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/client"
	"github.com/ocopvn/estamp/internal/server"
)

// daemon is a running estampd binary.
type daemon struct {
	cmd  *exec.Cmd
	addr string
	// Clients connect with the admin token.
	client.Clients
}

// servingLine finds the gRPC address in the log, text or JSON.
var servingLine = regexp.MustCompile(`msg="estampd serving" grpc=(\S+)|"msg":"estampd serving","grpc":"([^"]+)"`)

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
	return startDaemonLogging(t, nil, bin, dataDir, extra...)
}

// startDaemonLogging is startDaemon copying the daemon's log lines to logs.
func startDaemonLogging(t *testing.T, logs io.Writer, bin, dataDir string, extra ...string) *daemon {
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
				addr <- m[1] + m[2]
			}
			if logs != nil {
				logs.Write([]byte(sc.Text() + "\n"))
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
		c, err := client.Dial(a, strings.TrimSpace(string(token)), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return &daemon{cmd: cmd, addr: a, Clients: c}
	case <-time.After(60 * time.Second):
		t.Fatal("estampd did not start")
	}
	return nil
}

// issue issues a batch and streams its codes, as a client does.
func (d *daemon) issue(t *testing.T, req *estampv1.IssueStampsRequest) (*estampv1.Batch, []*estampv1.Stamp) {
	t.Helper()
	iss := d.Issuance
	resp, err := iss.IssueStamps(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	stamps, err := streamStamps(context.Background(), iss, resp.Batch.Id)
	if err != nil {
		t.Fatal(err)
	}
	return resp.Batch, stamps
}

// streamStamps fetches every code of a batch, as a client does.
func streamStamps(ctx context.Context, iss estampv1.IssuanceServiceClient, batchID uint64) ([]*estampv1.Stamp, error) {
	var all []*estampv1.Stamp
	_, err := client.Stamps(ctx, iss, batchID, func(_ *estampv1.Batch, _ uint32, stamps []*estampv1.Stamp) error {
		all = append(all, stamps...)
		return nil
	})
	return all, err
}

type acked struct {
	requestID string
	batch     *estampv1.Batch
	codes     []string
}

// TestSIGKILLDuringIssuanceLosesNothing runs the real binary, issues and
// verifies from several clients, kills the process with SIGKILL at a random
// moment, checks the database file, restarts, and does it again, at least
// 20 times. Invariants, checked after every kill: every acknowledged batch
// is there unchanged and verifies, no serial is handed out twice, a
// stamp's scan count never goes down, and bbolt's consistency check
// passes. ESTAMP_CRASH_KILLS sets the number of kills (default 20).
func TestSIGKILLDuringIssuanceLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the estampd binary")
	}
	kills, _, rng := crashRun(t, 0)
	bin := buildDaemon(t)
	dataDir := filepath.Join(t.TempDir(), "data")

	const product = "NEM-CHUA-TH-5S"
	var (
		mu        sync.Mutex
		done      []acked
		scanFloor = map[string]uint64{} // code -> highest scan count acknowledged
	)
	// floor is the highest scan count of code acknowledged so far; a scan
	// sent after that must come back higher. (Two scans in flight at once
	// may be acknowledged in either order.)
	floor := func(code string) uint64 {
		mu.Lock()
		defer mu.Unlock()
		return scanFloor[code]
	}
	seen := func(code string, before, n uint64) {
		mu.Lock()
		defer mu.Unlock()
		if n <= before {
			t.Errorf("scan count of %s went from %d to %d", code[len(code)-12:], before, n)
		}
		scanFloor[code] = max(scanFloor[code], n)
	}
	checked := 0 // batches of done already checked after a restart
	for round := 0; round <= kills; round++ {
		d := startDaemon(t, bin, dataDir)
		iss := d.Issuance
		ver := d.Verification
		bg := context.Background()

		// What was acknowledged before the last kill survived it.
		for _, a := range done[checked:] {
			got, err := iss.GetBatch(bg, &estampv1.GetBatchRequest{Id: a.batch.Id})
			if err != nil {
				t.Fatalf("round %d: acknowledged batch %d lost: %v", round, a.batch.Id, err)
			}
			if got.Batch.FirstSerial != a.batch.FirstSerial || got.Batch.Quantity != a.batch.Quantity || got.Batch.RequestId != a.requestID {
				t.Fatalf("round %d: batch %d changed: %v, acknowledged %v", round, a.batch.Id, got.Batch, a.batch)
			}
			last := a.codes[len(a.codes)-1]
			before := floor(last)
			v, err := ver.Verify(bg, &estampv1.VerifyRequest{Code: last})
			if err != nil || v.Verdict != estampv1.Verdict_VERDICT_GENUINE {
				t.Fatalf("round %d: stamp of batch %d: %v %v", round, a.batch.Id, v.GetVerdict(), err)
			}
			seen(last, before, v.Scans.GetScanCount())
		}
		checked = len(done)
		if round == kills {
			finalChecks(t, iss, ver, product, done, floor, seen)
			return
		}

		ctx, cancel := context.WithCancel(bg)
		var wg sync.WaitGroup
		for w := range 3 {
			wg.Go(func() {
				for i := 0; ctx.Err() == nil; i++ {
					id := fmt.Sprintf("crash-%d-%d-%d", round, w, i)
					q := uint32(1 + rand.IntN(400))
					resp, err := iss.IssueStamps(ctx, &estampv1.IssueStampsRequest{
						ProductId: product, Lot: "LO-" + id, ProductionDate: "2026-01-15", Quantity: q, RequestId: id,
					})
					if err != nil {
						return // the server died under us
					}
					// The batch is acknowledged; its codes are what a
					// client prints, fetched the way a client does.
					stamps, err := streamStamps(ctx, iss, resp.Batch.Id)
					if err != nil {
						return
					}
					a := acked{requestID: id, batch: resp.Batch}
					for _, s := range stamps {
						a.codes = append(a.codes, s.Code)
					}
					mu.Lock()
					done = append(done, a)
					mu.Unlock()
				}
			})
		}
		for range 2 {
			wg.Go(func() {
				for ctx.Err() == nil {
					mu.Lock()
					if len(done) == 0 {
						mu.Unlock()
						time.Sleep(time.Millisecond)
						continue
					}
					a := done[rand.IntN(len(done))]
					mu.Unlock()
					code := a.codes[0]
					before := floor(code)
					v, err := ver.Verify(ctx, &estampv1.VerifyRequest{Code: code})
					if err != nil {
						return
					}
					seen(code, before, v.Scans.GetScanCount())
				}
			})
		}
		time.Sleep(time.Duration(50+rng.IntN(350)) * time.Millisecond)
		if err := d.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = d.cmd.Wait()
		cancel()
		wg.Wait()
		checkFile(t, server.DBPath(dataDir))
	}
}

// checkFile runs bbolt's consistency check on a database nobody holds.
func checkFile(t *testing.T, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("open after SIGKILL: %v", err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			t.Errorf("bbolt check after SIGKILL: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// settledStates is how many stamp states the database at path holds in
// the bucket of settled states ("stamps"), as against recent ones.
func settledStates(t *testing.T, path string) int {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	if err := db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket([]byte("stamps")).Stats().KeyN
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func finalChecks(t *testing.T, iss estampv1.IssuanceServiceClient, ver estampv1.VerificationServiceClient, product string, done []acked,
	floor func(string) uint64, seen func(code string, before, n uint64)) {
	bg := context.Background()
	if len(done) < 20 {
		t.Fatalf("only %d batches acknowledged in all rounds", len(done))
	}
	// Stamps come back exactly as acknowledged.
	for _, a := range done {
		got, err := streamStamps(bg, iss, a.batch.Id)
		if err != nil || len(got) != len(a.codes) {
			t.Fatalf("batch %d: %d codes, %v; want %d", a.batch.Id, len(got), err, len(a.codes))
		}
		for i, s := range got {
			if s.Code != a.codes[i] {
				t.Fatalf("batch %d stamp %d differs after the restarts", a.batch.Id, i)
			}
		}
		before := floor(a.codes[0])
		v, err := ver.Verify(bg, &estampv1.VerifyRequest{Code: a.codes[0]})
		if err != nil || v.Verdict != estampv1.Verdict_VERDICT_GENUINE {
			t.Fatalf("first stamp of batch %d: %v %v", a.batch.Id, v.GetVerdict(), err)
		}
		seen(a.codes[0], before, v.Scans.GetScanCount())
	}
	// Retrying an acknowledged request returns its batch, not a new one.
	first := done[0]
	again, err := iss.IssueStamps(bg, &estampv1.IssueStampsRequest{
		ProductId: product, Lot: "LO-" + first.requestID, ProductionDate: "2026-01-15", Quantity: first.batch.Quantity, RequestId: first.requestID,
	})
	if err != nil || again.Batch.Id != first.batch.Id {
		t.Errorf("retry after restarts = %v, %v; want batch %d", again.GetBatch().GetId(), err, first.batch.Id)
	}
	// No two batches share a serial, acknowledged or not.
	var all []*estampv1.Batch
	for token := ""; ; {
		page, err := iss.ListBatches(bg, &estampv1.ListBatchesRequest{ProductId: product, PageSize: 1000, PageToken: token})
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
	t.Logf("%d batches acknowledged across the kills, %d stored", len(done), len(all))
}

// SIGTERM lets a call in flight finish — a stream of 100,000 codes — then
// the process exits cleanly and what it acknowledged is there after a
// restart.
func TestSIGTERMFinishesInFlightCalls(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the estampd binary")
	}
	bin := buildDaemon(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	// A grace far longer than the stream needs, even on a busy machine:
	// this test is about finishing, TestShutdownGraceCutsStalledCalls
	// about the limit.
	d := startDaemon(t, bin, dataDir, "--shutdown-grace", "2m")
	batch, stream, first := streamInFlight(t, d, "in-flight")
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	n := len(first.Stamps)
	for {
		m, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("stream in flight at SIGTERM, after %d codes: %v", n, err)
		}
		n += len(m.Stamps)
	}
	if n != 100_000 {
		t.Fatalf("stream in flight at SIGTERM: %d codes, want 100000", n)
	}
	exited := make(chan error, 1)
	go func() { exited <- d.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("estampd exit after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("estampd did not exit after SIGTERM")
	}
	checkFile(t, server.DBPath(dataDir))
	d2 := startDaemon(t, bin, dataDir)
	got, err := d2.Issuance.GetBatch(context.Background(), &estampv1.GetBatchRequest{Id: batch.Batch.Id})
	if err != nil || got.Batch.Quantity != 100_000 {
		t.Errorf("batch finished during shutdown, after restart: %v %v", got, err)
	}
}

// A call that does not finish within --shutdown-grace is cut off: a client
// that stops reading a stream cannot keep estampd from stopping.
func TestShutdownGraceCutsStalledCalls(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the estampd binary")
	}
	bin := buildDaemon(t)
	d := startDaemon(t, bin, filepath.Join(t.TempDir(), "data"), "--shutdown-grace", "500ms")
	streamInFlight(t, d, "stalled")
	// The client stops reading: flow control soon holds the server's sends.
	sent := time.Now()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- d.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("estampd exit after SIGTERM: %v", err)
		}
		// The default grace is 10 s; half a second plus closing is far
		// less, whatever the machine's load.
		if took := time.Since(sent); took > 8*time.Second {
			t.Errorf("estampd took %v to stop with a 500 ms grace", took)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("estampd did not exit after SIGTERM with a stalled stream")
	}
}

// streamInFlight issues a 100,000-stamp batch and starts streaming its
// codes: signing each makes the call long enough to be in flight at a
// signal sent once the first message is in, which it returns.
func streamInFlight(t *testing.T, d *daemon, requestID string) (*estampv1.IssueStampsResponse, grpc.ServerStreamingClient[estampv1.StreamStampsResponse], *estampv1.StreamStampsResponse) {
	t.Helper()
	batch, err := d.Issuance.IssueStamps(context.Background(), &estampv1.IssueStampsRequest{
		ProductId: "NEM-CHUA-TH-5S", Lot: "BIG", ProductionDate: "2026-01-15", Quantity: 100_000, RequestId: requestID,
	})
	if err != nil {
		t.Fatal(err)
	}
	stream, err := d.Issuance.StreamStamps(context.Background(), &estampv1.StreamStampsRequest{BatchId: batch.Batch.Id})
	if err != nil {
		t.Fatal(err)
	}
	first, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	return batch, stream, first
}

// TestSIGKILLDuringScansLosesNoScan runs the real binary with folds of the
// scan journal every few milliseconds, verifies stamps from many callers
// at once, kills the process with SIGKILL at a random moment (often in the
// middle of a fold), restarts it, and does it again, at least 20 times.
// Invariants, checked after every kill through GetStampHistory (which
// records no scan): each stamp's count is at least the scans acknowledged
// (no acknowledged scan lost), at most the scans sent (none counted twice,
// e.g. by folding a segment again after a crash between the fold's commit
// and the segment's deletion), and never below a count seen before; each
// answer counts at least one more than any count seen before it was
// sent; and bbolt's consistency check passes. ESTAMP_CRASH_KILLS sets the
// number of kills (default 20).
func TestSIGKILLDuringScansLosesNoScan(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the estampd binary")
	}
	kills, seed, rng := crashRun(t, 1)
	bin := buildDaemon(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	// Settled as soon as 64 stamps have recent states, checked every
	// 16 writes: settling runs all along, and kills may land in it.
	fold := []string{"--scan-fold-every", "5ms", "--recent-states", "64"}
	d := startDaemon(t, bin, dataDir, fold...)
	_, stamps := d.issue(t, &estampv1.IssueStampsRequest{
		ProductId: "NEM-CHUA-TH-5S", Lot: "LO-SCANS", ProductionDate: "2026-01-15", Quantity: 300, RequestId: "scans",
	})

	type tally struct {
		sent  uint64 // Verify calls sent, answered or not
		acked uint64 // answered
		seen  uint64 // the highest count an answer or a check showed
	}
	var mu sync.Mutex
	tallies := make([]tally, len(stamps))
	midFold, scans, settled := 0, 0, 0
	for round := 0; ; round++ {
		if round > 0 {
			d = startDaemon(t, bin, dataDir, fold...)
		}
		bg := context.Background()
		for i, s := range stamps {
			h, err := d.Custody.GetStampHistory(bg, &estampv1.GetStampHistoryRequest{Serial: s.Serial})
			if err != nil {
				t.Fatalf("round %d: history of %d: %v", round, s.Serial, err)
			}
			tl := &tallies[i]
			if c := h.ScanCount; c < tl.acked || c > tl.sent || c < tl.seen {
				t.Fatalf("round %d: stamp %d counts %d scans: %d acknowledged, %d sent, %d seen before", round, s.Serial, c, tl.acked, tl.sent, tl.seen)
			}
			tl.seen = h.ScanCount
		}
		if round == kills {
			break
		}
		ctx, cancel := context.WithCancel(bg)
		var wg sync.WaitGroup
		for w := range 16 {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(uint64(seed), uint64(round*100+w)))
				for ctx.Err() == nil {
					i := r.IntN(len(stamps))
					mu.Lock()
					tallies[i].sent++
					floor := tallies[i].seen
					mu.Unlock()
					v, err := d.Verification.Verify(ctx, &estampv1.VerifyRequest{Code: stamps[i].Code})
					if err != nil {
						return // the server died under us
					}
					n := v.Scans.GetScanCount()
					mu.Lock()
					if n <= floor {
						t.Errorf("round %d: stamp %d answered %d scans, after %d were seen", round, stamps[i].Serial, n, floor)
					}
					tallies[i].acked++
					tallies[i].seen = max(tallies[i].seen, n)
					scans++
					mu.Unlock()
				}
			})
		}
		time.Sleep(time.Duration(100+rng.IntN(400)) * time.Millisecond)
		if err := d.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = d.cmd.Wait()
		cancel()
		wg.Wait()
		// Two segments or more: a fold had ended one and not yet
		// deleted it.
		if segs, _ := filepath.Glob(filepath.Join(dataDir, "estamp.scans.*[0-9]")); len(segs) > 1 {
			midFold++
		}
		checkFile(t, server.DBPath(dataDir))
		settled = max(settled, settledStates(t, server.DBPath(dataDir)))
	}
	t.Logf("%d scans acknowledged across %d kills; %d kills fell between a fold's start and the deletion of its segment; up to %d states settled", scans, kills, midFold, settled)
	if settled == 0 {
		t.Error("no stamp state was ever settled: the kills fell in no settling")
	}
	if scans < 100*kills {
		t.Errorf("only %d scans acknowledged in %d rounds", scans, kills)
	}
}

// crashRun is a crash test's number of kills (ESTAMP_CRASH_KILLS, 20 by
// default), its seed, taken from the clock and logged so that a failing
// run can be told apart, and a random source on stream of it.
func crashRun(t *testing.T, stream uint64) (int, int64, *rand.Rand) {
	t.Helper()
	kills := 20
	if n, err := strconv.Atoi(os.Getenv("ESTAMP_CRASH_KILLS")); err == nil && n > 0 {
		kills = n
	}
	seed := time.Now().UnixNano()
	t.Logf("seed %d, %d kills", seed, kills)
	return kills, seed, rand.New(rand.NewPCG(uint64(seed), stream))
}
