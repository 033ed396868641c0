package client_test

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocopvn/estamp/internal/client"
)

func TestTLSConfig(t *testing.T) {
	cfg, err := client.TLSConfig("")
	if err != nil || cfg.MinVersion != tls.VersionTLS12 || cfg.RootCAs != nil {
		t.Errorf("system CAs: %+v, %v", cfg, err)
	}
	notPEM := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := client.TLSConfig(notPEM); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("a file without a certificate: %v", err)
	}
	if _, err := client.TLSConfig(filepath.Join(t.TempDir(), "missing.pem")); err == nil {
		t.Error("a missing file gave no error")
	}
}

// Dial connects lazily: every client is there before any call.
func TestDialFillsEveryClient(t *testing.T) {
	for _, tlsConfig := range []*tls.Config{nil, {MinVersion: tls.VersionTLS12}} {
		c, err := client.Dial("127.0.0.1:1", "estamp_token", tlsConfig)
		if err != nil {
			t.Fatal(err)
		}
		if c.Conn == nil || c.Registry == nil || c.Issuance == nil || c.Verification == nil || c.Labels == nil || c.Custody == nil || c.Admin == nil {
			t.Errorf("missing clients: %+v", c)
		}
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	}
}
