package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/server"
)

// grpcurl runs the grpcurl pinned in tools/go.mod, as a person following
// the README would, with its default limits (a 4 MB message at most).
func grpcurl(args ...string) *exec.Cmd {
	return exec.Command("go", append([]string{"tool", "-modfile=../../tools/go.mod", "grpcurl"}, args...)...)
}

// offline tells a failure to build grpcurl for want of the network (its
// modules not in the cache) from any other.
var offline = regexp.MustCompile(`dial tcp|no such host|lookup disabled|connection refused|i/o timeout|network is unreachable|proxy`)

// A client that knows nothing of estamp but the reflection service —
// grpcurl, with gRPC's default 4 MB message limit — gets every code of a
// 100,000-stamp batch from a real estampd.
func TestGrpcurlStreamsABatchOf100000(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs estampd and grpcurl")
	}
	if out, err := grpcurl("-version").CombinedOutput(); err != nil {
		if offline.Match(out) {
			t.Skipf("go tool cannot build grpcurl offline (its modules are not in the module cache); run `go mod download -modfile=tools/go.mod` with network access:\n%s", out)
		}
		t.Fatalf("go tool grpcurl: %v\n%s", err, out)
	}
	dataDir := filepath.Join(t.TempDir(), "data")
	d := startDaemon(t, buildDaemon(t), dataDir)
	resp, err := d.Issuance.IssueStamps(context.Background(), &estampv1.IssueStampsRequest{
		ProductId: "NEM-CHUA-TH-5S", Lot: "GRPCURL", ProductionDate: "2026-01-15", Quantity: 100_000, RequestId: "grpcurl"})
	if err != nil {
		t.Fatal(err)
	}
	token, err := os.ReadFile(server.AdminTokenPath(dataDir))
	if err != nil {
		t.Fatal(err)
	}
	cmd := grpcurl("-plaintext", "-rpc-header", "authorization: Bearer "+strings.TrimSpace(string(token)),
		"-d", fmt.Sprintf(`{"batch_id": %d}`, resp.Batch.Id), d.addr, "estamp.v1.IssuanceService/StreamStamps")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Each stamp is printed as {"serial": "N", "code": "HTTP://…/V/…"}.
	code := regexp.MustCompile(`"code": "(` + regexp.QuoteMeta(resp.Batch.BaseUrl) + `[A-Z2-7]+)"`)
	seen := map[string]bool{}
	var first, last string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if m := code.FindStringSubmatch(sc.Text()); m != nil {
			seen[m[1]] = true
			if first == "" {
				first = m[1]
			}
			last = m[1]
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("grpcurl: %v\n%s", err, stderr.String())
	}
	if len(seen) != 100_000 {
		t.Fatalf("grpcurl printed %d distinct codes, want 100000\n%s", len(seen), stderr.String())
	}
	ver := d.Verification
	for _, c := range []string{first, last} {
		v, err := ver.Verify(context.Background(), &estampv1.VerifyRequest{Code: c})
		if err != nil || v.Verdict != estampv1.Verdict_VERDICT_GENUINE {
			t.Errorf("code %s from grpcurl: %v %v", c, v.GetVerdict(), err)
		}
	}
}

// --token-code-rate and --token-code-burst set every token's budget of
// codes; 0 turns it off.
func TestTokenCodeFlags(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs estampd")
	}
	bin := buildDaemon(t)
	for _, tt := range []struct {
		name  string
		flags []string
		// refused is whether the third stream of 100 codes is refused.
		refused bool
	}{
		{"budget of 250", []string{"--token-code-burst", "250", "--token-code-rate", "1"}, true},
		{"no rate", []string{"--token-code-burst", "250", "--token-code-rate", "0"}, false},
		{"no burst", []string{"--token-code-burst", "0"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := startDaemon(t, bin, filepath.Join(t.TempDir(), "data"), tt.flags...)
			iss := d.Issuance
			b, err := iss.IssueStamps(context.Background(), &estampv1.IssueStampsRequest{
				ProductId: "NEM-CHUA-TH-5S", Lot: "BUDGET", ProductionDate: "2026-01-15", Quantity: 100, RequestId: "budget"})
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				_, err := streamStamps(context.Background(), iss, b.Batch.Id)
				if refused := status.Code(err) == codes.ResourceExhausted; i < 2 && err != nil || i == 2 && refused != tt.refused {
					t.Errorf("stream %d of 100 codes: %v", i+1, err)
				}
			}
		})
	}
}
