// Package server assembles estampd: the store, the issuer keys and the
// services behind one gRPC server with health and reflection.
package server

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/test/bufconn"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/account"
	"github.com/ocopvn/estamp/internal/admin"
	"github.com/ocopvn/estamp/internal/console"
	"github.com/ocopvn/estamp/internal/custody"
	"github.com/ocopvn/estamp/internal/foreign"
	"github.com/ocopvn/estamp/internal/insight"
	"github.com/ocopvn/estamp/internal/issuance"
	"github.com/ocopvn/estamp/internal/keys"
	"github.com/ocopvn/estamp/internal/labels"
	"github.com/ocopvn/estamp/internal/printing"
	"github.com/ocopvn/estamp/internal/ratelimit"
	"github.com/ocopvn/estamp/internal/registry"
	"github.com/ocopvn/estamp/internal/relay"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/store"
	"github.com/ocopvn/estamp/internal/trace"
	"github.com/ocopvn/estamp/internal/trust"
	"github.com/ocopvn/estamp/internal/verify"
	"github.com/ocopvn/estamp/internal/web"
)

// MaxRequestSize bounds what a client may send in one message: a 10,000-code
// delivery is under 2 MB. Responses keep gRPC's default limit (4 MiB) so
// that any client can read them: large ones are streamed in parts.
const MaxRequestSize = 4 << 20

// DefaultTokenCodeRate and DefaultTokenCodeBurst are estampd's budget of
// codes signed or rendered per API token: a million at once (ten
// 100,000-stamp batches), then 20,000 a second — far above what printers
// use, far below what two cores can be kept busy with.
const (
	DefaultTokenCodeRate  = 20_000
	DefaultTokenCodeBurst = 1_000_000
)

// MaxConcurrentStreams bounds the calls one connection may have open.
const MaxConcurrentStreams = 256

// defaultScanBatch is the most scans one group commit takes.
const defaultScanBatch = 1024

// Config is what the server is built from.
type Config struct {
	DataDir string
	BaseURL string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	Log *slog.Logger
	// Ring overrides the keys in DataDir/keys, for tests.
	Ring *keys.Ring
	// ScanBatch caps the scans one group commit takes; 1024 when zero.
	// 1 means a commit per verification, for comparison in benchmarks.
	ScanBatch int
	// ManyScans is the scan count above which a genuine stamp is flagged
	// as possibly copied, to the buyer (the MANY_SCANS warning) and to the
	// office (InsightService's flags); verify.DefaultManyScans when zero.
	// It overrides Store.ManyScans.
	ManyScans uint64
	// KeyPassphrase, when set, decrypts the issuer keys and encrypts new
	// ones.
	KeyPassphrase []byte
	// TLS, when set, serves gRPC over TLS. (HTTP TLS is the listener's.)
	TLS *tls.Config
	// VerifyRate and VerifyBurst limit public verification per client IP
	// (gRPC and HTTP together) for callers without a token: requests per
	// second and burst. No limit when VerifyRate is zero.
	VerifyRate  float64
	VerifyBurst int
	// TokenCodeRate and TokenCodeBurst are each API token's budget of
	// codes signed or rendered (StreamStamps, RenderLabels): codes per
	// second and burst. No budget when either is zero.
	TokenCodeRate  float64
	TokenCodeBurst int
	// Rand is the entropy for tokens and keys; crypto/rand when nil.
	Rand io.Reader
	// Store tunes the database; the zero value is right for production.
	// Scans go through a journal (Store.Journal, counted by
	// verify.CountScan) unless DirectScans is set.
	Store store.Options
	// DirectScans commits each group of scans to the database instead of
	// appending it to the scan journal: the way before issue 17, for
	// comparison.
	DirectScans bool
	// ShutdownTimeout bounds how long Close waits for calls in flight
	// before cutting them off; 10 s when zero.
	ShutdownTimeout time.Duration
	// ReportContact is who the stamp page tells buyers to report a
	// suspected fake to: the issuing office's name and phone. The page
	// has no such line without it.
	ReportContact string
	// Passwords are the Argon2id costs of console passwords;
	// account.DefaultParams when zero. Tests make them cheap.
	Passwords account.Params
	// TrustList, when set, is where the national trust list is read
	// (a file or an http(s) URL), checked against TrustAnchors and
	// refreshed every TrustRefresh (1 h when zero) by the rules of
	// docs/trust-list.md §5.
	TrustList    string
	TrustAnchors []ed25519.PublicKey
	TrustRefresh time.Duration
}

