package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/cputime"
)

// BenchmarkIssueStamps measures issuing one batch end to end over gRPC, as
// a client gets it: IssueStamps (validation, one bbolt commit), then
// StreamStamps (signing every stamp, and the messages).
func BenchmarkIssueStamps(b *testing.B) {
	for _, n := range []uint32{1_000, 100_000} {
		b.Run(fmt.Sprint("stamps=", n), func(b *testing.B) {
			e := start(b)
			e.seedRegistry(b)
			i := 0
			for b.Loop() {
				i++
				e.issue(b, "NEM-CHUA", n, fmt.Sprint("bench-", i))
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/stamp")
		})
	}
}

// BenchmarkVerify measures concurrent verification over gRPC, each call
// recording its scan durably. commit=group is the server's setting;
// commit=each forces one bbolt commit (and fsync) per verification, the
// ceiling group commit exists to lift.
func BenchmarkVerify(b *testing.B) {
	for _, mode := range []struct {
		name  string
		batch int
	}{{"group", 0}, {"each", 1}} {
		b.Run("commit="+mode.name, func(b *testing.B) {
			e := startWith(b, mode.batch)
			e.seedRegistry(b)
			stamps := e.issue(b, "NEM-CHUA", 1000, "bench").Stamps
			var next atomic.Int64
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					code := stamps[next.Add(1)%int64(len(stamps))].Code
					v, err := e.Verification.Verify(context.Background(), &estampv1.VerifyRequest{Code: code})
					if err != nil || v.Verdict != estampv1.Verdict_VERDICT_GENUINE {
						b.Fatalf("verify: %v %v", v.GetVerdict(), err)
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
		})
	}
}

// load runs b.N calls of do from clients goroutines and reports the rate
// and the 99th-percentile latency.
func load(b *testing.B, clients int, do func() error) {
	b.Helper()
	var (
		mu        sync.Mutex
		latencies = make([]time.Duration, 0, b.N)
		next      atomic.Int64
		wg        sync.WaitGroup
	)
	b.ResetTimer()
	start := time.Now()
	for range clients {
		wg.Go(func() {
			mine := []time.Duration{}
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				if err := do(); err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(latencies)
	if len(latencies) > 0 {
		b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
	}
	b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "req/s")
}

// BenchmarkStampPage50 loads the stamp page as 50 phones at once would,
// over real loopback HTTP, each view recording its scan.
func BenchmarkStampPage50(b *testing.B) {
	e := start(b)
	e.seedRegistry(b)
	stamps := e.issue(b, "NEM-CHUA", 1000, "bench").Stamps
	hs := httptest.NewServer(e.srv.HTTP)
	defer hs.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var i atomic.Int64
	load(b, 50, func() error {
		n := i.Add(1)
		code := stamps[n%int64(len(stamps))].Code
		req, err := http.NewRequest("GET", hs.URL+code[strings.Index(code, "/V/"):], nil)
		if err != nil {
			return err
		}
		// Another phone each time: the same one viewing again soon is
		// not a scan, and the benchmark is of views that record one.
		req.Header.Set("User-Agent", fmt.Sprintf("phone %d", n))
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || !bytes.Contains(body, []byte("Sản phẩm chính hãng")) {
			return fmt.Errorf("status %d, %v", resp.StatusCode, err)
		}
		return nil
	})
}

// BenchmarkVerifyGRPC50 is the same load through Verify over gRPC on real
// loopback TCP, for comparison with the page.
func BenchmarkVerifyGRPC50(b *testing.B) {
	e := start(b)
	e.seedRegistry(b)
	stamps := e.issue(b, "NEM-CHUA", 1000, "bench").Stamps
	// With a token every call records its scan (a tokenless client
	// checking the same stamp again soon would not).
	ver := e.dialTCP(b).Verification
	var i atomic.Int64
	load(b, 50, func() error {
		code := stamps[i.Add(1)%int64(len(stamps))].Code
		v, err := ver.Verify(context.Background(), &estampv1.VerifyRequest{Code: code})
		if err != nil || v.Verdict != estampv1.Verdict_VERDICT_GENUINE {
			return fmt.Errorf("verify: %v %v", v.GetVerdict(), err)
		}
		return nil
	})
}

// BenchmarkCallCPU measures the CPU time one call costs client and server
// together, over real loopback TCP from 64 callers as cmd/estamp-bench
// calls: Verify with a token (each call records its scan) and the empty
// health check the bench composes Verify's ceiling from. CPU time, unlike
// calls per second, hardly moves when other processes share the cores, so
// a change to Verify's path shows here first; the bench's ratio is
// roughly (empty + re-sign) / verify of these figures.
func BenchmarkCallCPU(b *testing.B) {
	e := start(b)
	e.seedRegistry(b)
	stamps := e.issue(b, "NEM-CHUA", 10_000, "bench").Stamps
	c := e.dialTCP(b)
	health := healthpb.NewHealthClient(c.Conn)
	for _, call := range []struct {
		name string
		do   func(i int64) error
	}{
		{"verify", func(i int64) error {
			v, err := c.Verification.Verify(context.Background(), &estampv1.VerifyRequest{Code: stamps[i%int64(len(stamps))].Code})
			if err == nil && v.Verdict != estampv1.Verdict_VERDICT_GENUINE {
				err = fmt.Errorf("verdict %v", v.Verdict)
			}
			return err
		}},
		{"empty", func(int64) error {
			_, err := health.Check(context.Background(), &healthpb.HealthCheckRequest{})
			return err
		}},
	} {
		b.Run(call.name, func(b *testing.B) {
			var i atomic.Int64
			cpu0, ok := cputime.Process()
			load(b, 64, func() error { return call.do(i.Add(1)) })
			if cpu1, _ := cputime.Process(); ok {
				b.ReportMetric(float64((cpu1-cpu0).Microseconds())/float64(b.N), "cpu-µs/call")
			}
		})
	}
}
