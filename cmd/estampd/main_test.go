package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ocopvn/estamp/internal/demo"
)

func TestRunRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		mention string
	}{
		{"base URL outside QR alphanumeric", []string{"--base-url", "https://tem_ocop.vn"}, "--base-url"},
		{"base URL not http", []string{"--base-url", "tem.ocop.vn"}, "--base-url"},
		{"unknown flag", []string{"--nope"}, "nope"},
		{"stray argument", []string{"serve"}, "serve"},
		{"bad listen address", []string{"--grpc-addr", "256.0.0.1:1"}, "--grpc-addr"},
		{"public gRPC address without TLS", []string{"--grpc-addr", "0.0.0.0:0"}, "--insecure-listen"},
		{"public HTTP address without TLS", []string{"--http-addr", ":8080"}, "--insecure-listen"},
		{"certificate without key", []string{"--tls-cert", "cert.pem"}, "--tls-key"},
		{"missing certificate files", []string{"--tls-cert", "nope.pem", "--tls-key", "nope.key"}, "--tls-cert"},
		{"negative rate", []string{"--verify-rate", "-1"}, "--verify-rate"},
		{"no shutdown grace", []string{"--shutdown-grace", "0s"}, "--shutdown-grace"},
		{"negative code rate", []string{"--token-code-rate", "-1"}, "--token-code-rate"},
		{"negative code burst", []string{"--token-code-burst", "-1"}, "--token-code-burst"},
		{"missing passphrase file", []string{"--key-passphrase-file", "/nonexistent/pass"}, "--key-passphrase-file"},
		{"report contact too long for the page", []string{"--report-contact", strings.Repeat("Văn phòng OCOP ", 20)}, "--report-contact"},
		{"report contact on two lines", []string{"--report-contact", "Văn phòng OCOP\n0237 385 2016"}, "--report-contact"},
		{"trust list without its anchor", []string{"--trust-list", "trust-list.json"}, "--trust-anchor"},
		{"trust anchor that is not a key", []string{"--trust-list", "trust-list.json", "--trust-anchor", "main_test.go"}, "--trust-anchor"},
		{"trust refresh too often", []string{"--trust-list", "x", "--trust-anchor", "y", "--trust-refresh", "1s"}, "--trust-refresh"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			args := append([]string{"--data-dir", t.TempDir(), "--http-addr", "127.0.0.1:0"}, tt.args...)
			err := run(context.Background(), args, &stderr)
			if err == nil || !strings.Contains(err.Error()+stderr.String(), tt.mention) {
				t.Errorf("run error = %v, want one mentioning %q", err, tt.mention)
			}
		})
	}
}

func TestRunShutsDownGracefully(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var stderr bytes.Buffer
	errc := make(chan error, 1)
	dataDir := filepath.Join(t.TempDir(), "data")
	go func() {
		errc <- run(ctx, []string{"--data-dir", dataDir, "--demo", "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"}, &stderr)
	}()
	time.Sleep(300 * time.Millisecond)
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("run returned %v\n%s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return after cancellation")
	}
	log := stderr.String()
	for _, want := range []string{"created an issuer key", "key_id=", "keys/", "shutting down", "estampd stopped"} {
		if !strings.Contains(log, want) {
			t.Errorf("log does not say %q:\n%s", want, log)
		}
	}
	if strings.Index(log, "estampd stopped") < strings.Index(log, "shutting down") {
		t.Errorf("stopped before shutting down:\n%s", log)
	}
	// The database was released: a second run can open it.
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if err := run(ctx2, []string{"--data-dir", dataDir, "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"}, &stderr); err != nil {
		t.Errorf("restart: %v", err)
	}
}

// Whom buyers report a suspected fake to is the operator's to say; the
// demo says a placeholder that calls itself one, and nothing else makes
// one up.
func TestReportContactFlag(t *testing.T) {
	const office = "Văn phòng Điều phối OCOP tỉnh Thanh Hóa, 0237 385 2016"
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"none", nil, ""},
		{"given", []string{"--report-contact", "  " + office + " "}, office},
		{"demo", []string{"--demo"}, demo.ReportContact},
		{"demo, given", []string{"--demo", "--report-contact", office}, office},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseFlags(tt.args, io.Discard)
			if err != nil || c.reportContact != tt.want {
				t.Errorf("--report-contact = %q (%v), want %q", c.reportContact, err, tt.want)
			}
		})
	}
	if !strings.HasPrefix(demo.ReportContact, "(ví dụ)") {
		t.Errorf("the demo's contact %q does not say it is a placeholder", demo.ReportContact)
	}
}