// Server is an assembled estampd.
type Server struct {
	GRPC     *grpc.Server
	Store    *store.Store
	Ring     *keys.Ring
	Registry *registry.Service
	// Admin is the office's service, for seeding demo accounts.
	Admin  *admin.Service
	Health *health.Server
	// HTTP serves the verification pages, the JWK set and /healthz.
	HTTP http.Handler
	// console is the in-process gRPC server the console calls, and
	// consoleConn the console's connection to it.
	console     *grpc.Server
	consoleConn *grpc.ClientConn
	// desk is the console's HTTP handler, whose background jobs (label
	// PDFs) stop before its server does.
	desk     *console.Handler
	recorder *verify.Recorder
	// Trust holds the national trust list; nil without --trust-list.
	Trust *trust.Holder
	// Foreign holds the other provinces' revocation lists; nil without
	// --trust-list.
	Foreign *foreign.Cache
	// sender reports receipts of other provinces' stamps; nil without
	// --trust-list.
	sender *relay.Sender
	// stopTrust ends the trust list's refreshes and the sender.
	stopTrust func()
	grace     time.Duration
	close     sync.Once
	closeErr  error
}

// DBPath is where the database lives in a data directory.
func DBPath(dataDir string) string { return filepath.Join(dataDir, "estamp.db") }

// HighWaterPath is where the high-water mark of issued serials and batch
// ids lives in a data directory, outside the database file.
func HighWaterPath(dataDir string) string { return filepath.Join(dataDir, "estamp.hwm") }

// KeyDir is where issuer keys live in a data directory.
func KeyDir(dataDir string) string { return filepath.Join(dataDir, "keys") }

