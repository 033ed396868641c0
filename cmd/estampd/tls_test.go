package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// selfSignedRSA is selfSigned with an RSA key: the ECDHE-RSA suites need
// one.
func selfSignedRSA(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return selfSignedWith(t, dir, key)
}

// handshake dials addr with TLS 1.2 offering only suites, and h2 as gRPC
// needs; it returns the suite the server chose.
func handshake(addr string, pool *x509.CertPool, suites ...uint16) (uint16, error) {
	d := &net.Dialer{Timeout: 5 * time.Second}
	conn, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{
		RootCAs: pool, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12,
		CipherSuites: suites, NextProtos: []string{"h2", "http/1.1"},
	})
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	return conn.ConnectionState().CipherSuite, nil
}

func certPool(t *testing.T, certFile string) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return pool
}

// Both listeners offer the same AEAD-only suites in TLS 1.2, and HTTPS
// responses carry Strict-Transport-Security.
func TestTLSOffersOnlyAEADSuites(t *testing.T) {
	certFile, keyFile := selfSignedRSA(t, t.TempDir())
	grpcAddr, httpAddr := freePort(t), freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	var stderr lockedBuffer
	go func() {
		errc <- run(ctx, []string{"--data-dir", t.TempDir(), "--grpc-addr", grpcAddr, "--http-addr", httpAddr,
			"--tls-cert", certFile, "--tls-key", keyFile}, &stderr)
	}()
	defer func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	pool := certPool(t, certFile)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 5 * time.Second}
	resp := waitHTTPS(t, client, httpAddr)
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
		t.Errorf("HTTPS response: Strict-Transport-Security %q, want max-age=31536000", got)
	}

	tests := []struct {
		name   string
		suites []uint16
		ok     bool
	}{
		{"CBC only", []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA}, false},
		{"AES-256-CBC", []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA}, false},
		{"AES-128-GCM", []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}, true},
		{"AES-256-GCM", []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}, true},
		{"ChaCha20-Poly1305", []uint16{tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256}, true},
		{"CBC first, then GCM", []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}, true},
	}
	for _, tt := range tests {
		for listener, addr := range map[string]string{"http": httpAddr, "grpc": grpcAddr} {
			t.Run(tt.name+" "+listener, func(t *testing.T) {
				suite, err := handshake(addr, pool, tt.suites...)
				switch {
				case tt.ok && err != nil:
					t.Errorf("handshake failed: %v", err)
				case !tt.ok && err == nil:
					t.Errorf("handshake succeeded with %s", tls.CipherSuiteName(suite))
				case err == nil && strings.Contains(tls.CipherSuiteName(suite), "CBC"):
					t.Errorf("server chose %s", tls.CipherSuiteName(suite))
				}
			})
		}
	}
}

