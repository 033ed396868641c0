// Command estampd is the e-stamp server: gRPC for the registry, issuance,
// verification and labels; HTTP for the page a scanned stamp opens; and an
// embedded bbolt database.
package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/ocopvn/estamp/internal/demo"
	"github.com/ocopvn/estamp/internal/server"
	"github.com/ocopvn/estamp/internal/store"
	"github.com/ocopvn/estamp/internal/trust"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "estampd:", err)
		os.Exit(1)
	}
}

type config struct {
	dataDir        string
	grpcAddr       string
	httpAddr       string
	baseURL        string
	demo           bool
	many           uint64
	tlsCert        string
	tlsKey         string
	insecureListen bool
	passphraseFile string
	verifyRate     float64
	verifyBurst    int
	codeRate       float64
	codeBurst      int
	logFormat      string
	logLevel       slog.Level
	debugAddr      string
	shutdownGrace  time.Duration
	checkDB        bool
	reportContact  string
	trustList      string
	trustAnchor    string
	trustRefresh   time.Duration
	scanJournal    bool
	scanURing      bool
	scanFoldEvery  time.Duration
	recentStates   int
	// trustAnchors are read from trustAnchor.
	trustAnchors []ed25519.PublicKey
}

// maxReportContact bounds --report-contact: it is shown on every stamp
// page, which must stay small.
const maxReportContact = 200

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("estampd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.dataDir, "data-dir", "./data", "directory of the database and issuer keys")
	fs.StringVar(&c.grpcAddr, "grpc-addr", "localhost:50051", "gRPC listen address")
	fs.StringVar(&c.httpAddr, "http-addr", "localhost:8080", "HTTP listen address: verification pages, public keys, health check")
	fs.StringVar(&c.baseURL, "base-url", "http://localhost:8080", "public URL stamp codes point to (only A-Z 0-9 $%*+-./: after upper-casing)")
	fs.Uint64Var(&c.many, "many-scans", 5, "warn that a genuine stamp may be copied when scanned more than this many times")
	fs.BoolVar(&c.demo, "demo", false, "seed the demo registry of Thanh Hóa OCOP products when the database is empty")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "PEM certificate chain: serve gRPC and HTTP over TLS (with --tls-key)")
	fs.StringVar(&c.tlsKey, "tls-key", "", "PEM private key of --tls-cert")
	fs.BoolVar(&c.insecureListen, "insecure-listen", false, "allow listening beyond loopback without TLS, e.g. behind a TLS-terminating proxy")
	fs.StringVar(&c.passphraseFile, "key-passphrase-file", "", "file holding the passphrase that encrypts issuer keys at rest")
	fs.Float64Var(&c.verifyRate, "verify-rate", 10, "public verification requests per second allowed per client IP without a token (0: no limit)")
	fs.IntVar(&c.verifyBurst, "verify-burst", 30, "burst of public verification requests allowed per client IP")
	fs.Float64Var(&c.codeRate, "token-code-rate", server.DefaultTokenCodeRate, "codes per second each API token may have signed or rendered (StreamStamps, RenderLabels) after its burst (0: no limit)")
	fs.IntVar(&c.codeBurst, "token-code-burst", server.DefaultTokenCodeBurst, "codes each API token may have signed or rendered at once (0: no limit)")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	fs.TextVar(&c.logLevel, "log-level", slog.LevelInfo, "least level logged: DEBUG (public verifications too), INFO (one line per other RPC), WARN or ERROR")
	fs.StringVar(&c.debugAddr, "debug-addr", "", "serve pprof at /debug/pprof/ on this (loopback) address; off when empty")
	fs.DurationVar(&c.shutdownGrace, "shutdown-grace", 10*time.Second, "on SIGINT or SIGTERM, how long calls in flight may take to finish before they are cancelled")
	fs.StringVar(&c.trustList, "trust-list", "", "the national trust list of every province's issuer: a file or an http(s) URL, checked against --trust-anchor and refreshed every --trust-refresh; the last good list and the other provinces' revocation lists are kept in --data-dir for a restart")
	fs.StringVar(&c.trustAnchor, "trust-anchor", "", "PEM file of the national trust anchor's Ed25519 public key, which signs the trust list")
	fs.DurationVar(&c.trustRefresh, "trust-refresh", time.Hour, "how often the trust list is fetched again (with its ETag)")
	fs.StringVar(&c.reportContact, "report-contact", "", "who buyers report a suspected fake to, shown on every stamp page, e.g. \"Văn phòng Điều phối OCOP tỉnh Thanh Hóa, 0237 …\" (--demo: a placeholder marked as one; otherwise no such line)")
	fs.BoolVar(&c.scanJournal, "scan-journal", true, "record scans in a journal beside the database (<data-dir>/estamp.scans.*, one append and fdatasync per group), folded into the database in the background; false commits each group to the database")
	fs.BoolVar(&c.scanURing, "scan-journal-uring", true, "wait for the journal's fdatasync through io_uring where the kernel allows it, so that no core is held while the disk works; false calls fdatasync directly (the startup line says which is used)")
	fs.DurationVar(&c.scanFoldEvery, "scan-fold-every", time.Second, "the longest journaled scans wait to be folded into the database")
	fs.IntVar(&c.recentStates, "recent-states", 1<<18, "how many stamp states written lately are kept apart, where folding scans into them is cheap, before they are settled among the others")
	fs.BoolVar(&c.checkDB, "check-db", false, "check the database file of --data-dir (e.g. a restored backup), print the result and exit: status 0 if intact, 1 if not")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	c.reportContact = strings.TrimSpace(c.reportContact)
	switch {
	case len([]rune(c.reportContact)) > maxReportContact:
		return c, fmt.Errorf("--report-contact: %d characters, at most %d: a name and a phone number", len([]rune(c.reportContact)), maxReportContact)
	case strings.ContainsFunc(c.reportContact, unicode.IsControl):
		return c, errors.New("--report-contact: one line, without control characters")
	case c.reportContact == "" && c.demo:
		c.reportContact = demo.ReportContact
	}
	switch {
	case (c.trustList == "") != (c.trustAnchor == ""):
		return c, errors.New("--trust-list and --trust-anchor go together: a list is only as good as the key that signed it")
	case c.trustRefresh < time.Minute:
		return c, fmt.Errorf("--trust-refresh %s: at least 1m", c.trustRefresh)
	case c.trustAnchor != "":
		data, err := os.ReadFile(c.trustAnchor)
		if err != nil {
			return c, fmt.Errorf("--trust-anchor: %w", err)
		}
		anchor, err := trust.ReadAnchor(data)
		if err != nil {
			return c, fmt.Errorf("--trust-anchor %s: %w", c.trustAnchor, err)
		}
		c.trustAnchors = []ed25519.PublicKey{anchor}
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return c, errors.New("--tls-cert and --tls-key go together")
	}
	if c.logFormat != "text" && c.logFormat != "json" {
		return c, fmt.Errorf("--log-format %q: want text or json", c.logFormat)
	}
	if c.scanFoldEvery <= 0 {
		return c, fmt.Errorf("--scan-fold-every %s: must be positive", c.scanFoldEvery)
	}
	if c.recentStates <= 0 {
		return c, fmt.Errorf("--recent-states %d: must be positive", c.recentStates)
	}
	if c.shutdownGrace <= 0 {
		return c, fmt.Errorf("--shutdown-grace %s: must be positive", c.shutdownGrace)
	}
	if c.debugAddr != "" && !loopback(c.debugAddr) {
		return c, fmt.Errorf("--debug-addr %s: pprof shows the process's memory; serve it on loopback only", c.debugAddr)
	}
	if c.verifyRate < 0 || c.verifyBurst < 0 {
		return c, errors.New("--verify-rate and --verify-burst must not be negative")
	}
	if c.codeRate < 0 || c.codeBurst < 0 {
		return c, errors.New("--token-code-rate and --token-code-burst must not be negative")
	}
	if c.tlsCert == "" && !c.insecureListen {
		for flag, addr := range map[string]string{"--grpc-addr": c.grpcAddr, "--http-addr": c.httpAddr} {
			if !loopback(addr) {
				return c, fmt.Errorf("%s %s is not a loopback address: tokens would cross the network in clear text; give --tls-cert and --tls-key, or --insecure-listen behind a TLS proxy", flag, addr)
			}
		}
	}
	return c, nil
}

