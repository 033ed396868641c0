// Command estamp-bench is the load generator behind `make bench`: it starts
// a real estampd on loopback with a fresh data directory, drives every
// workload against it, measures in the same run what the machine allows
// for each (the ceilings) in turns with the workload, and prints one
// table, also written as JSON with every round's numbers.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/client"
	"github.com/ocopvn/estamp/internal/cputime"
	"github.com/ocopvn/estamp/internal/keys"
	"github.com/ocopvn/estamp/internal/loadgen"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/server"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/store"
	"github.com/ocopvn/estamp/internal/verify"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "estamp-bench:", err)
		os.Exit(1)
	}
}

type config struct {
	estampd  string
	out      string
	duration time.Duration
	rounds   int
	callers  int
	basePort int
	preload  int
	keep     bool
	extra    string
	skip     string
	profile  string
}

// skippable are the parts --skip leaves out.
var skippable = []string{"issuance", "web", "intake", "labels", "during-intake"}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := flag.NewFlagSet("estamp-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.estampd, "estampd", "bin/estampd", "the estampd binary to run")
	fs.StringVar(&c.out, "out", "bench-results.json", "where to write the results as JSON")
	fs.DurationVar(&c.duration, "duration", 5*time.Second, "how long each workload and each ceiling runs in each round")
	fs.IntVar(&c.rounds, "rounds", 3, "rounds of (ceilings, workload) for each workload")
	fs.IntVar(&c.callers, "callers", 64, "concurrent callers for verification and the web page")
	fs.IntVar(&c.basePort, "base-port", 0, "serve gRPC on this loopback port and HTTP on the next (0: two free ports)")
	fs.IntVar(&c.preload, "preload", 0, "after the other workloads, stop estampd, preload this many issued and scanned stamps (e.g. 5000000), restart it and measure verification again among them")
	fs.BoolVar(&c.keep, "keep", false, "keep the data directory and the server log")
	fs.StringVar(&c.skip, "skip", "", "parts to leave out, comma-separated: "+strings.Join(skippable, ","))
	fs.StringVar(&c.profile, "cpuprofile", "", "write the bench's own CPU profile (its clients' share of each workload) to this file")
	fs.StringVar(&c.extra, "server-flags", "", "more estampd flags, space-separated (e.g. --debug-addr 127.0.0.1:6060 to profile)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case c.rounds < 1:
		return fmt.Errorf("--rounds %d: at least 1", c.rounds)
	case c.callers < 1:
		return fmt.Errorf("--callers %d: at least 1", c.callers)
	case c.preload < 0:
		return fmt.Errorf("--preload %d: a count of stamps", c.preload)
	}
	for _, s := range strings.Split(c.skip, ",") {
		if s != "" && !contains(skippable, s) {
			return fmt.Errorf("--skip %s: not one of %s", s, strings.Join(skippable, ","))
		}
	}
	grpcAddr, httpAddr, err := addresses(c.basePort)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "estamp-bench-")
	if err != nil {
		return err
	}
	if !c.keep {
		defer os.RemoveAll(dir)
	} else {
		fmt.Fprintln(stderr, "data and log in", dir)
	}
	if c.profile != "" {
		stopProfile, err := startCPUProfile(c.profile)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	b := &bench{cfg: c, dir: dir, log: stderr, grpcAddr: grpcAddr, httpAddr: httpAddr}
	// b.d is the daemon running at the end: --preload restarts it.
	defer func() { b.d.stop() }()
	if err := b.start(ctx); err != nil {
		return err
	}
	results, err := b.all(ctx)
	if err != nil {
		return err
	}
	printTable(stdout, results)
	data, err := json.MarshalIndent(results, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(c.out, append(data, '\n'), 0o644)
}

// startCPUProfile profiles this process into path until the returned
// function is called: the clients' side of every workload, which the
// server's --debug-addr profile does not show.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// addresses are the loopback addresses estampd serves gRPC and HTTP on:
// basePort and the next, so that two benches or a firewall can be
// planned, or two free ports.
func addresses(basePort int) (grpcAddr, httpAddr string, err error) {
	if basePort != 0 {
		if basePort < 1 || basePort > 65534 {
			return "", "", fmt.Errorf("--base-port %d: want 1 to 65534 (HTTP takes the next port)", basePort)
		}
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(basePort)), net.JoinHostPort("127.0.0.1", strconv.Itoa(basePort+1)), nil
	}
	if grpcAddr, err = freePort(); err != nil {
		return "", "", err
	}
	httpAddr, err = freePort()
	return grpcAddr, httpAddr, err
}

