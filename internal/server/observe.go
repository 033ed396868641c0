package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/verify"
	"github.com/ocopvn/estamp/internal/web"
)

// metrics are what /metrics exports. Counts that the database already
// holds (stamps issued, its size) are read from it at scrape time, so they
// survive restarts and cannot drift from the truth.
type metrics struct {
	registry *prometheus.Registry
	rpcs     *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	verdicts *prometheus.CounterVec
	http     *prometheus.HistogramVec
	// scansNotRecorded counts verdicts given without their scan stored.
	scansNotRecorded prometheus.Counter
	// trustRefusals counts fetched trust lists not taken, by reason.
	trustRefusals *prometheus.CounterVec
}

// dbStats is what the metrics read from the store. A scrape's collectors
// get no context, so they read under context.Background(): each read is
// one short transaction.
type dbStats interface {
	NextSerial(context.Context) (uint64, error)
	Size(context.Context) (int64, error)
	Unfolded() int
}

func newMetrics(db dbStats) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		rpcs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "estamp_rpc_requests_total", Help: "gRPC calls by method and status code.",
		}, []string{"method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "estamp_rpc_duration_seconds", Help: "gRPC call latency by method and status code.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"method", "code"}),
		verdicts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "estamp_verifications_total", Help: "Verifications (gRPC and web page) by verdict.",
		}, []string{"verdict"}),
		http: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "estamp_http_request_duration_seconds", Help: "HTTP requests by route and status.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .02, .05, .1, .25, .5, 1},
		}, []string{"route", "code"}),
		scansNotRecorded: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "estamp_scans_not_recorded_total", Help: "Verifications answered with their verdict although their scan could not be stored (e.g. a full disk).",
		}),
		trustRefusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "estamp_trust_list_refusals_total", Help: "Fetched national trust lists not taken, by reason (fetch, invalid, not newer); the last good list stays.",
		}, []string{"reason"}),
	}
	m.registry.MustRegister(m.rpcs, m.latency, m.verdicts, m.http, m.scansNotRecorded, m.trustRefusals,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "estamp_stamps_issued_total", Help: "Stamps issued since the database was created.",
		}, func() float64 {
			next, err := db.NextSerial(context.Background())
			if err != nil {
				return 0
			}
			return float64(next - 1)
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "estamp_database_size_bytes", Help: "Size of the bbolt database.",
		}, func() float64 {
			n, err := db.Size(context.Background())
			if err != nil {
				return 0
			}
			return float64(n)
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "estamp_scans_unfolded", Help: "Acknowledged scans in the scan journal not yet folded into the database (a few seconds' worth; growing means folds fail).",
		}, func() float64 { return float64(db.Unfolded()) }),
	)
	return m
}

// callInfo is filled in by inner interceptors for the one log line the
// outermost writes.
// callInfo is what the layers of one call learn about it for the log.
type callInfo struct{ principal, requestID string }

type callInfoKey struct{}

// requestIDOf is the request id the observer gave a call, for other log
// lines about it.
func requestIDOf(ctx context.Context) string {
	if ci, ok := ctx.Value(callInfoKey{}).(*callInfo); ok {
		return ci.requestID
	}
	return ""
}

func setPrincipal(ctx context.Context, p string) {
	if ci, ok := ctx.Value(callInfoKey{}).(*callInfo); ok {
		ci.principal = p
	}
}