// Strict-Transport-Security goes on HTTPS responses only: over plain HTTP
// (e.g. behind a TLS-terminating proxy) it is the proxy's to send.
func TestStrictTransportSecurityOnlyOverTLS(t *testing.T) {
	srv := newHTTPServer(http.NotFoundHandler(), nil, slog.New(slog.DiscardHandler))
	for _, tt := range []struct {
		name string
		tls  bool
		want string
	}{
		{"plain HTTP", false, ""},
		{"HTTPS", true, "max-age=31536000"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/healthz", nil)
			if tt.tls {
				r.TLS = &tls.ConnectionState{HandshakeComplete: true}
			}
			w := httptest.NewRecorder()
			srv.Handler.ServeHTTP(w, r)
			if got := w.Header().Get("Strict-Transport-Security"); got != tt.want {
				t.Errorf("Strict-Transport-Security %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHTTPErrorLogLines(t *testing.T) {
	tests := []struct {
		line   string
		client string
		err    string
	}{
		{"http: TLS handshake error from 1.2.3.4:5678: EOF\n", "1.2.3.4:5678", "http: TLS handshake error: EOF"},
		{"http: TLS handshake error from [2001:db8::1]:443: tls: no cipher suite supported by both client and server\n",
			"[2001:db8::1]:443", "http: TLS handshake error: tls: no cipher suite supported by both client and server"},
		{"http: TLS handshake error from 127.0.0.1:4000: client sent an HTTP request to an HTTPS server\n",
			"127.0.0.1:4000", "http: TLS handshake error: client sent an HTTP request to an HTTPS server"},
		{"http: Accept error: accept tcp: too many open files; retrying in 5ms\n", "", "http: Accept error: accept tcp: too many open files; retrying in 5ms"},
		{"a message from somewhere: else\n", "", "a message from somewhere: else"},
		{"http: panic serving 1.2.3.4:5678: boom\ngoroutine 7 [running]:\n", "", "http: panic serving 1.2.3.4:5678: boom\ngoroutine 7 [running]:"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		newHTTPErrorLog(slogJSON(&buf)).Print(tt.line)
		recs := jsonLines(t, buf.String())
		if len(recs) != 1 {
			t.Fatalf("%q: %d records:\n%s", tt.line, len(recs), buf.String())
		}
		rec := recs[0]
		client, _ := rec["client"].(string)
		if rec["level"] != "WARN" || rec["msg"] != "http server error" || client != tt.client || rec["err"] != tt.err {
			t.Errorf("%q logged as %v; want client %q, err %q", tt.line, rec, tt.client, tt.err)
		}
	}
}

// A burst of lines is cut to the bucket's size; the next line logged says
// how many were dropped.
func TestHTTPErrorLogIsRateLimited(t *testing.T) {
	var buf bytes.Buffer
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	w := newErrorLogWriter(slogJSON(&buf), func() time.Time { return now })
	line := []byte("http: TLS handshake error from 1.2.3.4:5678: EOF\n")
	for range 50 {
		w.Write(line)
	}
	if n := len(jsonLines(t, buf.String())); n != errorLogBurst {
		t.Errorf("%d lines logged of a burst of 50, want %d", n, errorLogBurst)
	}
	now = now.Add(time.Second / errorLogRate)
	buf.Reset()
	w.Write(line)
	w.Write(line)
	recs := jsonLines(t, buf.String())
	if len(recs) != 1 || recs[0]["suppressed"] != float64(40) {
		t.Errorf("after 1/%d s: %v; want one line with suppressed=40", errorLogRate, recs)
	}
	now = now.Add(time.Minute)
	buf.Reset()
	for range 5 {
		w.Write(line)
	}
	recs = jsonLines(t, buf.String())
	if len(recs) != 5 || recs[0]["suppressed"] != float64(1) || recs[1]["suppressed"] != nil {
		t.Errorf("a minute later: %v; want 5 lines, the first with suppressed=1", recs)
	}
}

// The real binary logs failed handshakes as JSON records with the client
// address, not as net/http's own lines, and at most about ten a second.
func TestTLSHandshakeErrorsAreLoggedAsJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the estampd binary")
	}
	certFile, keyFile := selfSignedRSA(t, t.TempDir())
	httpAddr := freePort(t)
	var logs lockedBuffer
	startDaemonLogging(t, &logs, buildDaemon(t), filepath.Join(t.TempDir(), "data"),
		"--http-addr", httpAddr, "--log-format", "json", "--tls-cert", certFile, "--tls-key", keyFile)
	pool := certPool(t, certFile)

	// Plain HTTP sent to the HTTPS port.
	conn, err := net.Dial("tcp", httpAddr)
	if err != nil {
		t.Fatal(err)
	}
	client := conn.LocalAddr().String()
	conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	reply := make([]byte, 64)
	n, _ := conn.Read(reply)
	conn.Close()
	if !strings.Contains(string(reply[:n]), "400") {
		t.Errorf("plain HTTP on the HTTPS port: %q", reply[:n])
	}
	rec := waitLog(t, &logs, func(rec map[string]any) bool { return rec["client"] == client })
	if rec["level"] != "WARN" || !strings.Contains(rec["err"].(string), "HTTP request to an HTTPS server") {
		t.Errorf("log record of plain HTTP on the HTTPS port: %v", rec)
	}

	// A burst of handshakes without a common suite.
	time.Sleep(time.Second) // refill the bucket
	before := errorLines(t, &logs)
	start := time.Now()
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, err := handshake(httpAddr, pool, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA); err == nil {
				t.Error("handshake with a CBC suite succeeded")
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	// Wait until the daemon has logged them (log lines are written out
	// within 100 ms) and the bucket has refilled once more.
	time.Sleep(time.Second)
	burst := errorLines(t, &logs) - before
	t.Logf("%d lines logged for 50 failed handshakes in %v", burst, elapsed)
	// The bucket holds 10 and refills at 10 a second.
	most := errorLogBurst + int(elapsed.Seconds()*errorLogRate) + 1
	if most > 20 {
		t.Fatalf("the burst took %v: too slow to tell", elapsed)
	}
	if burst < 1 || burst > most {
		t.Errorf("%d lines logged for 50 failed handshakes in %v, want 1 to %d", burst, elapsed, most)
	}
	// The next line reports what was dropped.
	if _, err := handshake(httpAddr, pool, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA); err == nil {
		t.Error("handshake with a CBC suite succeeded")
	}
	rec = waitLog(t, &logs, func(rec map[string]any) bool { return rec["suppressed"] != nil })
	if s, _ := rec["suppressed"].(float64); int(s) != 50-burst {
		t.Errorf("suppressed=%v, want %d", rec["suppressed"], 50-burst)
	}

	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if !strings.HasPrefix(line, "{") || strings.HasPrefix(line, "http: TLS handshake error") {
			t.Errorf("not a JSON record: %s", line)
		}
	}
}

// errorLines counts the records of http.Server's error log.
func errorLines(t *testing.T, logs *lockedBuffer) int {
	t.Helper()
	n := 0
	for _, rec := range jsonLines(t, logs.String()) {
		if rec["msg"] == "http server error" {
			n++
		}
	}
	return n
}

func slogJSON(w io.Writer) *slog.Logger { return slog.New(slog.NewJSONHandler(w, nil)) }

// waitLog waits for a JSON log record that matches, and fails if any line
// is not JSON.
func waitLog(t *testing.T, logs *lockedBuffer, match func(map[string]any) bool) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, rec := range jsonLines(t, logs.String()) {
			if match(rec) {
				return rec
			}
		}
	}
	t.Fatalf("no such log record in:\n%s", logs.String())
	return nil
}

// jsonLines parses a JSON log, a record a line.
func jsonLines(t *testing.T, log string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON log line: %q", line)
		}
		recs = append(recs, rec)
	}
	return recs
}
