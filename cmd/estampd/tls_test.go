package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
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
	var resp *http.Response
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err = client.Get("https://" + httpAddr + "/healthz"); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("HTTPS health check: %v", err)
	}
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
	srv := newHTTPServer(http.NotFoundHandler(), nil)
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
