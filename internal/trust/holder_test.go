package trust

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
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
	sign := listSigner(t)
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

// A holder that persists its list takes the saved one at start through
// the same checks as a fetched one, and saves every list it takes: a
// restart while the source is down still holds the last good list, and
// a source that serves an older one cannot undo it. The list held is
// served as the very bytes the anchor signed; the same list fetched again
// (no ETag after a restart) is no refusal.
func TestHolderPersistsTheLastGoodList(t *testing.T) {
	sign := listSigner(t)
	now := goldenNow
	v2, v3 := sign(2, goldenExpires), append(sign(3, goldenExpires), '\n')
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	source, saved := filepath.Join(dir, "source.json"), filepath.Join(dir, "data", "trust-list.json")
	if err := os.Mkdir(filepath.Dir(saved), 0o700); err != nil {
		t.Fatal(err)
	}
	holder := func() (*Holder, *[]string, error) {
		var refusals []string
		h := NewHolder(source, anchors(t), nil, func() time.Time { return now }, quiet, func(r string) { refusals = append(refusals, r) })
		return h, &refusals, h.Persist(saved)
	}
	ctx := context.Background()

	// Nothing saved yet: no error, nothing held; then a list is taken
	// and saved as it came.
	h, _, err := holder()
	if err != nil || h.List() != nil || h.Document() != nil {
		t.Fatalf("nothing saved: %v, %v", err, h.List())
	}
	if err := os.WriteFile(source, v3, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(saved); err != nil || !bytes.Equal(got, v3) || !bytes.Equal(h.Document(), v3) {
		t.Fatalf("saved %q (%v), served %q; want the bytes taken %q", got, err, h.Document(), v3)
	}

	flipped := append([]byte(nil), v3...)
	flipped[len(flipped)/2] ^= 1
	for _, tt := range []struct {
		name string
		// source is the source's document, nil when it cannot be read.
		source []byte
		// save replaces the saved file first, when set.
		save     []byte
		at       time.Time
		persist  bool // Persist refuses the saved file
		version  uint64
		refusals []string
	}{
		{name: "the source down", version: 3, refusals: []string{"fetch"}},
		{name: "the same list again", source: v3, version: 3},
		{name: "the same list without its line feed", source: bytes.TrimSuffix(v3, []byte("\n")), version: 3},
		{name: "an older list served", source: v2, version: 3, refusals: []string{"not newer"}},
		{name: "a newer list served", source: append(sign(4, goldenExpires), '\n'), version: 4},
		{name: "a saved file altered", save: flipped, persist: true, version: 0, refusals: []string{"fetch"}},
		{name: "a saved file altered, the source up", save: flipped, source: v2, persist: true, version: 2},
		{name: "a saved list expired", save: v3, at: goldenExpires, persist: true, version: 0, refusals: []string{"fetch"}},
	} {
		now = goldenNow
		if !tt.at.IsZero() {
			now = tt.at
		}
		if tt.save != nil {
			if err := os.WriteFile(saved, tt.save, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		os.Remove(source)
		if tt.source != nil {
			if err := os.WriteFile(source, tt.source, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		h, refusals, err := holder()
		if (err != nil) != tt.persist {
			t.Errorf("%s: Persist: %v", tt.name, err)
		}
		h.Refresh(ctx)
		got := uint64(0)
		if l := h.List(); l != nil {
			got = l.Version
		}
		if got != tt.version || !slices.Equal(*refusals, tt.refusals) {
			t.Errorf("%s: version %d held, refusals %v; want %d, %v", tt.name, got, *refusals, tt.version, tt.refusals)
		}
		if tt.version == 0 && h.Document() != nil {
			t.Errorf("%s: a document served with no list held", tt.name)
		}
	}
}

// Held is what verify --offline checks by: the cached list until it
// expires, then none.
func TestHeldListExpires(t *testing.T) {
	list := goldenList(t)
	now := goldenNow
	h := NewHeld(list, func() time.Time { return now })
	if h.List() != list {
		t.Error("a valid list is not held")
	}
	now = list.Expires
	if h.List() != nil {
		t.Error("an expired list is held")
	}
	if NewHeld(nil, time.Now).List() != nil {
		t.Error("nothing is held as a list")
	}
}

// listSigner signs the golden list with the test anchor, at another
// version and expiry.
func listSigner(t *testing.T) func(version uint64, expires time.Time) []byte {
	signer := readKey(t, "anchor-test-key.pem").Signer
	return func(version uint64, expires time.Time) []byte {
		t.Helper()
		l := goldenList(t)
		l.Version, l.Expires = version, expires
		data, err := Sign(l, signer)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
}
