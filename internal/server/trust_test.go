package server_test

import (
	"context"
	"crypto/ed25519"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocopvn/estamp/internal/server"
	"github.com/ocopvn/estamp/internal/trust"
)

// estampd takes the national trust list at start and keeps the last good
// one: a list with one flipped byte is refused, counted in /metrics by
// reason, and the version held stays.
func TestServerHoldsTheTrustList(t *testing.T) {
	golden, err := os.ReadFile(filepath.Join("..", "trust", "testdata", "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	pem, err := os.ReadFile(filepath.Join("..", "trust", "testdata", "anchor-test-pub.pem"))
	if err != nil {
		t.Fatal(err)
	}
	anchor, err := trust.ReadAnchor(pem)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "trust-list.json")
	if err := os.WriteFile(path, golden, 0o600); err != nil {
		t.Fatal(err)
	}
	e := startAt(t, t.TempDir(), "http://localhost:8080", 0, func(c *server.Config) {
		c.TrustList, c.TrustAnchors = path, []ed25519.PublicKey{anchor}
	})
	if l := e.srv.Trust.List(); l == nil || l.Version != 1 || len(l.Issuers) != 2 {
		t.Fatalf("the trust list held at start: %+v", l)
	}
	flipped := append([]byte(nil), golden...)
	flipped[len(flipped)-10] ^= 1
	if err := os.WriteFile(path, flipped, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Trust.Refresh(context.Background()); err == nil {
		t.Error("a flipped byte was taken")
	}
	hs := httptest.NewServer(e.srv.HTTP)
	defer hs.Close()
	r, err := http.Get(hs.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	for _, want := range []string{"estamp_trust_list_version 1\n", `estamp_trust_list_refusals_total{reason="invalid"} 1`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
