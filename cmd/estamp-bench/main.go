// Command estamp-bench is the load generator behind `make bench`: it starts
// a real estampd on loopback with a fresh data directory, drives every
// workload against it, measures in the same run what the machine allows
// for each (the ceilings), and prints one table, also written as JSON.
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
	"strings"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/client"
	"github.com/ocopvn/estamp/internal/loadgen"
	"github.com/ocopvn/estamp/internal/server"
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
	callers  int
	keep     bool
	extra    string
	skip     string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := flag.NewFlagSet("estamp-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.estampd, "estampd", "bin/estampd", "the estampd binary to run")
	fs.StringVar(&c.out, "out", "bench-results.json", "where to write the results as JSON")
	fs.DurationVar(&c.duration, "duration", 5*time.Second, "how long each workload and ceiling runs")
	fs.IntVar(&c.callers, "callers", 64, "concurrent callers for verification and the web page")
	fs.BoolVar(&c.keep, "keep", false, "keep the data directory and the server log")
	fs.StringVar(&c.skip, "skip", "", "workloads to leave out, comma-separated: issuance,web,intake,labels")
	fs.StringVar(&c.extra, "server-flags", "", "more estampd flags, space-separated (e.g. --debug-addr 127.0.0.1:6060 to profile)")
	if err := fs.Parse(args); err != nil {
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
	d, err := startServer(ctx, c.estampd, dir, strings.Fields(c.extra))
	if err != nil {
		return err
	}
	defer d.stop()
	b := &bench{cfg: c, d: d, dir: dir, log: stderr}
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

// daemon is the estampd under test.
type daemon struct {
	cmd      *exec.Cmd
	grpcAddr string
	httpAddr string
	admin    client.Clients // with the admin token
	public   client.Clients // without a token
}

func startServer(ctx context.Context, bin, dir string, extra []string) (*daemon, error) {
	httpAddr, err := freePort()
	if err != nil {
		return nil, err
	}
	grpcAddr, err := freePort()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(dir, "estampd.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, "--data-dir", filepath.Join(dir, "data"), "--demo",
		"--grpc-addr", grpcAddr, "--http-addr", httpAddr, "--base-url", "http://"+httpAddr,
		"--verify-rate", "0", "--token-code-rate", "0", "--many-scans", "1000000")
	cmd.Args = append(cmd.Args, extra...)
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s (run `make build` first): %w", bin, err)
	}
	d := &daemon{cmd: cmd, grpcAddr: grpcAddr, httpAddr: httpAddr}
	if d.public, err = client.Dial(d.grpcAddr, "", nil); err != nil {
		d.stop()
		return nil, err
	}
	health := healthpb.NewHealthClient(d.public.Conn)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			d.stop()
			return nil, fmt.Errorf("estampd did not start; see %s", logFile.Name())
		}
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		resp, err := health.Check(cctx, &healthpb.HealthCheckRequest{})
		cancel()
		if err == nil && resp.Status == healthpb.HealthCheckResponse_SERVING {
			break
		}
	}
	token, err := os.ReadFile(server.AdminTokenPath(filepath.Join(dir, "data")))
	if err != nil {
		d.stop()
		return nil, err
	}
	if d.admin, err = client.Dial(d.grpcAddr, strings.TrimSpace(string(token)), nil); err != nil {
		d.stop()
		return nil, err
	}
	return d, nil
}