// loopback reports whether a listen address accepts only local
// connections.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// tlsSuites are the TLS 1.2 cipher suites offered: ECDHE with AEAD only.
// Go's default list still has ECDHE with AES-CBC and SHA-1, which gRPC's
// credentials.NewTLS drops from a nil list but keeps from a given one; one
// explicit list makes the HTTP and gRPC listeners offer the same. TLS 1.3
// suites are all AEAD and not configurable. HTTP/2 needs
// ECDHE-RSA-AES128-GCM-SHA256.
var tlsSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// tlsConfig loads the server certificate, if any.
func (c config) tlsConfig() (*tls.Config, error) {
	if c.tlsCert == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(c.tlsCert, c.tlsKey)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert/--tls-key: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, CipherSuites: tlsSuites}, nil
}

// passphrase reads --key-passphrase-file; like the keys, it must be
// readable by the owner only.
func (c config) passphrase() ([]byte, error) {
	if c.passphraseFile == "" {
		return nil, nil
	}
	fi, err := os.Stat(c.passphraseFile)
	if err != nil {
		return nil, fmt.Errorf("--key-passphrase-file: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("--key-passphrase-file %s has mode %04o; it must be 0600", c.passphraseFile, perm)
	}
	data, err := os.ReadFile(c.passphraseFile)
	if err != nil {
		return nil, fmt.Errorf("--key-passphrase-file: %w", err)
	}
	pass := bytes.TrimRight(data, "\r\n")
	if len(pass) < 12 {
		return nil, fmt.Errorf("--key-passphrase-file: the passphrase has %d bytes; use at least 12", len(pass))
	}
	return pass, nil
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if cfg.checkDB {
		// ctx says when to stop serving; a check serves nothing and ends
		// by itself (bbolt's check cannot be stopped midway anyway).
		return checkDB(context.WithoutCancel(ctx), cfg.dataDir, stderr)
	}
	tuneGC()
	sink := newLogSink(stderr)
	defer sink.Close()
	opts := &slog.HandlerOptions{Level: cfg.logLevel}
	var handler slog.Handler = slog.NewTextHandler(sink, opts)
	if cfg.logFormat == "json" {
		handler = slog.NewJSONHandler(sink, opts)
	}
	log := slog.New(handler)
	tlsCfg, err := cfg.tlsConfig()
	if err != nil {
		return err
	}
	pass, err := cfg.passphrase()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.dataDir, 0o700); err != nil {
		return fmt.Errorf("--data-dir: %w", err)
	}
	if err := checkDataDir(cfg.dataDir); err != nil {
		return err
	}
	if tlsCfg == nil && cfg.insecureListen {
		log.Warn("serving without TLS beyond loopback (--insecure-listen): API tokens cross the network in clear text unless a TLS proxy is in front")
	}

	srv, err := server.New(server.Config{
		DataDir: cfg.dataDir, BaseURL: cfg.baseURL, Log: log, ManyScans: cfg.many,
		TLS: tlsCfg, KeyPassphrase: pass, VerifyRate: cfg.verifyRate, VerifyBurst: cfg.verifyBurst,
		TokenCodeRate: cfg.codeRate, TokenCodeBurst: cfg.codeBurst, ShutdownTimeout: cfg.shutdownGrace,
		ReportContact: cfg.reportContact,
		TrustList:     cfg.trustList, TrustAnchors: cfg.trustAnchors, TrustRefresh: cfg.trustRefresh,
		DirectScans: !cfg.scanJournal, Store: store.Options{RecentStates: cfg.recentStates, Journal: &store.Journal{FoldEvery: cfg.scanFoldEvery, SyncInSystemCall: !cfg.scanURing}},
	})
	if err != nil {
		return err
	}
	// Deferred before Close, so that it is said when everything has
	// stopped and the database is closed.
	defer log.Info("estampd stopped")
	defer srv.Close()

	if cfg.demo {
		// A signal during seeding must not cut it short: the next start
		// sees producers and would never finish a half-seeded registry.
		// Seeding takes milliseconds.
		seed := context.WithoutCancel(ctx)
		empty, err := srv.Store.Empty(seed)
		if err != nil {
			return err
		}
		if empty {
			if err := demo.Seed(seed, srv.Registry); err != nil {
				return err
			}
			log.Info("seeded demo registry", "producers", len(demo.Producers), "products", len(demo.Products))
			if err := seedDemoAccounts(seed, srv, cfg, log); err != nil {
				return err
			}
		}
	}

	grpcLis, err := net.Listen("tcp", cfg.grpcAddr)
	if err != nil {
		return fmt.Errorf("--grpc-addr: %w", err)
	}
	httpLis, err := net.Listen("tcp", cfg.httpAddr)
	if err != nil {
		grpcLis.Close()
		return fmt.Errorf("--http-addr: %w", err)
	}
	httpSrv := newHTTPServer(srv.HTTP, tlsCfg, log)

	if cfg.debugAddr != "" {
		dbg, err := serveDebug(cfg.debugAddr)
		if err != nil {
			grpcLis.Close()
			httpLis.Close()
			return err
		}
		defer dbg.Close()
		log.Info("pprof serving", "addr", cfg.debugAddr)
	}

	errc := make(chan error, 2)
	go func() { errc <- srv.GRPC.Serve(grpcLis) }()
	go func() {
		if tlsCfg != nil {
			errc <- httpSrv.ServeTLS(httpLis, "", "")
			return
		}
		errc <- httpSrv.Serve(httpLis)
	}()
	keyID := "none"
	if k := srv.Ring.Active(); k != nil {
		keyID = k.ID.String()
	}
	log.Info("estampd serving", "grpc", grpcLis.Addr().String(), "http", httpLis.Addr().String(),
		"tls", tlsCfg != nil, "base_url", cfg.baseURL, "data_dir", cfg.dataDir, "key_id", keyID, "scan_journal_sync", srv.Store.JournalSync())

	// SIGHUP fetches the trust list and the other provinces' revocation
	// lists now, and sends the receipts waiting for their provinces:
	// what an operator does after publishing a new list.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
wait:
	for {
		select {
		case <-ctx.Done():
			log.Info("shutting down")
			break wait
		case err = <-errc:
			log.Error("server stopped", "err", err)
			break wait
		case <-hup:
			log.Info("SIGHUP: refreshing the trust list and the other provinces' lists")
			srv.RefreshTrust(ctx)
		}
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.shutdownGrace)
	defer cancel()
	if herr := httpSrv.Shutdown(shutdownCtx); herr != nil && !errors.Is(herr, http.ErrServerClosed) {
		log.Warn("http shutdown", "err", herr)
	}
	// srv.Close (deferred) stops gRPC gracefully and flushes queued scans.
	if errors.Is(err, http.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// checkDataDir refuses a data directory, or a database in it, that users
// other than the owner can write: they could replace the database or
// admin.token. (keys.Load holds keys/ to the same rule.)
func checkDataDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("--data-dir: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("--data-dir %s is not a directory", dir)
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("--data-dir %s has mode %04o: others could replace the database or admin.token (chmod 700 %s)", dir, perm, dir)
	}
	db := server.DBPath(dir)
	fi, err = os.Stat(db)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("--data-dir: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("%s has mode %04o: others could rewrite the database (chmod 600 %s)", db, perm, db)
	}
	return nil
}

// checkDB checks the database of dataDir without serving and says so in
// one line. It opens the store directly, not through server.New, which
// would create keys and an admin token; and read-only, so that it neither
// creates a missing database nor changes the file it checks.
func checkDB(ctx context.Context, dataDir string, w io.Writer) error {
	path := server.DBPath(dataDir)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("--check-db: no database at %s", path)
	}
	if err := checkDataDir(dataDir); err != nil {
		return err
	}
	st, err := store.OpenReadOnly(path, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Check(ctx); err != nil {
		return fmt.Errorf("%s is damaged: %s; restore a whole backup", path, problems(err))
	}
	size, err := st.Size(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	fmt.Fprintf(w, "estampd: %s is intact: bbolt consistency check passed, %d bytes in use\n", path, size)
	return nil
}

// problems puts what bbolt's check found on one line, the first few of
// them: a damaged file can have thousands.
func problems(err error) string {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	const most = 5
	var b strings.Builder
	fmt.Fprintf(&b, "bbolt check found %d problem(s)", len(errs))
	for i, e := range errs[:min(len(errs), most)] {
		sep := ", "
		if i == 0 {
			sep = ": "
		}
		b.WriteString(sep + strings.ReplaceAll(e.Error(), "\n", " "))
	}
	if len(errs) > most {
		b.WriteString(", …")
	}
	return b.String()
}

// newHTTPServer bounds what a slow or hostile client can hold: a connection
// that trickles its headers is cut after 5 s, a request after 10 s. Its
// own errors, such as failed TLS handshakes, go to log.
func newHTTPServer(h http.Handler, tlsCfg *tls.Config, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           hsts(h),
		ErrorLog:          newHTTPErrorLog(log),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		TLSConfig:         tlsCfg,
	}
}

// hsts tells a browser that reached us over HTTPS to use nothing else for
// a year, so that a network attacker cannot downgrade a later visit to
// plain HTTP. Over plain HTTP the header is ignored (RFC 6797 §8.1): behind
// a TLS-terminating proxy, the proxy sends it.
func hsts(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil {
			w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.ServeHTTP(w, r)
	})
}

