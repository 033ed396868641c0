package console_test

import (
	"context"
	"path/filepath"

	"github.com/chromedp/chromedp"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/test/bufconn"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/account"
	"github.com/ocopvn/estamp/internal/browsertest"
	"github.com/ocopvn/estamp/internal/client"
	"github.com/ocopvn/estamp/internal/demo"
	"github.com/ocopvn/estamp/internal/server"
)

// The demo registry's subjects the console tests act as: two producers,
// two shops.
const (
	producerA = "HKD-CHE-LAM-PHU-QUANG"
	productA  = "CHE-LAM-PHU-QUANG"
	producerB = "HTX-COI-NGA-SON"
	productB  = "CHIEU-COI-NGA-SON"
	shopA     = "CH-OCOP-HAC-THANH"
	shopB     = "ST-SAM-SON"
)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is a whole estampd in the test: its HTTP listener on a loopback
// port (the console and the stamp pages), and its gRPC API as the office.
type env struct {
	clock *clock
	srv   *server.Server
	web   *httptest.Server
	// admin calls the gRPC API with the office's token.
	admin client.Clients
}

// start runs estampd in process with the demo registry. tls serves HTTPS.
func start(t testing.TB, tls bool) *env {
	t.Helper()
	dir := t.TempDir()
	clk := &clock{now: time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)}
	// The stamps' base URL is the listener's own, known once it listens.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	srv, err := server.New(server.Config{
		DataDir: dir, BaseURL: scheme + "://" + lis.Addr().String(), Now: clk.Now,
		Log:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		Passwords: account.Params{Time: 1, MemoryKiB: 64, Threads: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	web := httptest.NewUnstartedServer(srv.HTTP)
	web.Listener.Close()
	web.Listener = lis
	if tls {
		web.StartTLS()
	} else {
		web.Start()
	}
	grpcLis := bufconn.Listen(1 << 20)
	go srv.GRPC.Serve(grpcLis)
	t.Cleanup(func() {
		web.Close()
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	token, err := os.ReadFile(server.AdminTokenPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	dialer := grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return grpcLis.DialContext(ctx) })
	c, err := client.Dial("passthrough:///bufnet", strings.TrimSpace(string(token)), nil, dialer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := demo.Seed(context.Background(), srv.Registry); err != nil {
		t.Fatal(err)
	}
	return &env{clock: clk, srv: srv, web: web, admin: c}
}

// newAccount creates an account through the API and returns its one-time
// password.
func (e *env) newAccount(t testing.TB, username string, role estampv1.Role, subject string) string {
	t.Helper()
	req := &estampv1.CreateAccountRequest{Username: username, DisplayName: "Người thử " + username, Role: role}
	switch role {
	case estampv1.Role_ROLE_PRODUCER:
		req.ProducerId = subject
	case estampv1.Role_ROLE_RETAILER:
		req.RetailerId = subject
	}
	resp, err := e.admin.Admin.CreateAccount(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp.Password
}

// browser is a person's browser without JavaScript: cookies kept,
// redirects not followed, so that tests see each step.
type browser struct {
	t    testing.TB
	e    *env
	http *http.Client
	// csrf is the token of the latest page that had a form.
	csrf string
}

func (e *env) browser(t testing.TB) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	// A copy: the server's client is shared, and each browser has its
	// own cookies.
	c := *e.web.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{t: t, e: e, http: &c}
}

// page is a response read whole.
type page struct {
	code     int
	location string
	body     string
	header   http.Header
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	if m := csrfField.FindStringSubmatch(string(body)); m != nil {
		b.csrf = m[1]
	}
	return page{code: resp.StatusCode, location: resp.Header.Get("Location"), body: string(body), header: resp.Header}
}

// get opens a path of the listener.
func (b *browser) get(path string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.e.web.URL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post sends a form as a browser on this site does, with the CSRF token
// of the latest page unless the form has one.
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok && b.csrf != "" {
		form.Set("csrf", b.csrf)
	}
	req, err := http.NewRequest(http.MethodPost, b.e.web.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.e.web.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

// signIn signs in and, on a first sign-in, sets newPassword; it fails
// the test unless the person ends up at their home.
func (b *browser) signIn(username, password, newPassword string) {
	b.t.Helper()
	p := b.post("/console/signin", url.Values{"username": {username}, "password": {password}})
	if p.code != http.StatusSeeOther {
		b.t.Fatalf("sign-in of %s: %d %s", username, p.code, p.body)
	}
	if p.location == "/console/password" {
		b.get("/console/password")
		p = b.post("/console/password", url.Values{"current_password": {password}, "new_password": {newPassword}, "new_password_again": {newPassword}})
		if p.code != http.StatusSeeOther {
			b.t.Fatalf("password change of %s: %d %s", username, p.code, p.body)
		}
	}
	b.get(p.location)
}

// person creates an account and signs in with it, password changed.
func (e *env) person(t testing.TB, username string, role estampv1.Role, subject string) *browser {
	t.Helper()
	b := e.browser(t)
	b.signIn(username, e.newAccount(t, username, role, subject), "mật khẩu mới của "+username)
	return b
}

func regexpFind(t testing.TB, s, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %s in %s", pattern, s)
	}
	return m[1]
}

// chrome starts headless Chromium at phone size (390 × 844), with extra
// flags (e.g. a fake camera), and returns its context, which ends with
// the test or after two minutes. It tries again when the browser dies at
// its start: Debian's Chromium here segfaults in a few starts out of a
// hundred, before it has opened a page.
func chrome(t *testing.T, flags ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("runs a browser")
	}
	ctx := browsertest.Start(t, browsertest.Options(t, append([]chromedp.ExecAllocatorOption{chromedp.Flag("lang", "vi-VN")}, flags...)...))
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// screenshot saves the page as docs/<name>.png when ESTAMP_SCREENSHOTS
// names the docs directory (make screenshots), so that the README shows
// what the tests saw; it always takes it, so that a page that cannot be
// drawn fails the test.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	// Quality 100 is a PNG of the whole page, however long.
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("ESTAMP_SCREENSHOTS"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
