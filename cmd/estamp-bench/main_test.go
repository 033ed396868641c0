package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ocopvn/estamp/internal/loadgen"
)

// A short run of the whole benchmark against the real binary, with a
// small preload: every workload runs without errors in every round, has
// its ceilings measured in each round, and shows in the table and the
// JSON.
func TestBenchSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and drives estampd")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "estampd")
	if out, err := exec.Command("go", "build", "-o", bin, "../estampd").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, profile := filepath.Join(dir, "bench-results.json"), filepath.Join(dir, "bench.pprof")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"--estampd", bin, "--out", out, "--duration", "100ms", "--callers", "4", "--rounds", "2", "--preload", "2500", "--cpuprofile", profile}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if st, err := os.Stat(profile); err != nil || st.Size() == 0 {
		t.Errorf("--cpuprofile %s: %v, %v", profile, st, err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var results []loadgen.Result
	if err := json.Unmarshal(data, &results); err != nil {
		t.Fatal(err)
	}
	rows := map[string]loadgen.Result{}
	for _, r := range results {
		rows[r.Name] = r
		if r.Rate <= 0 || r.Errors > 0 {
			t.Errorf("%s: rate %v, %d errors", r.Name, r.Rate, r.Errors)
		}
		if strings.HasPrefix(r.Name, "preload") {
			continue
		}
		if len(r.Rounds) != 2 {
			t.Errorf("%s: %d rounds, want 2", r.Name, len(r.Rounds))
		}
		if r.P99ms <= 0 {
			t.Errorf("%s: p99 %v", r.Name, r.P99ms)
		}
		// Bench and server both work in every workload, on some of the
		// cores; /proc, which gives the server's time, is Linux's.
		if runtime.GOOS == "linux" && (r.Cores <= 0 || r.Cores > float64(runtime.NumCPU())+0.5) {
			t.Errorf("%s: %v cores used", r.Name, r.Cores)
		}
		// Every workload here is served by estampd.
		if runtime.GOOS == "linux" && (r.ServerCores <= 0 || r.ServerCores >= r.Cores) {
			t.Errorf("%s: %v of %v cores used by the server", r.Name, r.ServerCores, r.Cores)
		}
		for i, rd := range r.Rounds {
			if rd.Workload.Rate <= 0 || rd.Workload.Errors > 0 {
				t.Errorf("%s round %d: %+v", r.Name, i, rd.Workload)
			}
			for _, c := range append(rd.Ceilings, rd.Beside...) {
				if c.Rate <= 0 || c.Errors > 0 {
					t.Errorf("%s round %d: %s rate %v, %d errors", r.Name, i, c.Name, c.Rate, c.Errors)
				}
			}
			if len(rd.Ceilings) > 0 && (rd.Ceiling <= 0 || rd.Ratio <= 0) {
				t.Errorf("%s round %d: ceiling %v ratio %v", r.Name, i, rd.Ceiling, rd.Ratio)
			}
		}
		if len(r.Rounds) > 0 && len(r.Rounds[0].Ceilings) > 0 && (r.Ceiling <= 0 || r.RatioMin <= 0 || r.RatioMin > r.Ratio || r.Ratio > r.RatioMax) {
			t.Errorf("%s: ceiling %v, ratio %v (%v–%v)", r.Name, r.Ceiling, r.Ratio, r.RatioMin, r.RatioMax)
		}
	}
	ceilings := map[string]int{
		"issuance, batches of 1,000": 1, "issuance, batches of 100,000": 1,
		"verification over gRPC": 2, "verification over gRPC, 2,500 preloaded stamps": 2,
		"stamp page over HTTP": 1, "intake, deliveries of 10,000": 1,
		"label PDF (a4-3x8)": 1, "label PDF against one-core QR encoding": 1,
		"Verify p99 during intake (deliveries of 10,000)": 0,
	}
	for name, n := range ceilings {
		r, ok := rows[name]
		if !ok {
			t.Errorf("no %q in the results", name)
			continue
		}
		if got := len(r.Rounds[0].Ceilings); got != n {
			t.Errorf("%s: %d ceilings a round, want %d", name, got, n)
		}
		if !strings.Contains(stdout.String(), name) {
			t.Errorf("no %q in the table", name)
		}
	}
	if r := rows["Verify p99 during intake (deliveries of 10,000)"]; len(r.Rounds) == 0 || len(r.Rounds[0].Beside) != 1 || r.P99TargetMs != 50 {
		t.Errorf("during intake: %+v", r)
	}
	preloaded := false
	for name := range rows {
		preloaded = preloaded || strings.HasPrefix(name, "preload: 2,500 issued and scanned stamps")
	}
	if !preloaded {
		t.Errorf("no preload row in %v", rows)
	}
	for _, want := range []string{"ratio median (min–max)", "ceiling, in series: empty gRPC call", "ceiling: Ed25519 sign, all cores", "beside it: intake"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("no %q in the table:\n%s", want, stdout.String())
		}
	}
}

func TestAddresses(t *testing.T) {
	g, h, err := addresses(7400)
	if err != nil || g != "127.0.0.1:7400" || h != "127.0.0.1:7401" {
		t.Errorf("--base-port 7400: %s %s %v", g, h, err)
	}
	for _, bad := range []int{-1, 65535, 70000} {
		if _, _, err := addresses(bad); err == nil {
			t.Errorf("--base-port %d accepted", bad)
		}
	}
	g, h, err = addresses(0)
	if err != nil || g == h || !strings.HasPrefix(g, "127.0.0.1:") {
		t.Errorf("free ports: %s %s %v", g, h, err)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 2500: "2,500", 5_000_000: "5,000,000", 123456789: "123,456,789"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %s, want %s", n, got, want)
		}
	}
}

func TestFlagsRefused(t *testing.T) {
	for _, args := range [][]string{{"--rounds", "0"}, {"--preload", "-1"}, {"--skip", "nothing"}, {"--base-port", "65535"}} {
		var out bytes.Buffer
		if err := run(context.Background(), args, &out, &out); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