// daemon is the estampd under test.
type daemon struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed once cmd has been waited for
	log    *os.File
	admin  client.Clients // with the admin token
	public client.Clients // without a token
}

// dataDir is the estampd's data directory in the bench's directory.
func (b *bench) dataDir() string { return filepath.Join(b.dir, "data") }

// start starts estampd on the bench's data directory and addresses,
// seeding the demo registry on its first start, and waits until it
// serves.
func (b *bench) start(ctx context.Context) error {
	// Appended to: a restart after --preload keeps the first run's log.
	logFile, err := os.OpenFile(filepath.Join(b.dir, "estampd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, b.cfg.estampd, "--data-dir", b.dataDir(), "--demo",
		"--grpc-addr", b.grpcAddr, "--http-addr", b.httpAddr, "--base-url", "http://"+b.httpAddr,
		"--verify-rate", "0", "--token-code-rate", "0", "--many-scans", strconv.Itoa(manyScans))
	cmd.Args = append(cmd.Args, strings.Fields(b.cfg.extra)...)
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("start %s (run `make build` first): %w", b.cfg.estampd, err)
	}
	d := &daemon{cmd: cmd, log: logFile, exited: make(chan struct{})}
	b.d = d
	go func() { _ = cmd.Wait(); close(d.exited) }()
	if d.public, err = client.Dial(b.grpcAddr, "", nil); err != nil {
		return err
	}
	health := healthpb.NewHealthClient(d.public.Conn)
	// A minute: on a loaded machine, with a preloaded file to open, a
	// start can take many times its usual second.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		select {
		case <-d.exited:
			return fmt.Errorf("estampd exited: %s; see %s", cmd.ProcessState, logFile.Name())
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("estampd did not start; see %s", logFile.Name())
		}
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		resp, err := health.Check(cctx, &healthpb.HealthCheckRequest{})
		cancel()
		if err == nil && resp.Status == healthpb.HealthCheckResponse_SERVING {
			break
		}
	}
	token, err := os.ReadFile(server.AdminTokenPath(b.dataDir()))
	if err != nil {
		return err
	}
	d.admin, err = client.Dial(b.grpcAddr, strings.TrimSpace(string(token)), nil)
	return err
}

// manyScans is estampd's --many-scans: high, so that no stamp of the
// bench is flagged, which would be a write the workload does not have.
const manyScans = 1_000_000

func (d *daemon) stop() {
	if d == nil {
		return
	}
	for _, c := range []client.Clients{d.admin, d.public} {
		if c.Conn != nil {
			c.Close()
		}
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	<-d.exited
	d.log.Close()
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

type bench struct {
	cfg                config
	d                  *daemon
	dir                string
	log                io.Writer
	grpcAddr, httpAddr string
}

func (b *bench) skip(name string) bool {
	return strings.Contains(","+b.cfg.skip+",", ","+name+",")
}

func (b *bench) step(format string, args ...any) {
	fmt.Fprintf(b.log, "· "+format+"\n", args...)
}

const (
	product  = "NEM-CHUA-TH-5S"
	retailer = "CH-OCOP-HAC-THANH"
	// delivery is the codes of one intake.
	delivery = 10_000
)

var requests atomic.Int64

// issue issues a batch of n stamps and streams its codes, as a client
// does: IssueStamps returns the batch, StreamStamps signs and sends the
// codes. keep receives each message's codes (nil: count them only).
func (b *bench) issue(ctx context.Context, n uint32, keep func([]*estampv1.Stamp)) (*estampv1.Batch, int, error) {
	iss := b.d.admin.Issuance
	resp, err := iss.IssueStamps(ctx, &estampv1.IssueStampsRequest{
		ProductId: product, Lot: "BENCH", ProductionDate: "2026-01-15", Quantity: n,
		RequestId: fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), requests.Add(1)),
	})
	if err != nil {
		return nil, 0, err
	}
	got := 0
	_, err = client.Stamps(ctx, iss, resp.Batch.Id, func(_ *estampv1.Batch, _ uint32, stamps []*estampv1.Stamp) error {
		got += len(stamps)
		if keep != nil {
			keep(stamps)
		}
		return nil
	})
	if err != nil {
		return nil, got, err
	}
	return resp.Batch, got, nil
}

