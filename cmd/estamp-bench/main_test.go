package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocopvn/estamp/internal/loadgen"
)

// A short run of the whole benchmark against the real binary: every
// workload runs without errors and has its ceiling, in the table and the
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
	out := filepath.Join(dir, "bench-results.json")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"--estampd", bin, "--out", out, "--duration", "150ms", "--callers", "4"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var results []loadgen.Result
	if err := json.Unmarshal(data, &results); err != nil {
		t.Fatal(err)
	}
	workloads := map[string]bool{}
	for _, r := range results {
		if r.Rate <= 0 || r.Errors > 0 {
			t.Errorf("%s: rate %v, %d errors", r.Name, r.Rate, r.Errors)
		}
		if !strings.HasPrefix(r.Name, "ceiling") {
			workloads[r.Name] = true
			if r.Ceiling <= 0 || r.Ratio <= 0 || r.P99ms <= 0 {
				t.Errorf("%s: ceiling %v ratio %v p99 %v", r.Name, r.Ceiling, r.Ratio, r.P99ms)
			}
		}
	}
	for _, want := range []string{"issuance, batches of 1,000", "issuance, batches of 100,000", "verification over gRPC", "stamp page over HTTP", "intake, deliveries of 10,000", "label PDF (a4-3x8)"} {
		if !workloads[want] {
			t.Errorf("no %q in the results", want)
		}
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("no %q in the table", want)
		}
	}
}
