package server_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// intakeOf is the intake verdict each verification verdict becomes.
var intakeOf = map[estampv1.Verdict]estampv1.IntakeVerdict{
	estampv1.Verdict_VERDICT_GENUINE:       estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED,
	estampv1.Verdict_VERDICT_MALFORMED:     estampv1.IntakeVerdict_INTAKE_VERDICT_MALFORMED,
	estampv1.Verdict_VERDICT_BAD_SIGNATURE: estampv1.IntakeVerdict_INTAKE_VERDICT_BAD_SIGNATURE,
	estampv1.Verdict_VERDICT_UNKNOWN_KEY:   estampv1.IntakeVerdict_INTAKE_VERDICT_UNKNOWN_KEY,
	estampv1.Verdict_VERDICT_NOT_ISSUED:    estampv1.IntakeVerdict_INTAKE_VERDICT_NOT_ISSUED,
}

// jsonVerdict asks an HTTP transport for its verdict as JSON.
func jsonVerdict(t *testing.T, rawURL string) estampv1.Verdict {
	t.Helper()
	p := get(t, rawURL, "Accept", "application/json")
	var v estampv1.VerifyResponse
	if err := protojson.Unmarshal([]byte(p.body), &v); err != nil {
		t.Fatalf("GET %s: %d %v\n%s", rawURL, p.status, err, p.body)
	}
	return v.Verdict
}

// One rule for every transport: the part of a stamp URL before /V/ must be
// the service's own address (or its batch's), on gRPC, on the page and in
// its JSON, in the form and at intake; a token is upper-cased in ASCII
// only; an altered last character is a bad signature everywhere.
func TestOneAddressRuleOnEveryTransport(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	e.retailer(t, "SHOP")
	hs := httptest.NewServer(e.srv.HTTP)
	defer hs.Close()
	const own = "HTTP://LOCALHOST:8080"
	stamps := e.issue(t, "NEM-CHUA", 8, "rule").Stamps
	tok := func(i int) string { c := stamps[i].Code; return c[strings.LastIndex(c, "/")+1:] }
	withS := -1
	for i := range stamps {
		if strings.ContainsAny(tok(i), "SI") {
			withS = i
			break
		}
	}
	if withS < 0 {
		t.Fatal("no test token holds S or I")
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	nonCanonical := func(s string) string {
		return s[:len(s)-1] + string(alphabet[strings.IndexByte(alphabet, s[len(s)-1])|1])
	}
	unicodeUpper := strings.NewReplacer("S", "\u017f", "I", "\u0131").Replace(tok(withS))

	tests := []struct {
		name string
		code string // as scanned
		path bool   // the page can be asked for it: the host is ours
		want estampv1.Verdict
	}{
		{"own address", own + "/V/" + tok(0), true, estampv1.Verdict_VERDICT_GENUINE},
		{"lower case", strings.ToLower(own + "/V/" + tok(1)), true, estampv1.Verdict_VERDICT_GENUINE},
		{"a path before /V/", own + "/X/V/" + tok(2), true, estampv1.Verdict_VERDICT_MALFORMED},
		{"two segments before /V/", own + "/A/B/V/" + tok(2), true, estampv1.Verdict_VERDICT_MALFORMED},
		{"/V/ twice", own + "/V/V/" + tok(2), true, estampv1.Verdict_VERDICT_MALFORMED},
		{"token twice", own + "/V/" + tok(2) + "/V/" + tok(2), true, estampv1.Verdict_VERDICT_MALFORMED},
		// ServeMux would redirect these to /V/<token>: the page must not.
		{"a slash before /V/", own + "//V/" + tok(2), true, estampv1.Verdict_VERDICT_MALFORMED},
		{"a dot segment before /V/", own + "/./V/" + tok(2), true, estampv1.Verdict_VERDICT_MALFORMED},
		{"a slash after /V/", own + "/V//" + tok(2), true, estampv1.Verdict_VERDICT_MALFORMED},
		{"another host", "HTTPS://EVIL.EXAMPLE/V/" + tok(3), false, estampv1.Verdict_VERDICT_MALFORMED},
		{"Unicode letters that upper-case to S and I", own + "/V/" + unicodeUpper, true, estampv1.Verdict_VERDICT_MALFORMED},
		{"altered last character", own + "/V/" + nonCanonical(tok(4)), true, estampv1.Verdict_VERDICT_BAD_SIGNATURE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]estampv1.Verdict{}
			g := e.verify(t, tt.code)
			got["gRPC"] = g.Verdict
			got["form"] = jsonVerdict(t, hs.URL+"/verify?"+url.Values{"code": {tt.code}}.Encode())
			if tt.path {
				p := tt.code[len(own):]
				got["page JSON"] = jsonVerdict(t, hs.URL+(&url.URL{Path: p}).EscapedPath())
				html := get(t, hs.URL+(&url.URL{Path: p}).EscapedPath())
				kind := map[bool]string{true: "ok", false: "bad"}[tt.want == estampv1.Verdict_VERDICT_GENUINE]
				if !strings.Contains(html.body, `class="verdict `+kind+`"`) {
					t.Errorf("page: not a %s verdict:\n%s", kind, html.body)
				}
				if tt.want != estampv1.Verdict_VERDICT_GENUINE && !strings.Contains(html.body, g.Message) {
					t.Errorf("page does not say what gRPC says, %q:\n%s", g.Message, html.body)
				}
			}
			for transport, v := range got {
				if v != tt.want {
					t.Errorf("%s: %v, want %v", transport, v, tt.want)
				}
			}
			in := e.receive(t, "SHOP", tt.code)
			if len(in.Items) != 1 || in.Items[0].Verdict != intakeOf[tt.want] {
				t.Fatalf("intake: %v, want %v", in.Items, intakeOf[tt.want])
			}
			// One catalogue: intake tells a verdict in Verify's words.
			if it := in.Items[0]; tt.want != estampv1.Verdict_VERDICT_GENUINE && (it.Message != g.Message || it.MessageEn != g.MessageEn) {
				t.Errorf("intake says %q / %q, gRPC %q / %q", it.Message, it.MessageEn, g.Message, g.MessageEn)
			}
		})
	}
}