// codesOf returns a keep function for issue that collects codes into pool.
func codesOf(pool *[]string) func([]*estampv1.Stamp) {
	return func(stamps []*estampv1.Stamp) {
		for _, s := range stamps {
			*pool = append(*pool, s.Code)
		}
	}
}

func (b *bench) all(ctx context.Context) ([]loadgen.Result, error) {
	var out []loadgen.Result
	add := func(rs ...loadgen.Result) { out = append(out, rs...) }

	var pool []string // codes to verify and receive
	if b.skip("issuance") {
		if _, _, err := b.issue(ctx, 100_000, codesOf(&pool)); err != nil {
			return nil, err
		}
	} else {
		rows, p, err := b.issuance(ctx)
		if err != nil {
			return nil, err
		}
		add(rows...)
		pool = p
	}
	if len(pool) < delivery {
		return nil, errors.New("no 100,000-stamp batch was issued")
	}
	prefix, _ := stampcode.Split(pool[0])

	add(b.verification(ctx, "verification over gRPC", pool, prefix))
	if !b.skip("web") {
		add(b.web(ctx, pool))
	}
	if !b.skip("intake") {
		add(b.intake(ctx, pool, prefix))
	}
	if !b.skip("labels") {
		rows, err := b.labels(ctx)
		if err != nil {
			return nil, err
		}
		add(rows...)
	}
	verifyPool := pool
	if b.cfg.preload > 0 {
		row, preloaded, err := b.preload(ctx)
		if err != nil {
			return nil, err
		}
		add(row, b.verification(ctx, fmt.Sprintf("verification over gRPC, %s preloaded stamps", thousands(b.cfg.preload)), preloaded, prefix))
		verifyPool = preloaded
	}
	if !b.skip("during-intake") {
		add(b.duringIntake(ctx, verifyPool, pool))
	}
	return out, ctx.Err()
}

// rounds runs the bench's rounds of ceilings then workload.
func (b *bench) rounds(ceilings []loadgen.Measure, workload loadgen.Measure) []loadgen.Round {
	for i := range ceilings {
		ceilings[i] = b.withCores(ceilings[i])
	}
	return loadgen.Interleave(b.cfg.rounds, ceilings, b.withCores(workload))
}

// withCores has m's result say how many cores the bench and estampd used
// while it ran, and how many of them estampd: below the machine's, the
// workload waited for something other than the cores; the split tells
// the server's work from the callers'.
func (b *bench) withCores(m loadgen.Measure) loadgen.Measure {
	return func() loadgen.Result {
		own0, server0, ok0 := b.cpu()
		start := time.Now()
		r := m()
		if own1, server1, ok1 := b.cpu(); ok0 && ok1 {
			wall := time.Since(start).Seconds()
			r.Cores = (own1 - own0 + server1 - server0).Seconds() / wall
			r.ServerCores = (server1 - server0).Seconds() / wall
		}
		return r
	}
}

// cpu is the CPU time the bench and its estampd have used.
func (b *bench) cpu() (own, server time.Duration, ok bool) {
	own, ok = cputime.Process()
	if !ok || b.d == nil {
		return 0, 0, false
	}
	server, ok = cputime.Of(b.d.cmd.Process.Pid)
	return own, server, ok
}

// coresOf writes the cores a measure used, with the server's part.
func coresOf(cores, server float64) string {
	if cores <= 0 {
		return ""
	}
	return fmt.Sprintf("%.2f (%.2f)", cores, server)
}

// said logs each round of a row as it is measured, so that drift within
// a run shows while it runs, not only in the JSON.
func (b *bench) said(r loadgen.Result) loadgen.Result {
	var parts []string
	for i, rd := range r.Rounds {
		p := fmt.Sprintf("round %d: %.0f %s", i+1, rd.Workload.Rate, r.Unit)
		if rd.Ceiling > 0 {
			p += fmt.Sprintf(" / %.0f = %.2f", rd.Ceiling, rd.Ratio)
		}
		p += fmt.Sprintf(", p99 %.1f ms", rd.Workload.P99ms)
		if rd.Workload.Cores > 0 {
			p += fmt.Sprintf(", %.2f cores (server %.2f)", rd.Workload.Cores, rd.Workload.ServerCores)
		}
		parts = append(parts, p)
	}
	b.step("  %s: %s", r.Name, strings.Join(parts, "; "))
	return r
}