// New opens the store, loads or creates the issuer key and builds the
// services. Close releases them.
func New(cfg Config) (_ *Server, err error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	storeOpts := cfg.Store
	if storeOpts.HighWaterPath == "" {
		storeOpts.HighWaterPath = HighWaterPath(cfg.DataDir)
	}
	if storeOpts.Now == nil {
		storeOpts.Now = cfg.Now
	}
	// One MANY_SCANS threshold for the warning a buyer sees and the flag
	// the office reviews.
	manyScans := cfg.ManyScans
	if manyScans == 0 {
		manyScans = verify.DefaultManyScans
	}
	storeOpts.ManyScans = manyScans
	if storeOpts.OnSettleError == nil {
		log := cfg.Log
		storeOpts.OnSettleError = func(err error) {
			log.Warn("settling recent stamp states failed; they stay recent and are read as well, and settling is tried again", "err", err)
		}
	}
	switch {
	case cfg.DirectScans:
		storeOpts.Journal = nil
	case storeOpts.Journal == nil:
		storeOpts.Journal = &store.Journal{}
	}
	if j := storeOpts.Journal; j != nil {
		withDefaults := *j
		if withDefaults.Count == nil {
			// The journal counts scans as the recorder asks the store to.
			withDefaults.Count = verify.CountScan
		}
		if withDefaults.OnFoldError == nil {
			log := cfg.Log
			withDefaults.OnFoldError = func(err error) {
				if err != nil {
					log.Warn("scan journal: folding into the database failed; acknowledged scans stay in the journal, and folding is retried", "err", err)
				} else {
					log.Info("scan journal: folding into the database again")
				}
			}
		}
		storeOpts.Journal = &withDefaults
	}
	st, err := store.Open(DBPath(cfg.DataDir), storeOpts)
	if err != nil {
		return nil, err
	}
	if sk := st.Skipped(); sk.Any() {
		cfg.Log.Warn("the database is older than the high-water mark beside it (restored from a backup, or a crash during issuance): skipping serials and batch ids that may have been handed out",
			"serials", fmt.Sprintf("%d-%d", sk.SerialFrom, sk.SerialTo-1), "batch_ids", fmt.Sprintf("%d-%d", sk.BatchFrom, sk.BatchTo-1))
	}
	defer func() {
		if err != nil {
			st.Close()
		}
	}()
	ring := cfg.Ring
	if ring == nil {
		var created *keys.Key
		if ring, created, err = keys.LoadOrCreate(KeyDir(cfg.DataDir), cfg.Now(), cfg.Rand, cfg.KeyPassphrase); err != nil {
			return nil, err
		}
		if created != nil {
			cfg.Log.Info("created an issuer key: back it up, it signs every stamp", "key_id", created.ID.String(), "path", keys.Path(KeyDir(cfg.DataDir), created.ID))
		}
	}
	// Start-up serves no caller yet: nothing but the process's end may
	// cancel it, and that closes the store anyway.
	boot := context.Background()
	if err := applyKeyStates(boot, st, ring); err != nil {
		return nil, err
	}
	if err := ensureAdminToken(boot, st, cfg); err != nil {
		return nil, err
	}
	iss, err := issuance.New(st, ring, cfg.BaseURL, cfg.Now)
	if err != nil {
		return nil, fmt.Errorf("--base-url: %w", err)
	}
	if cfg.ScanBatch <= 0 {
		cfg.ScanBatch = defaultScanBatch
	}
	rec := verify.NewRecorder(st, cfg.ScanBatch)
	ver, err := verify.New(st, rec, ring, []string{cfg.BaseURL}, cfg.Now, cfg.Log)
	if err != nil {
		rec.Close()
		return nil, err
	}
	ver.SetManyScans(manyScans)
	reg := registry.New(st, cfg.Now)
	renderer, err := labels.NewRenderer(cfg.Now)
	if err != nil {
		rec.Close()
		return nil, err
	}

	limiter := ratelimit.New(cfg.VerifyRate, cfg.VerifyBurst, cfg.Now)
	authz := &authorizer{tokens: st, owners: st, limiter: limiter, codeRate: cfg.TokenCodeRate, codeBurst: cfg.TokenCodeBurst, log: cfg.Log}
	if cfg.TokenCodeBurst > 0 {
		authz.codes = ratelimit.New(cfg.TokenCodeRate, cfg.TokenCodeBurst, cfg.Now)
	}
	m := newMetrics(st)
	ver.OnScanNotRecorded(m.scansNotRecorded.Inc)
	holder, revs, stopTrust := startTrust(cfg, m, ver.Checker().Own)
	defer func() {
		if err != nil {
			stopTrust()
		}
	}()
	if holder != nil {
		ver.SetIssuers(holder, revs)
	}
	obs := &observer{log: cfg.Log, m: m}
	counted := countingVerifier{Service: ver, verdicts: newVerdictCounters(m.verdicts)}
	opts := []grpc.ServerOption{
		// The observer outermost sees the final status of every call;
		// then errors, so that refusals by the authorizer become statuses
		// in the same one place as the services' errors.
		grpc.ChainUnaryInterceptor(obs.unary, unaryErrors(cfg.Log), authz.unary),
		grpc.ChainStreamInterceptor(obs.stream, streamErrors(cfg.Log), authz.stream),
		grpc.MaxRecvMsgSize(MaxRequestSize),
		grpc.MaxConcurrentStreams(MaxConcurrentStreams),
		grpc.NumStreamWorkers(MaxConcurrentStreams),
	}
	if cfg.TLS != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(cfg.TLS)))
	}
	g := grpc.NewServer(opts...)
	// Intake judges other provinces' stamps as Verify does.
	cust, err := custody.New(st, ver.Trusted(), cfg.BaseURL, cfg.Now)
	if err != nil {
		rec.Close()
		return nil, err
	}
	cust.YieldTo(ver.Busy)
	var sender *relay.Sender
	if holder != nil {
		sender = relay.NewSender(st, holder, ver.Checker().Own, activeKey(ring), cfg.Log)
		cust.SetReporter(sender)
		stopTrust = runSender(sender, stopTrust)
		m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "estamp_receipts_queued", Help: "Receipts of other provinces' stamps waiting to be reported to their issuers.",
		}, func() float64 {
			n, _ := st.QueuedReceiptCount(context.Background())
			return float64(n)
		}))
	}
	if cfg.Passwords == (account.Params{}) {
		cfg.Passwords = account.DefaultParams
	}
	exporter, err := trace.New(st, iss, cfg.BaseURL, cfg.Now)
	if err != nil {
		rec.Close()
		return nil, err
	}
	svc := services{
		registry: reg, issuance: iss, verification: counted, labels: printing.New(iss, st, st, renderer), custody: cust,
		insight: insight.New(st, exporter, cfg.Now),
	}
	office := admin.New(st, ring, ver, admin.KeyFiles{Dir: KeyDir(cfg.DataDir), Passphrase: cfg.KeyPassphrase, Rand: cfg.Rand}, cfg.Passwords, cfg.Now)
	svc.admin = office
	svc.register(g)
	hs := health.NewServer()
	healthpb.RegisterHealthServer(g, hs)
	for _, name := range []string{"", estampv1.RegistryService_ServiceDesc.ServiceName, estampv1.IssuanceService_ServiceDesc.ServiceName, estampv1.VerificationService_ServiceDesc.ServiceName,
		estampv1.LabelService_ServiceDesc.ServiceName, estampv1.CustodyService_ServiceDesc.ServiceName, estampv1.AdminService_ServiceDesc.ServiceName, estampv1.InsightService_ServiceDesc.ServiceName} {
		hs.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
	reflection.Register(g)
	pages, err := web.New(web.Config{Verifier: counted, BasePath: ver.Checker().BasePath(), Keys: ring, Revocations: cust, Photos: st, ReportContact: cfg.ReportContact, Log: cfg.Log})
	if err != nil {
		rec.Close()
		return nil, err
	}

	// The console calls the same services through the same interceptors
	// and access table, on a server of its own inside the process: only
	// there is a session id a credential.
	accounts := account.NewService(st, cfg.Passwords, cfg.Now, cfg.Rand, cfg.Log)
	consoleAuthz := *authz
	consoleAuthz.sessions = accounts
	inproc := grpc.NewServer(
		grpc.ChainUnaryInterceptor(obs.unary, unaryErrors(cfg.Log), consoleAuthz.unary),
		grpc.ChainStreamInterceptor(obs.stream, streamErrors(cfg.Log), consoleAuthz.stream),
		grpc.MaxRecvMsgSize(MaxRequestSize),
	)
	svc.register(inproc)
	lis := bufconn.Listen(1 << 20)
	go inproc.Serve(lis)
	conn, err := grpc.NewClient("passthrough:///console",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(MaxRequestSize)),
	)
	if err != nil {
		inproc.Stop()
		rec.Close()
		return nil, err
	}
	desk, err := console.New(console.Config{Conn: conn, Accounts: accounts, Now: cfg.Now, Rand: cfg.Rand, Log: cfg.Log})
	if err != nil {
		conn.Close()
		inproc.Stop()
		rec.Close()
		return nil, err
	}
	if holder != nil {
		pages.SetTrustList(holder)
		cust.SetTrust(holder, ver.Checker().Own)
	}
	mux := http.NewServeMux()
	mux.Handle(console.Prefix, desk)
	mux.Handle(EventsPath, eventsHandler{conn})
	mux.Handle("/", pages)
	return &Server{GRPC: g, console: inproc, consoleConn: conn, desk: desk, Store: st, Ring: ring, Registry: reg, Admin: office, Health: hs, HTTP: observeHTTP(m, limitHTTP(limiter, unclean(mux, pages))), recorder: rec, Trust: holder, Foreign: revs, sender: sender, stopTrust: stopTrust, grace: cfg.ShutdownTimeout}, nil
}