// A HEAD or OPTIONS request is not a scan; neither is the same client
// viewing the same stamp again within 30 minutes: reloading, switching
// the language, asking for JSON, or checking again over gRPC. Other
// clients, token holders and the same client half an hour later count.
func TestOnlyScansCount(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	hs := httptest.NewServer(e.srv.HTTP)
	defer hs.Close()
	st := e.issue(t, "NEM-CHUA", 1, "scans").Stamps[0]
	page := hs.URL + path(st.Code)
	count := func() uint64 {
		t.Helper()
		h, err := e.Custody.GetStampHistory(context.Background(), &estampv1.GetStampHistoryRequest{Serial: st.Serial})
		if err != nil {
			t.Fatal(err)
		}
		return h.ScanCount
	}
	do := func(method, rawURL, ua string) int {
		t.Helper()
		req, _ := http.NewRequest(method, rawURL, nil)
		req.Header.Set("User-Agent", ua)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	steps := []struct {
		name string
		act  func()
		want uint64
	}{
		{"five curl -I", func() {
			for range 5 {
				if code := do(http.MethodHead, page, "curl/8.5"); code != http.StatusOK {
					t.Errorf("HEAD: %d", code)
				}
			}
		}, 0},
		{"OPTIONS", func() {
			if code := do(http.MethodOptions, page, "curl/8.5"); code != http.StatusMethodNotAllowed {
				t.Errorf("OPTIONS: %d", code)
			}
		}, 0},
		{"a phone opens the page", func() { do(http.MethodGet, page, "phone A") }, 1},
		{"it reloads three times", func() {
			for range 3 {
				do(http.MethodGet, page, "phone A")
			}
		}, 1},
		{"it switches to English and back", func() {
			do(http.MethodGet, page+"?lang=en", "phone A")
			do(http.MethodGet, page+"?lang=vi", "phone A")
		}, 1},
		{"it asks for JSON and types the code", func() {
			req, _ := http.NewRequest(http.MethodGet, page, nil)
			req.Header.Set("User-Agent", "phone A")
			req.Header.Set("Accept", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			do(http.MethodGet, hs.URL+"/verify?code="+url.QueryEscape(st.Code), "phone A")
		}, 1},
		{"another phone", func() { do(http.MethodGet, page, "phone B") }, 2},
		{"five HEADs did not trip the copy warning", func() {
			if p := get(t, page, "User-Agent", "phone B"); !strings.Contains(p.body, `class="verdict ok"`) {
				t.Errorf("page after HEADs and reloads is not a plain genuine verdict:\n%s", p.body)
			}
		}, 2},
		{"a tokenless gRPC client three times", func() {
			c := e.dial(t, "")
			for range 3 {
				if _, err := c.Verification.Verify(context.Background(), &estampv1.VerifyRequest{Code: st.Code}); err != nil {
					t.Fatal(err)
				}
			}
		}, 3},
		{"a tokenless gRPC client with another User-Agent", func() {
			c := e.dialWith(t, "", grpc.WithUserAgent("shop-scanner/2"))
			if _, err := c.Verification.Verify(context.Background(), &estampv1.VerifyRequest{Code: st.Code}); err != nil {
				t.Fatal(err)
			}
		}, 4},
		{"a token holder twice", func() { e.verify(t, st.Code); e.verify(t, st.Code) }, 6},
		{"phone A 31 minutes later", func() {
			e.clock.Set(e.clock.Now().Add(31 * time.Minute))
			do(http.MethodGet, page, "phone A")
		}, 7},
	}
	for _, s := range steps {
		s.act()
		if got := count(); got != s.want {
			t.Fatalf("after %s: %d scans, want %d", s.name, got, s.want)
		}
	}
}

var hrefRE = regexp.MustCompile(`(?:href|action)="([^"]*)"`)

// Every link a page emits stays on this site, whatever path the request
// had: a path starting with two slashes once became a language link to
// another host.
func TestPageLinksStayOnThisSite(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	hs := httptest.NewServer(e.srv.HTTP)
	defer hs.Close()
	code := e.issue(t, "NEM-CHUA", 1, "links").Stamps[0].Code
	token := code[strings.LastIndex(code, "/")+1:]
	base, _ := url.Parse(hs.URL)
	for _, target := range []string{
		"//evil.example/V/" + token,
		"/%2Fevil.example/V/" + token, // the path is //evil.example/V/...
		"/%2F%2Fevil.example/V/" + token + "?lang=en",
		"/evil.example/V/" + token,
		"//evil.example/V/" + token + "?lang=en",
		"/V/" + token,
		"/v/" + strings.ToLower(token),
		"/X/V/" + token,
		"/V/NOT-A-TOKEN",
		"/verify?code=" + url.QueryEscape("//evil.example/V/"+token),
		"/",
	} {
		t.Run(target, func(t *testing.T) {
			body, final := rawGet(t, base.Host, target)
			links := hrefRE.FindAllStringSubmatch(body, -1)
			if len(links) < 3 {
				t.Fatalf("GET %s (after redirects %s): %d links\n%s", target, final, len(links), body)
			}
			for _, m := range links {
				href := strings.ReplaceAll(m[1], "&amp;", "&")
				u, err := base.Parse(href)
				if err != nil || u.Host != base.Host || u.Scheme != base.Scheme {
					t.Errorf("GET %s: link %q resolves to %v", target, m[1], u)
				}
			}
		})
	}
}

// rawGet sends the request target exactly as given (an http.Client would
// clean it), following same-host redirects, and returns the final body.
func rawGet(t *testing.T, host, target string) (body, final string) {
	t.Helper()
	for range 3 {
		conn, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target, host)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			conn.Close()
			t.Fatal(err)
		}
		var sb strings.Builder
		_, _ = bufio.NewReader(resp.Body).WriteTo(&sb)
		resp.Body.Close()
		conn.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode/100 == 3 && loc != "" {
			if !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") {
				t.Fatalf("GET %s redirects off the site: %s", target, loc)
			}
			target = loc
			continue
		}
		return sb.String(), target
	}
	t.Fatalf("GET %s: too many redirects", target)
	return "", ""
}