// issuance measures batches of 1,000 and 100,000, each issued and its
// codes streamed, against Ed25519 signing alone: a batch is one record,
// so the store adds one write per batch, not one per stamp. It returns
// the codes of one 100,000-stamp batch.
func (b *bench) issuance(ctx context.Context) ([]loadgen.Result, []string, error) {
	d := b.cfg.duration
	b.step("issuance: batches of 1,000 (4 callers) and of 100,000; ceiling: Ed25519 signing on all cores; %d rounds", b.cfg.rounds)
	sign := func() loadgen.Result { return loadgen.Sign(d) }
	iss1k := func() loadgen.Result {
		return loadgen.Closed(ctx, "issuance, batches of 1,000", "stamps/s", 4, d, func(ctx context.Context, _ int) (int, error) {
			_, n, err := b.issue(ctx, 1000, nil)
			return n, err
		})
	}
	var pool []string
	iss100k := func() loadgen.Result {
		return loadgen.Closed(ctx, "issuance, batches of 100,000", "stamps/s", 1, d, func(ctx context.Context, _ int) (int, error) {
			var keep func([]*estampv1.Stamp)
			if len(pool) == 0 {
				keep = codesOf(&pool)
			}
			_, n, err := b.issue(ctx, 100_000, keep)
			return n, err
		})
	}
	rows := []loadgen.Result{b.said(loadgen.Compare(b.rounds([]loadgen.Measure{sign}, iss1k), 0)), b.said(loadgen.Compare(b.rounds([]loadgen.Measure{sign}, iss100k), 0))}
	for i := range rows {
		rows[i].Target = 0.8
	}
	return rows, pool, ctx.Err()
}

// verification measures Verify with a token among the codes of pool
// against the serial composition of what each call is: an empty call
// (the health check) with the same client, connection and callers, and
// the server's signature check, re-signing, on all cores of this process
// at that moment.
func (b *bench) verification(ctx context.Context, name string, pool []string, prefix string) loadgen.Result {
	d := b.cfg.duration
	// With a token every verification records its scan: without one,
	// the same client checking the same stamp again within 30 minutes is
	// one scan, and the bench would measure reads, not durable scans.
	b.step("%s with a token (every call records a scan): %d callers; ceiling: an empty call the same way, then re-signing; %d rounds", name, b.cfg.callers, b.cfg.rounds)
	health := healthpb.NewHealthClient(b.d.admin.Conn)
	empty := func() loadgen.Result {
		return loadgen.Closed(ctx, fmt.Sprintf("empty gRPC call (health check), %d callers", b.cfg.callers), "calls/s", b.cfg.callers, d, func(ctx context.Context, _ int) (int, error) {
			_, err := health.Check(ctx, &healthpb.HealthCheckRequest{})
			return 1, err
		})
	}
	resign := func() loadgen.Result { return loadgen.ReSign(d, prefix) }
	ver := b.d.admin.Verification
	verifyOp := func() loadgen.Result {
		return loadgen.Closed(ctx, name, "calls/s", b.cfg.callers, d, verifyCall(ver, pool))
	}
	row := b.said(loadgen.Compare(b.rounds([]loadgen.Measure{empty, resign}, verifyOp), 0, 1))
	row.Target, row.P99TargetMs = 0.6, 20
	return row
}

// verifyCall verifies a random code of pool, which must be genuine.
func verifyCall(ver estampv1.VerificationServiceClient, pool []string) loadgen.Op {
	return func(ctx context.Context, _ int) (int, error) {
		resp, err := ver.Verify(ctx, &estampv1.VerifyRequest{Code: pool[rand.IntN(len(pool))]})
		if err == nil && resp.Verdict != estampv1.Verdict_VERDICT_GENUINE {
			err = fmt.Errorf("verdict %v", resp.Verdict)
		}
		return 1, err
	}
}

