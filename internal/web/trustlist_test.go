package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/ocopvn/estamp/internal/keys"
)

// heldDoc is a trust list holder: the document it holds, nil for none.
type heldDoc struct {
	mu  sync.Mutex
	doc []byte
}

func (h *heldDoc) Document() []byte { h.mu.Lock(); defer h.mu.Unlock(); return h.doc }

func (h *heldDoc) set(doc []byte) { h.mu.Lock(); h.doc = doc; h.mu.Unlock() }

// The trust list is served byte for byte as held, with an ETag that
// changes with the list and answers 304 until it does, public cache
// headers and CORS like the other .well-known files; 404 while none is
// held, and for a handler given no holder.
func TestTrustListIsServedAsHeld(t *testing.T) {
	h, err := New(Config{Verifier: fakeVerifier{}, Keys: keys.NewRing(), Revocations: fakeRevocations{}, Photos: fakePhotos{}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	get := func(etag string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest("GET", TrustListPath, nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	if rec := get(""); rec.Code != http.StatusNotFound {
		t.Errorf("no holder: %d", rec.Code)
	}
	held := &heldDoc{}
	h.SetTrustList(held)
	v1, v2 := []byte(`{"key_id":"24f6ed6a","payload":"AAAA","signature":"BBBB"}`+"\n"), []byte(`{"key_id":"24f6ed6a","payload":"CCCC","signature":"DDDD"}`)
	etag := ""
	for _, tt := range []struct {
		name   string
		doc    []byte
		again  bool
		status int
	}{
		{"none held", nil, false, http.StatusNotFound},
		{"a list", v1, false, http.StatusOK},
		{"the same list again", v1, true, http.StatusNotModified},
		{"a newer list", v2, true, http.StatusOK},
		{"the newer list again", v2, true, http.StatusNotModified},
		{"expired: none held", nil, true, http.StatusNotFound},
	} {
		held.set(tt.doc)
		ifNone := ""
		if tt.again {
			ifNone = etag
		}
		rec := get(ifNone)
		if rec.Code != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, rec.Code, tt.status)
			continue
		}
		if tt.status != http.StatusOK {
			continue
		}
		hd := rec.Header()
		if got := rec.Body.String(); got != string(tt.doc) {
			t.Errorf("%s: served %q, want the bytes held %q", tt.name, got, tt.doc)
		}
		if hd.Get("ETag") == "" || hd.Get("ETag") == etag {
			t.Errorf("%s: ETag %q after %q", tt.name, hd.Get("ETag"), etag)
		}
		etag = hd.Get("ETag")
		for k, want := range map[string]string{"Content-Type": "application/json", "Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*", "X-Content-Type-Options": "nosniff"} {
			if hd.Get(k) != want {
				t.Errorf("%s: %s %q, want %q", tt.name, k, hd.Get(k), want)
			}
		}
	}
}
