package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/ocopvn/estamp/internal/keys"
)

// The route table says, for every path, what the handler answers, whether
// the rate limit applies and how metrics label it; the server asks it
// instead of listing paths of its own.
func TestRouteTable(t *testing.T) {
	h, err := New(Config{Verifier: fakeVerifier{}, BasePath: "/QR", Keys: keys.NewRing(), Revocations: fakeRevocations{}, Photos: fakePhotos{}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path    string
		label   string
		limited bool
		status  int
	}{
		{"/", "/", true, http.StatusOK},
		{"/verify", "/verify", true, http.StatusBadRequest}, // no code typed
		{KeysPath, KeysPath, true, http.StatusOK},
		{RevocationsPath, RevocationsPath, true, http.StatusOK},
		{TrustListPath, TrustListPath, true, http.StatusNotFound}, // none held
		{"/healthz", "/healthz", false, http.StatusOK},
		{"/assets/style.css", "/assets/style.css", false, http.StatusOK},
		{"/QR/V/HELLO", StampLabel, true, http.StatusOK},
		{"/v/hello", StampLabel, true, http.StatusOK},
		{"/X/V/HELLO", StampLabel, true, http.StatusOK}, // a look-alike path gets a verdict too
		{"/healthz/V/HELLO", StampLabel, true, http.StatusOK},
		{"/QR/V/", StampLabel, true, http.StatusNotFound},
		// Photos, like the style sheet, are fetched by a page already
		// allowed; this one is not there.
		{"/photos/" + strings.Repeat("ab", 32) + ".png", PhotoLabel, false, http.StatusNotFound},
		{"/khong-co", OtherLabel, true, http.StatusNotFound},
		{"/metrics", OtherLabel, true, http.StatusNotFound}, // the server's, outside this handler
		{"/healthz/", OtherLabel, true, http.StatusNotFound},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := RouteOf(tt.path); got != (Route{Label: tt.label, Limited: tt.limited}) {
				t.Errorf("RouteOf = %+v, want label %q, limited %v", got, tt.label, tt.limited)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
			if rec.Code != tt.status {
				t.Errorf("GET: status %d, want %d", rec.Code, tt.status)
			}
		})
		covered[tt.path] = true
	}
	// A path added to the table needs a row above: a decision about its
	// limit, and a check that it is served.
	for _, p := range Paths() {
		if !covered[p] {
			t.Errorf("%s is in the route table but not in this test", p)
		}
	}
	if slices.Contains(Paths(), "/metrics") {
		t.Error("/metrics is the server's, not the page handler's")
	}
}