// web measures the stamp page against /healthz with the same client and
// clients.
func (b *bench) web(ctx context.Context, pool []string) loadgen.Result {
	d := b.cfg.duration
	b.step("web page: %d clients; ceiling: /healthz the same way; %d rounds", b.cfg.callers, b.cfg.rounds)
	tr := &http.Transport{MaxIdleConnsPerHost: b.cfg.callers, MaxConnsPerHost: b.cfg.callers}
	defer tr.CloseIdleConnections()
	web := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var views atomic.Uint64
	get := func(ctx context.Context, url string) error {
		req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
		if err != nil {
			return err
		}
		// Each view from another phone, so that each is a scan.
		req.Header.Set("User-Agent", fmt.Sprintf("estamp-bench phone %d", views.Add(1)))
		resp, err := web.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %s", url, resp.Status)
		}
		return nil
	}
	healthz := func() loadgen.Result {
		return loadgen.Closed(ctx, fmt.Sprintf("empty HTTP request (/healthz), %d clients", b.cfg.callers), "req/s", b.cfg.callers, d, func(ctx context.Context, _ int) (int, error) {
			return 1, get(ctx, "http://"+b.httpAddr+"/healthz")
		})
	}
	page := func() loadgen.Result {
		return loadgen.Closed(ctx, "stamp page over HTTP", "pages/s", b.cfg.callers, d, func(ctx context.Context, _ int) (int, error) {
			return 1, get(ctx, pool[rand.IntN(len(pool))])
		})
	}
	return b.said(loadgen.Compare(b.rounds([]loadgen.Measure{healthz}, page), 0))
}

// receiver sends deliveries of codes from pool in turn.
func (b *bench) receiver(pool []string) loadgen.Op {
	cust := b.d.admin.Custody
	var next atomic.Int64
	return func(ctx context.Context, _ int) (int, error) {
		i := int(next.Add(1)-1) * delivery % (len(pool) - delivery + 1)
		resp, err := cust.ReceiveDelivery(ctx, &estampv1.ReceiveDeliveryRequest{RetailerId: retailer, Codes: pool[i : i+delivery]})
		return len(resp.GetItems()), err
	}
}

// intake measures deliveries of 10,000 codes against their real work:
// each code's signature checked by re-signing, on all cores.
func (b *bench) intake(ctx context.Context, pool []string, prefix string) loadgen.Result {
	d := b.cfg.duration
	b.step("intake: deliveries of 10,000 codes; ceiling: re-signing on all cores; %d rounds", b.cfg.rounds)
	resign := func() loadgen.Result { return loadgen.ReSign(d, prefix) }
	receive := b.receiver(pool)
	intake := func() loadgen.Result {
		return loadgen.Closed(ctx, "intake, deliveries of 10,000", "codes/s", 1, d, receive)
	}
	return b.said(loadgen.Compare(b.rounds([]loadgen.Measure{resign}, intake), 0))
}

// labels measures a 2,000-label PDF rendered on the server against QR
// encoding on all cores, and against QR encoding on one core, which the
// PDF should beat by using both.
func (b *bench) labels(ctx context.Context) ([]loadgen.Result, error) {
	d := b.cfg.duration
	b.step("labels: PDF of 2,000 stamps, rendered on the server; ceiling: QR encoding of the same 2,000 codes on all cores and on one; %d rounds", b.cfg.rounds)
	var codes []string
	batch, _, err := b.issue(ctx, 2000, codesOf(&codes))
	if err != nil {
		return nil, err
	}
	lbl := b.d.admin.Labels
	// The ceiling encodes the codes the labels hold, in turn: one code
	// over and over encodes faster than any batch (loadgen.QREncode).
	qrAll := func() loadgen.Result { return loadgen.QREncode(d, codes, 0) }
	qrOne := func() loadgen.Result { return loadgen.QREncode(d, codes, 1) }
	pdf := func() loadgen.Result {
		return loadgen.Closed(ctx, "label PDF (a4-3x8)", "labels/s", 1, d, func(ctx context.Context, _ int) (int, error) {
			stream, err := lbl.RenderLabels(ctx, &estampv1.RenderLabelsRequest{BatchId: batch.Id, Format: estampv1.LabelFormat_LABEL_FORMAT_PDF})
			if err != nil {
				return 0, err
			}
			if err := client.Receive(stream, func(*estampv1.RenderLabelsResponse) error { return nil }); err != nil {
				return 0, err
			}
			return 2000, nil
		})
	}
	rounds := b.rounds([]loadgen.Measure{qrAll, qrOne}, pdf)
	all, one := loadgen.Compare(rounds, 0), loadgen.Compare(rounds, 1)
	one.Name, one.Target = "label PDF against one-core QR encoding", 1.6
	return []loadgen.Result{b.said(all), b.said(one)}, nil
}

