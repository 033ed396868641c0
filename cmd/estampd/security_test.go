package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ocopvn/estamp/internal/cli"
	"github.com/ocopvn/estamp/internal/server"
)

// stopped runs estampd with a context that is already cancelled: it starts,
// writes its keys and token, and stops at once.
func stopped(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stderr bytes.Buffer
	err := run(ctx, append([]string{"--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"}, args...), &stderr)
	return stderr.String(), err
}

func TestInsecureListenWarns(t *testing.T) {
	log, err := stopped(t, "--data-dir", t.TempDir(), "--grpc-addr", "0.0.0.0:0", "--insecure-listen")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log, "level=WARN") || !strings.Contains(log, "insecure-listen") {
		t.Errorf("no warning:\n%s", log)
	}
}

func TestRefusesKeyFilesOthersCanRead(t *testing.T) {
	dir := t.TempDir()
	if _, err := stopped(t, "--data-dir", dir); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(server.KeyDir(dir), "*.pem"))
	if len(files) != 1 {
		t.Fatalf("key files: %v", files)
	}
	if err := os.Chmod(files[0], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := stopped(t, "--data-dir", dir); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("start with a 0644 key: %v", err)
	}
}

func TestPassphraseEncryptsKeysAtRest(t *testing.T) {
	dir := t.TempDir()
	pass := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(pass, []byte("một câu thật dài không ai đoán được\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := stopped(t, "--data-dir", dir, "--key-passphrase-file", pass); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(server.KeyDir(dir), "*.pem"))
	data, err := os.ReadFile(files[0])
	if err != nil || !strings.Contains(string(data), "ENCRYPTED") {
		t.Fatalf("key at rest:\n%s", data)
	}
	if _, err := stopped(t, "--data-dir", dir, "--key-passphrase-file", pass); err != nil {
		t.Errorf("restart with the passphrase: %v", err)
	}
	if _, err := stopped(t, "--data-dir", dir); err == nil || !strings.Contains(err.Error(), "--key-passphrase-file") {
		t.Errorf("start without the passphrase: %v", err)
	}
	os.Chmod(pass, 0o644)
	if _, err := stopped(t, "--data-dir", dir, "--key-passphrase-file", pass); err == nil || !strings.Contains(err.Error(), "0600") {
		t.Errorf("passphrase file readable by others: %v", err)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and localhost and its
// (ECDSA) key.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return selfSignedWith(t, dir, key)
}

// selfSignedWith is selfSigned with the given key.
func selfSignedWith(t *testing.T, dir string, key crypto.Signer) (certFile, keyFile string) {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "estampd test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)
	return certFile, keyFile
}

func TestServesTLS(t *testing.T) {
	certFile, keyFile := selfSigned(t, t.TempDir())
	grpcAddr, httpAddr := freePort(t), freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	var stderr bytes.Buffer
	go func() {
		errc <- run(ctx, []string{"--data-dir", t.TempDir(), "--demo", "--grpc-addr", grpcAddr, "--http-addr", httpAddr,
			"--tls-cert", certFile, "--tls-key", keyFile}, &stderr)
	}()
	defer func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	pem, _ := os.ReadFile(certFile)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 5 * time.Second}
	resp := waitHTTPS(t, client, httpAddr)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HTTPS health check: %s", resp.Status)
	}
	resp.Body.Close()
	if r, err := http.Get("http://" + httpAddr + "/healthz"); err == nil && r.StatusCode == http.StatusOK {
		t.Error("plain HTTP served next to TLS")
	}

	env := func(k string) string { return map[string]string{"ESTAMP_SERVER": grpcAddr}[k] }
	var out, errOut bytes.Buffer
	if err := cli.Run(context.Background(), []string{"--tls-ca", certFile, "keys", "list"}, env, &out, &errOut); err != nil {
		t.Fatalf("keys list over TLS: %v", err)
	}
	if !strings.Contains(out.String(), "Ed25519") {
		t.Errorf("keys list over TLS:\n%s", out.String())
	}
	plain := context.Background()
	plain, stop := context.WithTimeout(plain, 3*time.Second)
	defer stop()
	if err := cli.Run(plain, []string{"keys", "list"}, env, &out, &errOut); err == nil {
		t.Error("a plaintext client reached the TLS server")
	}
}

// A client that opens a connection and trickles a header is cut off: the
// server does not wait for it forever.
func TestSlowClientIsCutOff(t *testing.T) {
	srv := newHTTPServer(http.NotFoundHandler(), nil, slog.New(slog.DiscardHandler))
	if srv.ReadHeaderTimeout == 0 || srv.ReadTimeout == 0 || srv.WriteTimeout == 0 || srv.IdleTimeout == 0 || srv.MaxHeaderBytes == 0 {
		t.Fatalf("unbounded HTTP server: %+v", srv)
	}
	srv.ReadHeaderTimeout = 200 * time.Millisecond // the real 5 s, shortened for the test
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(lis)
	defer srv.Close()
	conn, err := net.Dial("tcp", lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n"))
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 512)
	n, err := conn.Read(buf)
	// The server answers 408 or just closes; either way it does not hang.
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("server still waiting on a slow client after 5 s (read %q)", buf[:n])
	}
}

