package server_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// BenchmarkIssueStamps measures issuing one batch end to end over gRPC:
// validation, one bbolt commit, signing every stamp, and the response.
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
					v, err := e.ver.Verify(context.Background(), &estampv1.VerifyRequest{Code: code})
					if err != nil || v.Verdict != estampv1.Verdict_VERDICT_GENUINE {
						b.Fatalf("verify: %v %v", v.GetVerdict(), err)
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
		})
	}
}