// preloadSample is how many preloaded stamps verification picks among,
// at random: signing each code costs the bench an Ed25519 signature, and
// a sample of this size spread over the whole serial range touches the
// B-tree's pages as random stamps of all of them do.
const preloadSample = 100_000

// preload stops estampd, fills its database with the --preload stamps
// through the store, each scanned once, under the issuer key and base URL
// the server uses, and starts it again on the same addresses. It returns
// the preload's row and codes of a random sample of the stamps.
func (b *bench) preload(ctx context.Context) (loadgen.Result, []string, error) {
	n := b.cfg.preload
	b.step("preload: stopping estampd, writing %s issued and scanned stamps through the store", thousands(n))
	b.d.stop()
	b.d = nil
	data := b.dataDir()
	ring, err := keys.Load(server.KeyDir(data), nil)
	if err != nil {
		return loadgen.Result{}, nil, err
	}
	key := ring.Active()
	if key == nil {
		return loadgen.Result{}, nil, errors.New("preload: estampd left no active issuer key")
	}
	prefix, err := stampcode.URLPrefix("http://" + b.httpAddr)
	if err != nil {
		return loadgen.Result{}, nil, err
	}
	start := time.Now()
	got, err := store.Preload(ctx, server.DBPath(data), n, store.PreloadOptions{
		Options:   store.Options{HighWaterPath: server.HighWaterPath(data), ManyScans: manyScans},
		ProductID: product, KeyID: key.ID.String(), BaseURL: prefix, Count: verify.CountScan, Actor: "estamp-bench",
		Progress: func(done int) {
			if done%1_000_000 == 0 && done < n {
				b.step("preload: %s stamps in %s", thousands(done), time.Since(start).Round(time.Second))
			}
		},
	})
	if err != nil {
		return loadgen.Result{}, nil, err
	}
	took := time.Since(start)
	size := int64(0)
	if fi, err := os.Stat(server.DBPath(data)); err == nil {
		size = fi.Size()
	}
	row := loadgen.Result{
		Name: fmt.Sprintf("preload: %s issued and scanned stamps through the store (%.1f s, database %d MiB)", thousands(n), took.Seconds(), size>>20),
		Rate: float64(n) / took.Seconds(), Unit: "stamps/s", Ops: len(got.Batches),
	}
	b.step("preload: %s stamps in %s; signing %s of their codes; restarting estampd", thousands(n), took.Round(100*time.Millisecond), thousands(min(n, preloadSample)))
	codes, err := sampleCodes(got, key, min(n, preloadSample))
	if err != nil {
		return loadgen.Result{}, nil, err
	}
	if err := b.start(ctx); err != nil {
		return loadgen.Result{}, nil, err
	}
	// The server must serve the stamps as preloaded: genuine, with the
	// scan recorded there and this one.
	resp, err := b.d.admin.Verification.Verify(ctx, &estampv1.VerifyRequest{Code: codes[0]})
	if err != nil {
		return loadgen.Result{}, nil, err
	}
	if resp.Verdict != estampv1.Verdict_VERDICT_GENUINE || resp.GetScans().GetScanCount() < 2 {
		return loadgen.Result{}, nil, fmt.Errorf("preload: estampd answers %v with %d scans for a preloaded stamp", resp.Verdict, resp.GetScans().GetScanCount())
	}
	return row, codes, nil
}

// sampleCodes signs the codes of n preloaded stamps picked at random, on
// all cores, as issuance would sign them.
func sampleCodes(p *store.Preloaded, key *keys.Key, n int) ([]string, error) {
	type span struct {
		first  uint64
		n      int
		claims stampcode.Claims
		base   string
	}
	var spans []span
	total := 0
	for _, b := range p.Batches {
		validUntil, err := time.Parse(ocop.DateLayout, b.ValidUntil)
		if err != nil {
			return nil, err
		}
		spans = append(spans, span{b.FirstSerial, int(b.Quantity), stampcode.Claims{
			ProductNumber: p.Product.Number, BatchID: uint32(b.Id), StarGrade: uint8(b.StarGrade), ValidUntil: validUntil,
		}, b.BaseUrl})
		total += int(b.Quantity)
	}
	codes := make([]string, n)
	workers := runtime.GOMAXPROCS(0)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				k := rand.IntN(total)
				s := 0
				for k >= spans[s].n {
					k -= spans[s].n
					s++
				}
				c := spans[s].claims
				c.Serial = spans[s].first + uint64(k)
				code, err := key.Issuer.Sign(spans[s].base, c)
				if err != nil {
					errs[w] = err
					return
				}
				codes[i] = code
			}
		})
	}
	wg.Wait()
	return codes, errors.Join(errs...)
}