// RefreshTrust fetches the trust list and then the other provinces'
// revocation lists now, as the periodic refresh does; failures are logged
// and counted there. It does nothing without a trust list.
func (s *Server) RefreshTrust(ctx context.Context) {
	if s.Trust == nil {
		return
	}
	s.Trust.Refresh(ctx)
	s.Foreign.Refresh(ctx)
	s.sender.Kick()
}

// runSender runs sender until the returned function is called, which
// stops it and then calls stop.
func runSender(sender *relay.Sender, stop func()) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		sender.Run(ctx)
	}()
	return func() {
		cancel()
		<-done
		stop()
	}
}

// activeKey signs reports with the issuer's active key.
func activeKey(ring *keys.Ring) relay.SigningKey {
	return func() (stampcode.KeyID, crypto.Signer, bool) {
		k := ring.Active()
		if k == nil {
			return stampcode.KeyID{}, nil, false
		}
		return k.ID, k.Signer, true
	}
}

// startTrust takes the national trust list, if one is configured, and
// refreshes it in the background until the returned function is called.
// A list that cannot be taken at start is logged and counted, not fatal:
// the province's own stamps do not need it. The other provinces'
// revocation lists are fetched in the background, first at once, then as
// often as the list: a province slow to answer must not hold up the start.
// The last good list and the other provinces' lists are kept in the data
// directory (TrustListPath, ForeignDir) and taken first at start, so that
// a restart while their sources are down neither stops trusting the
// provinces nor forgets what they revoked.
func startTrust(cfg Config, m *metrics, own func(trust.Issuer) bool) (*trust.Holder, *foreign.Cache, func()) {
	if cfg.TrustList == "" {
		return nil, nil, func() {}
	}
	h := trust.NewHolder(cfg.TrustList, cfg.TrustAnchors, &http.Client{Timeout: 30 * time.Second}, cfg.Now, cfg.Log,
		func(reason string) { m.trustRefusals.WithLabelValues(reason).Inc() })
	m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "estamp_trust_list_version", Help: "Version of the national trust list held and valid now; 0 for none.",
	}, func() float64 {
		if l := h.List(); l != nil {
			return float64(l.Version)
		}
		return 0
	}))
	// Before the first refresh: a fetched list must be newer than the
	// saved one.
	if err := h.Persist(TrustListPath(cfg.DataDir)); err != nil {
		cfg.Log.Warn("the trust list saved before is not taken", "err", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.Refresh(ctx) // a refusal is logged and counted
	every := cfg.TrustRefresh
	if every <= 0 {
		every = time.Hour
	}
	go h.Run(ctx, every)
	revs := foreign.New(h, own, &http.Client{Timeout: 30 * time.Second}, cfg.Now, cfg.Log)
	if err := revs.Persist(ForeignDir(cfg.DataDir)); err != nil {
		cfg.Log.Warn("revocation lists of other provinces saved before are not all taken", "err", err)
	}
	m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "estamp_foreign_revocations_age_seconds", Help: "Age of the least recently fetched revocation list of another province; 0 for none.",
	}, func() float64 {
		if at, ok := revs.Oldest(); ok {
			return cfg.Now().Sub(at).Seconds()
		}
		return 0
	}))
	go func() {
		revs.Refresh(ctx) // failures are logged there
		revs.Run(ctx, every)
	}()
	return h, revs, cancel
}