func (d *daemon) stop() {
	for _, c := range []client.Clients{d.admin, d.public} {
		if c.Conn != nil {
			c.Close()
		}
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	_ = d.cmd.Wait()
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
	cfg config
	d   *daemon
	dir string
	log io.Writer
}

func (b *bench) skip(name string) bool {
	return strings.Contains(","+b.cfg.skip+",", ","+name+",")
}

func (b *bench) step(format string, args ...any) {
	fmt.Fprintf(b.log, "· "+format+"\n", args...)
}

const product = "NEM-CHUA-TH-5S"

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
	d := b.cfg.duration
	var out []loadgen.Result
	add := func(rs ...loadgen.Result) { out = append(out, rs...) }

	b.step("ceilings: Ed25519 sign and verify, bbolt inserts (%s each, %d cores)", d, runtime.GOMAXPROCS(0))
	sign := loadgen.Sign(d)
	verifyCPU := loadgen.Verify(d)
	// A stored stamp is about 100 bytes: key, product, lot, serial.
	inserts, err := loadgen.BoltInserts(d, b.dir, 100)
	if err != nil {
		return nil, err
	}
	issueCeiling := loadgen.Serial("ceiling: sign + store each stamp", sign, inserts)
	issueCeiling.Unit = "stamps/s"
	add(sign, verifyCPU, inserts, issueCeiling)

	b.step("issuance: batches of 1,000 (4 callers) and of 100,000")
	var pool []string // codes to verify and receive
	if b.skip("issuance") {
		if _, _, err := b.issue(ctx, 100_000, codesOf(&pool)); err != nil {
			return nil, err
		}
	} else if pool, err = b.issuance(ctx, issueCeiling, add); err != nil {
		return nil, err
	}
	if len(pool) == 0 {
		return nil, errors.New("no 100,000-stamp batch was issued")
	}
	return b.verification(ctx, pool, verifyCPU, sign, out)
}

// issuance measures batches of 1,000 and 100,000, each issued and its
// codes streamed, and returns the codes of one 100,000-stamp batch.
func (b *bench) issuance(ctx context.Context, ceiling loadgen.Result, add func(...loadgen.Result)) ([]string, error) {
	d := b.cfg.duration
	iss1k := loadgen.Closed(ctx, "issuance, batches of 1,000", "stamps/s", 4, d, func(ctx context.Context, _ int) (int, error) {
		_, n, err := b.issue(ctx, 1000, nil)
		return n, err
	})
	var pool []string
	iss100k := loadgen.Closed(ctx, "issuance, batches of 100,000", "stamps/s", 1, d, func(ctx context.Context, _ int) (int, error) {
		var keep func([]*estampv1.Stamp)
		if len(pool) == 0 {
			keep = codesOf(&pool)
		}
		_, n, err := b.issue(ctx, 100_000, keep)
		return n, err
	})
	for _, r := range []*loadgen.Result{&iss1k, &iss100k} {
		r.Against(ceiling)
		r.Target = 0.6
	}
	add(iss1k, iss100k)
	return pool, nil
}