// duringIntake measures Verify among verifyPool while deliveries of
// 10,000 codes of intakePool are received at the same time, one after
// another: what a buyer waits while a shop takes in goods.
func (b *bench) duringIntake(ctx context.Context, verifyPool, intakePool []string) loadgen.Result {
	d := b.cfg.duration
	b.step("verification during intake: %d callers while deliveries of 10,000 codes are received; %d rounds", b.cfg.callers, b.cfg.rounds)
	ver := b.d.admin.Verification
	receive := b.receiver(intakePool)
	var rounds []loadgen.Round
	for range b.cfg.rounds {
		var intake loadgen.Result
		var wg sync.WaitGroup
		wg.Go(func() {
			intake = loadgen.Closed(ctx, "beside it: intake, deliveries of 10,000", "codes/s", 1, d, receive)
		})
		v := b.withCores(func() loadgen.Result {
			return loadgen.Closed(ctx, "Verify p99 during intake (deliveries of 10,000)", "calls/s", b.cfg.callers, d, verifyCall(ver, verifyPool))
		})()
		wg.Wait()
		rounds = append(rounds, loadgen.Round{Workload: v, Beside: []loadgen.Result{intake}})
	}
	row := b.said(loadgen.Compare(rounds))
	row.P99TargetMs = 50
	return row
}

// thousands writes n with commas: 5,000,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func printTable(w io.Writer, results []loadgen.Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "workload\trate\tunit\tp50 ms\tp99 ms\tcores (server)\tceiling\tratio median (min–max)\ttarget\t")
	for _, r := range results {
		ceiling, ratio, target, p50, p99 := "", "", "", "", ""
		cores := coresOf(r.Cores, r.ServerCores)
		if r.Ceiling > 0 {
			ceiling, ratio = fmt.Sprintf("%.0f", r.Ceiling), fmt.Sprintf("%.2f (%.2f–%.2f)", r.Ratio, r.RatioMin, r.RatioMax)
		}
		var targets []string
		if r.Target > 0 {
			targets = append(targets, fmt.Sprintf("≥ %.2f", r.Target))
		}
		if r.P99TargetMs > 0 {
			targets = append(targets, fmt.Sprintf("p99 < %.0f ms", r.P99TargetMs))
		}
		if target = strings.Join(targets, ", "); r.Missed() {
			target += " MISSED"
		}
		if r.P50ms > 0 {
			p50, p99 = fmt.Sprintf("%.2f", r.P50ms), fmt.Sprintf("%.2f", r.P99ms)
		}
		fmt.Fprintf(tw, "%s%s\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Name, errorsOf(r.Errors), r.Rate, r.Unit, p50, p99, cores, ceiling, ratio, target)
		if len(r.Rounds) == 0 {
			continue
		}
		// The parts of the ceiling, and what ran beside the workload,
		// each as the median of its rounds.
		sub := func(label string, of func(loadgen.Round) []loadgen.Result) {
			for i := range of(r.Rounds[0]) {
				var rates []float64
				errs := 0
				for _, rd := range r.Rounds {
					rates = append(rates, of(rd)[i].Rate)
					errs += of(rd)[i].Errors
				}
				_, med, _ := loadgen.Spread(rates)
				p := of(r.Rounds[0])[i]
				var cores, server []float64
				for _, rd := range r.Rounds {
					if c := of(rd)[i].Cores; c > 0 {
						cores, server = append(cores, c), append(server, of(rd)[i].ServerCores)
					}
				}
				_, c, _ := loadgen.Spread(cores)
				_, sc, _ := loadgen.Spread(server)
				used := coresOf(c, sc)
				fmt.Fprintf(tw, "  %s%s%s\t%.0f\t%s\t\t\t%s\t\t\t\t\n", label, p.Name, errorsOf(errs), med, p.Unit, used)
			}
		}
		label := "ceiling: "
		if len(r.Rounds[0].Ceilings) > 1 {
			label = "ceiling, in series: "
		}
		sub(label, func(rd loadgen.Round) []loadgen.Result { return rd.Ceilings })
		sub("", func(rd loadgen.Round) []loadgen.Result { return rd.Beside })
	}
	tw.Flush()
}

func errorsOf(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d errors)", n)
}
