package trust

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// The refresh rules of docs/trust-list.md §5, over HTTP with ETags and
// from a file: a good, newer list is taken; one flipped byte, an older or
// equal version, an expired list, an unreachable source are refused, and
// the last good list stays; 304 keeps it; a held list past its expiry
// trusts nothing.
func TestHolderKeepsTheLastGoodList(t *testing.T) {
	signer := readKey(t, "anchor-test-key.pem").Signer
	sign := func(version uint64, expires time.Time) []byte {
		t.Helper()
		l := goldenList(t)
		l.Version, l.Expires = version, expires
		data, err := Sign(l, signer)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	var (
		mu      sync.Mutex
		serving []byte
		etag    string
		hits    int
	)
	serve := func(doc []byte, tag string) { mu.Lock(); serving, etag = doc, tag; mu.Unlock() }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		hits++
		if etag != "" && r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		if serving == nil {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("ETag", etag)
		w.Write(serving)
	}))
	defer srv.Close()
	now := goldenNow
	var refusals []string
	h := NewHolder(srv.URL, anchors(t), srv.Client(), func() time.Time { return now }, slog.New(slog.NewTextHandler(io.Discard, nil)), func(r string) { refusals = append(refusals, r) })
	ctx := context.Background()

	if h.List() != nil {
		t.Fatal("a new holder holds a list")
	}
	serve(nil, "")
	if err := h.Refresh(ctx); err == nil || h.List() != nil {
		t.Errorf("unreachable source: %v, held %v", err, h.List())
	}
	v2 := sign(2, goldenExpires)
	serve(v2, `"v2"`)
	if err := h.Refresh(ctx); err != nil || h.List().Version != 2 {
		t.Fatalf("a good list: %v", err)
	}
	flipped := append([]byte(nil), v2...)
	flipped[len(flipped)/2] ^= 1
	for _, tt := range []struct {
		name, reason string
		doc          []byte
	}{
		{"one flipped byte", "invalid", flipped},
		{"an older version", "not newer", sign(1, goldenExpires)},
		{"the same version", "not newer", sign(2, goldenExpires.Add(time.Hour))},
		{"an expired list", "invalid", sign(3, now.Add(-time.Minute))},
		{"nothing", "fetch", nil},
	} {
		serve(tt.doc, `"other"`)
		refusals = nil
		if err := h.Refresh(ctx); err == nil || len(refusals) != 1 || refusals[0] != tt.reason {
			t.Errorf("%s: %v, refusals %v; want %q", tt.name, err, refusals, tt.reason)
		}
		if got := h.List(); got == nil || got.Version != 2 {
			t.Errorf("%s: the held list is now %v, want version 2 kept", tt.name, got)
		}
	}
	// The source answers 304 to the ETag of the list held.
	serve(v2, `"v2"`)
	before := hits
	if err := h.Refresh(ctx); err != nil || h.List().Version != 2 || hits != before+1 {
		t.Errorf("304: %v", err)
	}
	v3 := sign(3, goldenExpires)
	serve(v3, `"v3"`)
	if err := h.Refresh(ctx); err != nil || h.List().Version != 3 {
		t.Errorf("a newer list: %v", err)
	}
	// Past its expiry, the held list trusts nothing.
	now = goldenExpires
	if h.List() != nil {
		t.Error("an expired list is still held as trusted")
	}

	// From a file, the same rules.
	path := filepath.Join(t.TempDir(), "trust-list.json")
	now = goldenNow
	fh := NewHolder(path, anchors(t), nil, func() time.Time { return now }, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err := fh.Refresh(ctx); err == nil {
		t.Error("a missing file was taken")
	}
	if err := os.WriteFile(path, v3, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := fh.Refresh(ctx); err != nil || fh.List().Version != 3 {
		t.Errorf("a good file: %v", err)
	}
	if err := os.WriteFile(path, v2, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := fh.Refresh(ctx); err == nil || fh.List().Version != 3 {
		t.Errorf("an older file replaced the list: %v", err)
	}
}