// serveDebug serves pprof on its own listener, so that it is never on the
// public one.
func serveDebug(addr string) (*http.Server, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--debug-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(lis)
	return srv, nil
}

// tuneGC trades memory for CPU unless the operator chose: the live heap is
// tens of megabytes, and collecting at 4× instead of 2× of it raised
// verification throughput by a quarter in `make bench`. The memory limit
// makes the collector work harder before the process grows past 1 GiB.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(1 << 30)
	}
}

// consoleURL is the site the console is served on: the base URL's scheme
// and host (stamps may live under a path of it).
func (c config) consoleURL() string {
	u, err := url.Parse(c.baseURL)
	if err != nil || u.Host == "" {
		return "http://" + c.httpAddr
	}
	return u.Scheme + "://" + u.Host
}

// DemoAccountsFile is where --demo writes the demo console accounts'
// one-time passwords, beside admin.token and as private.
const DemoAccountsFile = "demo-accounts.txt"

// seedDemoAccounts creates the demo console accounts and writes their
// one-time passwords to a file only the operator can read; the log says
// where, never the passwords.
func seedDemoAccounts(ctx context.Context, srv *server.Server, cfg config, log *slog.Logger) error {
	made, err := demo.SeedAccounts(ctx, srv.Admin)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("# Demo console accounts of estampd --demo. One-time passwords: the first sign-in\n")
	b.WriteString("# on the console changes them. Console: " + strings.TrimRight(cfg.consoleURL(), "/") + "/console/\n")
	for _, m := range made {
		fmt.Fprintf(&b, "%-10s %s  %s\n", m.Account.Username, m.Password, m.Account.DisplayName)
	}
	path := filepath.Join(cfg.dataDir, DemoAccountsFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("demo accounts: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("demo accounts: %w", err)
	}
	log.Info("created demo console accounts; their one-time passwords are in the file", "path", path, "accounts", len(made))
	return nil
}
