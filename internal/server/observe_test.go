package server_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/server"
	"github.com/ocopvn/estamp/internal/web"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestMetricsAndRequestLogs(t *testing.T) {
	var logs syncBuffer
	e := startAt(t, t.TempDir(), "http://localhost:8080", 0, func(c *server.Config) { c.Log = slog.New(slog.NewTextHandler(&logs, nil)) })
	e.seedRegistry(t)
	resp := e.issue(t, "NEM-CHUA", 7, "m")
	e.verify(t, resp.Stamps[0].Code)
	e.verify(t, "not a code")
	e.verify(t, resp.Stamps[1].Code)
	// A caller's request id is echoed and logged.
	var header metadata.MD
	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-request-id", "scan-42")
	if _, err := e.Registry.ListProducers(ctx, &estampv1.ListProducersRequest{}, grpc.Header(&header)); err != nil {
		t.Fatal(err)
	}
	if got := header.Get("x-request-id"); len(got) != 1 || got[0] != "scan-42" {
		t.Errorf("x-request-id echoed as %v", got)
	}
	e.dial(t, "").Registry.ListProducers(context.Background(), &estampv1.ListProducersRequest{}) // Unauthenticated

	hs := httptest.NewServer(e.srv.HTTP)
	defer hs.Close()
	code := resp.Stamps[2].Code
	get(t, hs.URL+"/V/"+code[strings.LastIndex(code, "/")+1:])
	for _, p := range append(web.Paths(), "/khong-co") {
		get(t, hs.URL+p)
	}
	r, err := http.Get(hs.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	for _, want := range []string{
		`estamp_rpc_requests_total{code="OK",method="/estamp.v1.VerificationService/Verify"} 3`,
		`estamp_rpc_requests_total{code="Unauthenticated",method="/estamp.v1.RegistryService/ListProducers"} 1`,
		`estamp_rpc_duration_seconds_bucket{code="OK",method="/estamp.v1.IssuanceService/IssueStamps",le="+Inf"} 1`,
		`estamp_rpc_requests_total{code="OK",method="/estamp.v1.IssuanceService/StreamStamps"} 1`,
		`estamp_stamps_issued_total 7`,
		`estamp_verifications_total{verdict="GENUINE"} 3`,
		`estamp_verifications_total{verdict="MALFORMED"} 1`,
		`estamp_http_request_duration_seconds_count{code="200",route="/V/{token}"} 1`,
		`estamp_database_size_bytes `,
		`go_goroutines `,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// Each fixed path is its own route, anything else one more.
	for _, p := range append(web.Paths(), "other") {
		if !strings.Contains(string(body), `route="`+p+`"`) {
			t.Errorf("/metrics has no route %q", p)
		}
	}

	var rpcLines []string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "msg=rpc ") {
			rpcLines = append(rpcLines, l)
		}
	}
	// seed (1 producer + 5 products + 1 revocation), issue, stream the
	// codes, the listing, 1 refusal; verifications are logged at DEBUG
	// (TestVerificationAndProbesAreLoggedAtDebug).
	if len(rpcLines) != 11 {
		t.Errorf("%d rpc log lines, want 11:\n%s", len(rpcLines), strings.Join(rpcLines, "\n"))
	}
	for _, l := range rpcLines {
		for _, field := range []string{"method=/", "code=", "duration=", "request_id="} {
			if !strings.Contains(l, field) {
				t.Errorf("log line lacks %s: %s", field, l)
			}
		}
	}
	if !strings.Contains(logs.String(), "request_id=scan-42") || !strings.Contains(logs.String(), "principal=admin/") {
		t.Errorf("logs lack the caller's request id or the principal:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), e.adminToken[24:]) {
		t.Error("a token is in the logs")
	}
}

// Verification (Verify, with a token or without: buyers' phones,
// scanners, shops' systems) and health probes are logged at DEBUG, not
// INFO: one line per scan or probe would be most of the log and cost CPU
// on the hottest path, and their counts stay in /metrics. The probe is
// also estamp-bench's empty call, which must not pay for a line that
// Verify does not write. Every other method stays at INFO.
func TestVerificationAndProbesAreLoggedAtDebug(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		var logs syncBuffer
		e := startAt(t, t.TempDir(), "http://localhost:8080", 0, func(c *server.Config) {
			c.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: level}))
		})
		e.seedRegistry(t)
		code := e.issue(t, "NEM-CHUA", 2, "m").Stamps[0].Code
		public := e.dial(t, "")
		for range 3 {
			if _, err := public.Verification.Verify(context.Background(), &estampv1.VerifyRequest{Code: code}); err != nil {
				t.Fatal(err)
			}
		}
		e.verify(t, code) // with the office's token
		health := healthpb.NewHealthClient(public.Conn)
		for range 2 {
			if _, err := health.Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil {
				t.Fatal(err)
			}
		}
		count := func(method, want string) int {
			n := 0
			for _, l := range strings.Split(logs.String(), "\n") {
				if strings.Contains(l, "msg=rpc ") && strings.Contains(l, "method="+method+" ") && strings.Contains(l, want) {
					n++
				}
			}
			return n
		}
		for _, c := range []struct {
			method string
			calls  int
		}{
			{estampv1.VerificationService_Verify_FullMethodName, 4},
			{healthpb.Health_Check_FullMethodName, 2},
		} {
			wantDebug := 0
			if level == slog.LevelDebug {
				wantDebug = c.calls
			}
			if info, debug := count(c.method, "level=INFO"), count(c.method, "level=DEBUG"); info != 0 || debug != wantDebug {
				t.Errorf("at %v: %d INFO and %d DEBUG lines for %s, want 0 and %d:\n%s", level, info, debug, c.method, wantDebug, logs.String())
			}
		}
		// The other methods stay at INFO: the issuance above.
		if n := count(estampv1.IssuanceService_IssueStamps_FullMethodName, "level=INFO"); n != 1 {
			t.Errorf("at %v: %d INFO lines for IssueStamps, want 1:\n%s", level, n, logs.String())
		}
	}
}