// unclean sends every path outside the console to pages as it came:
// ServeMux would first redirect unclean paths (//V/<token>) to clean ones,
// where a code the address rule refuses would turn genuine.
func unclean(mux *http.ServeMux, pages http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, console.Prefix) || r.URL.Path+"/" == console.Prefix || r.URL.Path == EventsPath {
			mux.ServeHTTP(w, r)
			return
		}
		pages.ServeHTTP(w, r)
	})
}

// services are the gRPC services, built once and registered on the
// network server and on the console's.
type services struct {
	registry     estampv1.RegistryServiceServer
	issuance     estampv1.IssuanceServiceServer
	verification estampv1.VerificationServiceServer
	labels       estampv1.LabelServiceServer
	custody      estampv1.CustodyServiceServer
	admin        estampv1.AdminServiceServer
	insight      estampv1.InsightServiceServer
}

func (s services) register(g *grpc.Server) {
	estampv1.RegisterRegistryServiceServer(g, s.registry)
	estampv1.RegisterIssuanceServiceServer(g, s.issuance)
	estampv1.RegisterVerificationServiceServer(g, s.verification)
	estampv1.RegisterLabelServiceServer(g, s.labels)
	estampv1.RegisterCustodyServiceServer(g, s.custody)
	estampv1.RegisterAdminServiceServer(g, s.admin)
	estampv1.RegisterInsightServiceServer(g, s.insight)
}

// Close stops accepting calls, lets those in flight finish for up to the
// shutdown timeout (then cancels them), commits queued scans and closes
// the store.
func (s *Server) Close() error {
	s.close.Do(func() {
		s.Health.Shutdown()
		s.stopTrust()
		grace := s.grace
		if grace <= 0 {
			grace = 10 * time.Second
		}
		// The console's jobs first: a label PDF in the making is no
		// caller to wait for. Then its server stops with the network's:
		// a console page in flight is a call in flight.
		s.desk.Close()
		var wg sync.WaitGroup
		wg.Go(s.GRPC.GracefulStop)
		wg.Go(s.console.GracefulStop)
		done := make(chan struct{})
		go func() {
			wg.Wait()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(grace):
			s.GRPC.Stop()
			s.console.Stop()
			<-done
		}
		s.consoleConn.Close()
		s.recorder.Close()
		s.closeErr = s.Store.Close()
	})
	return s.closeErr
}
