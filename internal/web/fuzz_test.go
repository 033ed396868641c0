package web

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/keys"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/verify"
)

// fakeVerifier answers like the service: InvalidArgument for what the
// service refuses, a verdict for everything else, echoing the code in the
// message so that escaping is exercised.
type fakeVerifier struct{}

func (fakeVerifier) Verify(_ context.Context, req *estampv1.VerifyRequest) (*estampv1.VerifyResponse, error) {
	code := strings.TrimSpace(req.GetCode())
	if code == "" || len(code) > verify.MaxCodeLength {
		return nil, ocop.Invalid("code", "sai độ dài", "bad length")
	}
	if strings.HasPrefix(strings.ToUpper(code), "AG") {
		return &estampv1.VerifyResponse{Verdict: estampv1.Verdict_VERDICT_GENUINE, Message: "ok " + code,
			Product: &estampv1.PublicProduct{Name: code, StarGrade: 4}, Producer: &estampv1.PublicProducer{Name: code, Phone: code},
			Origin: &estampv1.Origin{Commune: code, Province: code}, Batch: &estampv1.PublicBatch{Lot: code, Revoked: true, RevocationReason: code}}, nil
	}
	return &estampv1.VerifyResponse{Verdict: estampv1.Verdict_VERDICT_MALFORMED, Message: code}, nil
}

type fakeRevocations struct{}

func (fakeRevocations) ListRevocations(_ context.Context, req *estampv1.ListRevocationsRequest) (*estampv1.ListRevocationsResponse, error) {
	return &estampv1.ListRevocationsResponse{Version: req.SinceVersion + 1}, nil
}

// FuzzRequest sends any path, query and headers to the HTTP handler: it
// must answer with a known status, never panic, and never echo markup.
var (
	linkRE = regexp.MustCompile(`(?:href|action)="([^"]*)"`)
	telRE  = regexp.MustCompile(`^\+[0-9]{6,14}$`)
)

func FuzzRequest(f *testing.F) {
	token := "AGCEDCREAAAAAAAAAIAAAAADAAAAAAIEKMCPUIXAJL4BX5EYFHQ2VYRMTAG74AIR5EEW5WD6XEGM7AME44K7NEY225Z5JWIZJN6ZKYDX6HTOLFCHYBXFPUNM3SJXFKP5AY4YFTZGBQ"
	for _, seed := range [][3]string{
		{"/V/" + token, "", "text/html"},
		{"/v/" + strings.ToLower(token), "lang=en", "application/json"},
		{"/verify", "code=HTTP%3A%2F%2FLOCALHOST%3A8080%2FV%2F" + token, ""},
		{"/verify", "code=%3Cscript%3Ealert(1)%3C%2Fscript%3E&lang=vi", "text/html"},
		{"/verify", "code=", ""},
		{RevocationsPath, "since=7", ""},
		{RevocationsPath, "since=-1", ""},
		{RevocationsPath, "since=99999999999999999999999", ""},
		{KeysPath, "", ""},
		{"/", "lang=xx", "application/json;q=0.9"},
		{"/healthz", "", ""},
		{"/assets/style.css", "", ""},
		{"/nothing/here", "a=%zz", ""},
		{"/photos/" + strings.Repeat("0a", 32) + ".jpg", "", ""},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	h, err := New(Config{Verifier: fakeVerifier{}, Keys: keys.NewRing(), Revocations: fakeRevocations{}, Photos: fakePhotos{}, ReportContact: "Văn phòng <OCOP>", Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, path, query, accept string) {
		req, err := http.NewRequest("GET", "http://localhost:8080"+path+"?"+query, nil)
		if err != nil || req.URL.Path == "" || req.URL.Path[0] != '/' {
			return // net/http would never route this
		}
		req.Header.Set("Accept", accept)
		req.Header.Set("Accept-Language", accept)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusNotFound, http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			// ServeMux redirects unclean paths such as /./x.
		default:
			t.Fatalf("GET %s?%s: status %d", path, query, rec.Code)
		}
		body := rec.Body.String()
		if strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") && strings.Contains(strings.ToLower(body), "<script") {
			t.Fatalf("GET %s?%s: markup echoed:\n%s", path, query, body)
		}
		if rec.Header().Get("Content-Security-Policy") == "" {
			t.Fatalf("GET %s?%s: no CSP", path, query)
		}
		// Every link stays on this site, whatever the request path was,
		// but for a producer's phone, which dials.
		for _, m := range linkRE.FindAllStringSubmatch(body, -1) {
			u, err := req.URL.Parse(html.UnescapeString(m[1]))
			if err == nil && u.Scheme == "tel" && telRE.MatchString(u.Opaque) {
				continue
			}
			if err != nil || u.Host != req.URL.Host {
				t.Fatalf("GET %s?%s: link %q leaves the site (%v)", path, query, m[1], u)
			}
		}
	})
}