// A data directory, or a database in it, that others can write is refused:
// they could replace the database or admin.token. So is it by --check-db.
func TestRefusesADataDirOthersCanWrite(t *testing.T) {
	tests := []struct {
		name            string
		dirMode, dbMode os.FileMode // dbMode 0: no database yet
		refused         string      // what the error names; "" when accepted
	}{
		{"dir 0700", 0o700, 0, ""},
		{"dir 0755", 0o755, 0, ""},
		{"dir 0775", 0o775, 0, "has mode 0775"},
		{"dir 0777", 0o777, 0, "has mode 0777"},
		{"dir 0757", 0o757, 0, "has mode 0757"},
		{"database 0600", 0o700, 0o600, ""},
		{"database 0644", 0o700, 0o644, ""},
		{"database 0664", 0o700, 0o664, "estamp.db has mode 0664"},
		{"database 0606", 0o700, 0o606, "estamp.db has mode 0606"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			if _, err := stopped(t, "--data-dir", dir); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, tt.dirMode); err != nil {
				t.Fatal(err)
			}
			if tt.dbMode != 0 {
				if err := os.Chmod(server.DBPath(dir), tt.dbMode); err != nil {
					t.Fatal(err)
				}
			} else if err := os.Remove(server.DBPath(dir)); err != nil {
				t.Fatal(err)
			}
			fix := "chmod 700 " + dir
			if tt.dbMode != 0 {
				fix = "chmod 600 " + server.DBPath(dir)
			}
			_, err := stopped(t, "--data-dir", dir)
			if tt.refused == "" && err != nil {
				t.Errorf("refused: %v", err)
			}
			if tt.refused != "" && (err == nil || !strings.Contains(err.Error(), tt.refused) || !strings.Contains(err.Error(), fix)) {
				t.Errorf("run = %v, want an error saying %q and %q", err, tt.refused, fix)
			}
			if tt.dbMode == 0 {
				return // --check-db has no database to check
			}
			_, err = stopped(t, "--data-dir", dir, "--check-db")
			if tt.refused == "" && err != nil {
				t.Errorf("--check-db: %v", err)
			}
			if tt.refused != "" && (err == nil || !strings.Contains(err.Error(), tt.refused)) {
				t.Errorf("--check-db = %v, want an error saying %q", err, tt.refused)
			}
		})
	}
}

// waitHTTPS polls the server's HTTPS health check until it answers (the
// server is starting), for up to 10 s.
func waitHTTPS(t *testing.T, client *http.Client, httpAddr string) *http.Response {
	t.Helper()
	var resp *http.Response
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err = client.Get("https://" + httpAddr + "/healthz"); err == nil {
			return resp
		}
	}
	t.Fatalf("HTTPS health check: %v", err)
	return nil
}