// requestID is the caller's x-request-id when it is a sane token, else a
// fresh one, so that a client's logs and ours can be joined.
func requestID(ctx context.Context) string {
	if v := metadata.ValueFromIncomingContext(ctx, "x-request-id"); len(v) == 1 && len(v[0]) <= 64 && v[0] != "" && strings.IndexFunc(v[0], badIDRune) < 0 {
		return v[0]
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func badIDRune(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
}

// observer writes one log line and the metrics of every call; a
// verification's line is at DEBUG.
type observer struct {
	log *slog.Logger
	m   *metrics
}

func (o *observer) begin(ctx context.Context) (context.Context, *callInfo, string) {
	id := requestID(ctx)
	_ = grpc.SetHeader(ctx, metadata.Pairs("x-request-id", id))
	ci := &callInfo{requestID: id}
	return context.WithValue(ctx, callInfoKey{}, ci), ci, id
}

func (o *observer) end(ctx context.Context, method string, ci *callInfo, id string, start time.Time, err error) {
	d := time.Since(start)
	code := status.Code(err).String()
	o.m.rpcs.WithLabelValues(method, code).Inc()
	o.m.latency.WithLabelValues(method, code).Observe(d.Seconds())
	level := slog.LevelInfo
	switch {
	case status.Code(err) == codes.Internal: // the cause is logged by toStatus
		level = slog.LevelWarn
	case method == estampv1.VerificationService_Verify_FullMethodName:
		// A scan, a buyer's or a system's: most calls of all, counted
		// in /metrics (and, for a stamp of ours, in its state); a line
		// each would be most of the log and cost CPU on the hottest
		// path (3% of the server's in estamp-bench, whose callers
		// verify with a token). Who called is not kept for it.
		level = slog.LevelDebug
	case method == healthpb.Health_Check_FullMethodName:
		// A probe (a load balancer's, a supervisor's): as frequent as
		// whoever probes wants, and says nothing an operator reads
		// back; counted in /metrics. It is also estamp-bench's empty
		// call, the RPC part of verification's ceiling, which must
		// cost what a verification's call costs, a log line no more
		// (at INFO one bench run logged 285,000 of them, 49 MB).
		level = slog.LevelDebug
	}
	attrs := []slog.Attr{slog.String("method", method), slog.String("code", code), slog.Duration("duration", d), slog.String("request_id", id)}
	if ci.principal != "" {
		attrs = append(attrs, slog.String("principal", ci.principal))
	}
	o.log.LogAttrs(ctx, level, "rpc", attrs...)
}

func (o *observer) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	start := time.Now()
	ctx, ci, id := o.begin(ctx)
	resp, err := handler(ctx, req)
	o.end(ctx, info.FullMethod, ci, id, start, err)
	return resp, err
}

func (o *observer) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	start := time.Now()
	ctx, ci, id := o.begin(ss.Context())
	err := handler(srv, &ctxStream{ServerStream: ss, ctx: ctx})
	o.end(ctx, info.FullMethod, ci, id, start, err)
	return err
}

type ctxStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *ctxStream) Context() context.Context { return s.ctx }

// countingVerifier counts verdicts wherever a code is verified: over gRPC
// and on the web page.
type countingVerifier struct {
	*verify.Service
	verdicts verdictCounters
}

func (v countingVerifier) Verify(ctx context.Context, req *estampv1.VerifyRequest) (*estampv1.VerifyResponse, error) {
	resp, err := v.Service.Verify(ctx, req)
	if err == nil {
		v.verdicts.of(resp.Verdict).Inc()
	}
	return resp, err
}

// verdictCounters are estamp_verifications_total's counters, each verdict's
// looked up once: naming and hashing the label on every scan was a
// measurable part of a verification's own work.
type verdictCounters struct {
	vec  *prometheus.CounterVec
	each map[estampv1.Verdict]prometheus.Counter
}

func newVerdictCounters(vec *prometheus.CounterVec) verdictCounters {
	c := verdictCounters{vec: vec, each: map[estampv1.Verdict]prometheus.Counter{}}
	for n := range estampv1.Verdict_name {
		if v := estampv1.Verdict(n); v != estampv1.Verdict_VERDICT_UNSPECIFIED {
			c.each[v] = vec.WithLabelValues(verdictLabel(v))
		}
	}
	return c
}

// of is v's counter; a verdict this build does not know is counted under
// its number.
func (c verdictCounters) of(v estampv1.Verdict) prometheus.Counter {
	if ctr, ok := c.each[v]; ok {
		return ctr
	}
	return c.vec.WithLabelValues(verdictLabel(v))
}

func verdictLabel(v estampv1.Verdict) string {
	return strings.TrimPrefix(v.String(), "VERDICT_")
}

// observeHTTP adds /metrics and times every request by route.
func observeHTTP(m *metrics, next http.Handler) http.Handler {
	metricsHandler := promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" {
			metricsHandler.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(sw, r)
		// The web handler's route table names the route: stamp pages are
		// one label, so that tokens never become labels.
		m.http.WithLabelValues(web.RouteOf(r.URL.Path).Label, strconv.Itoa(sw.code)).Observe(time.Since(start).Seconds())
	})
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}