// verification measures Verify, the web page, intake and labels against
// their ceilings, appending to out.
func (b *bench) verification(ctx context.Context, pool []string, verifyCPU, sign loadgen.Result, out []loadgen.Result) ([]loadgen.Result, error) {
	d := b.cfg.duration
	add := func(rs ...loadgen.Result) { out = append(out, rs...) }

	// With a token every verification records its scan: without one,
	// the same client checking the same stamp again within 30 minutes is
	// one scan, and the bench would measure reads, not durable scans.
	b.step("verification over gRPC with a token (every call records a scan): %d callers; ceiling: an empty call (health check) the same way", b.cfg.callers)
	health := healthpb.NewHealthClient(b.d.admin.Conn)
	empty := loadgen.Closed(ctx, "ceiling: empty gRPC call (health check)", "calls/s", b.cfg.callers, d, func(ctx context.Context, _ int) (int, error) {
		_, err := health.Check(ctx, &healthpb.HealthCheckRequest{})
		return 1, err
	})
	ver := b.d.admin.Verification
	verify := loadgen.Closed(ctx, "verification over gRPC", "calls/s", b.cfg.callers, d, func(ctx context.Context, _ int) (int, error) {
		resp, err := ver.Verify(ctx, &estampv1.VerifyRequest{Code: pool[rand.IntN(len(pool))]})
		if err == nil && resp.Verdict != estampv1.Verdict_VERDICT_GENUINE {
			err = fmt.Errorf("verdict %v", resp.Verdict)
		}
		return 1, err
	})
	verify.Against(empty, verifyCPU)
	verify.Target = 0.6
	add(empty, verify)

	if b.skip("web") {
		return out, nil
	}
	b.step("web page: %d clients; ceiling: /healthz the same way", b.cfg.callers)
	tr := &http.Transport{MaxIdleConnsPerHost: b.cfg.callers, MaxConnsPerHost: b.cfg.callers}
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
	healthz := loadgen.Closed(ctx, "ceiling: empty HTTP request (/healthz)", "req/s", b.cfg.callers, d, func(ctx context.Context, _ int) (int, error) {
		return 1, get(ctx, "http://"+b.d.httpAddr+"/healthz")
	})
	page := loadgen.Closed(ctx, "stamp page over HTTP", "pages/s", b.cfg.callers, d, func(ctx context.Context, _ int) (int, error) {
		return 1, get(ctx, pool[rand.IntN(len(pool))])
	})
	page.Against(healthz, verifyCPU)
	add(healthz, page)
	tr.CloseIdleConnections()

	// Intake checks each code by re-signing it (deterministic Ed25519),
	// so its ceiling is the signing rate.
	b.step("intake: deliveries of 10,000 codes")
	cust := b.d.admin.Custody
	var next atomic.Int64
	intake := loadgen.Closed(ctx, "intake, deliveries of 10,000", "codes/s", 1, d, func(ctx context.Context, _ int) (int, error) {
		i := int(next.Add(1)-1) * 10_000 % len(pool)
		resp, err := cust.ReceiveDelivery(ctx, &estampv1.ReceiveDeliveryRequest{RetailerId: "CH-OCOP-HAC-THANH", Codes: pool[i : i+10_000]})
		return len(resp.GetItems()), err
	})
	intake.Against(sign)
	add(intake)

	b.step("labels: PDF of 2,000 stamps, rendered on the server; ceiling: QR encoding")
	qr := loadgen.QREncode(d, pool[0])
	batch, _, err := b.issue(ctx, 2000, nil)
	if err != nil {
		return nil, err
	}
	lbl := b.d.admin.Labels
	labels := loadgen.Closed(ctx, "label PDF (a4-3x8)", "labels/s", 1, d, func(ctx context.Context, _ int) (int, error) {
		stream, err := lbl.RenderLabels(ctx, &estampv1.RenderLabelsRequest{BatchId: batch.Id, Format: estampv1.LabelFormat_LABEL_FORMAT_PDF})
		if err != nil {
			return 0, err
		}
		if err := client.Receive(stream, func(*estampv1.RenderLabelsResponse) error { return nil }); err != nil {
			return 0, err
		}
		return 2000, nil
	})
	labels.Against(qr)
	add(qr, labels)
	return out, nil
}

func printTable(w io.Writer, results []loadgen.Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\trate\tunit\tp50 ms\tp99 ms\tceiling\tratio\ttarget\t")
	for _, r := range results {
		ceiling, ratio, target, p50, p99 := "", "", "", "", ""
		if r.Ceiling > 0 {
			ceiling, ratio = fmt.Sprintf("%.0f", r.Ceiling), fmt.Sprintf("%.2f", r.Ratio)
		}
		if r.Target > 0 {
			target = fmt.Sprintf("≥ %.2f", r.Target)
			if r.Ratio < r.Target {
				target += " MISSED"
			}
		}
		if r.P50ms > 0 {
			p50, p99 = fmt.Sprintf("%.2f", r.P50ms), fmt.Sprintf("%.2f", r.P99ms)
		}
		errs := ""
		if r.Errors > 0 {
			errs = fmt.Sprintf(" (%d errors)", r.Errors)
		}
		fmt.Fprintf(tw, "%s%s\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Name, errs, r.Rate, r.Unit, p50, p99, ceiling, ratio, target)
	}
	tw.Flush()
}
