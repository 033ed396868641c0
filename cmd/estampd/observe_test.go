package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The real binary: /metrics after some traffic, JSON logs with one line
// per RPC, and pprof on the debug address only.
func TestMetricsLogsAndPprofOfTheBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the estampd binary")
	}
	httpAddr, debugAddr := freePort(t), freePort(t)
	var logs lockedBuffer
	d := startDaemonLogging(t, &logs, buildDaemon(t), filepath.Join(t.TempDir(), "data"),
		"--http-addr", httpAddr, "--log-format", "json", "--debug-addr", debugAddr)
	ctx := context.Background()
	_, stamps := d.issue(t, &estampv1.IssueStampsRequest{
		ProductId: "CHE-LAM-PHU-QUANG", Lot: "M", ProductionDate: "2026-01-10", Quantity: 25, RequestId: "metrics"})
	ver := d.Verification
	for _, s := range stamps[:3] {
		if _, err := ver.Verify(ctx, &estampv1.VerifyRequest{Code: s.Code}); err != nil {
			t.Fatal(err)
		}
	}
	// Verifications are logged at DEBUG; listings, like every other
	// method, at INFO.
	for range 3 {
		if _, err := d.Registry.ListProducers(ctx, &estampv1.ListProducersRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	body := httpGet(t, "http://"+httpAddr+"/metrics")
	for _, want := range []string{
		`estamp_rpc_requests_total{code="OK",method="/estamp.v1.VerificationService/Verify"} 3`,
		`estamp_rpc_duration_seconds_bucket{code="OK",method="/estamp.v1.IssuanceService/IssueStamps"`,
		`estamp_stamps_issued_total 25`,
		`estamp_verifications_total{verdict="GENUINE"} 3`,
		`estamp_database_size_bytes`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if !strings.Contains(httpGet(t, "http://"+debugAddr+"/debug/pprof/"), "goroutine") {
		t.Error("no pprof on the debug address")
	}
	if r, err := http.Get("http://" + httpAddr + "/debug/pprof/"); err == nil && r.StatusCode == http.StatusOK && strings.Contains(readAll(r.Body), "goroutine") {
		t.Error("pprof on the public listener")
	}
	// Log lines are written out in batches, within 100 ms, in order: once
	// the last listing's line is out, every line before it is too.
	for deadline := time.Now().Add(5 * time.Second); strings.Count(logs.String(), `"method":"/estamp.v1.RegistryService/ListProducers"`) < 3 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	rpcs := 0
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON log line: %q", line)
		}
		if rec["msg"] == "rpc" {
			rpcs++
			for _, k := range []string{"method", "code", "duration", "request_id"} {
				if _, ok := rec[k]; !ok {
					t.Errorf("rpc line without %s: %s", k, line)
				}
			}
		}
	}
	// IssueStamps, StreamStamps and 3 ListProducers.
	if rpcs != 5 {
		t.Errorf("%d rpc log lines for 5 calls:\n%s", rpcs, logs.String())
	}
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	r, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	return readAll(r.Body)
}

func readAll(rc io.ReadCloser) string {
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return string(b)
}
