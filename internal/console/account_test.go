package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
)

func TestFirstSignInChangesThePassword(t *testing.T) {
	e := start(t, false)
	once := e.newAccount(t, "lan.nguyen", estampv1.Role_ROLE_PRODUCER, producerA)
	b := e.browser(t)

	// Not signed in: every console page leads to the sign-in page, which
	// brings the person back.
	if p := b.get("/console/producer"); p.code != http.StatusSeeOther || p.location != "/console/signin?next=%2Fconsole%2Fproducer" {
		t.Fatalf("signed out: %d %q", p.code, p.location)
	}
	if p := b.post("/console/signin", url.Values{"username": {"lan.nguyen"}, "password": {"sai mật khẩu rồi"}}); p.code != http.StatusUnauthorized || !strings.Contains(p.body, "Sai tên đăng nhập hoặc mật khẩu.") {
		t.Fatalf("wrong password: %d %s", p.code, p.body)
	}
	p := b.post("/console/signin", url.Values{"username": {"lan.nguyen"}, "password": {once}, "next": {"/console/producer"}})
	if p.code != http.StatusSeeOther || p.location != "/console/password" {
		t.Fatalf("first sign-in: %d %q", p.code, p.location)
	}
	// Nothing else until the password is changed.
	if p := b.get("/console/producer"); p.location != "/console/password" {
		t.Fatalf("before the change: %d %q", p.code, p.location)
	}
	if p := b.get("/console/password"); !strings.Contains(p.body, "lần đăng nhập đầu tiên") {
		t.Fatalf("password page: %s", p.body)
	}
	for _, c := range []struct {
		name             string
		current, n1, n2  string
		field, substring string
	}{
		{"short", once, "ngắn", "ngắn", "new_password", "Ít nhất 10 ký tự"},
		{"differ", once, "mật khẩu mới một", "mật khẩu mới hai", "new_password_again", "không giống nhau"},
		{"wrong current", "không phải nó", "mật khẩu mới một", "mật khẩu mới một", "current_password", "không đúng"},
		{"unchanged", once, once, once, "new_password", "Ít nhất 10 ký tự"},
	} {
		p := b.post("/console/password", url.Values{"current_password": {c.current}, "new_password": {c.n1}, "new_password_again": {c.n2}})
		if p.code != http.StatusBadRequest || !strings.Contains(p.body, `id="`+c.field+`-error"`) || !strings.Contains(p.body, c.substring) {
			t.Errorf("%s: %d, want the error next to %s saying %q:\n%s", c.name, p.code, c.field, c.substring, p.body)
		}
	}
	old := b.http.Jar.Cookies(mustURL(t, e.web.URL))
	p = b.post("/console/password", url.Values{"current_password": {once}, "new_password": {"chè lam Phủ Quảng ngon"}, "new_password_again": {"chè lam Phủ Quảng ngon"}})
	if p.code != http.StatusSeeOther || p.location != "/console/producer" {
		t.Fatalf("change: %d %q %s", p.code, p.location, p.body)
	}
	if p := b.get("/console/producer"); p.code != http.StatusOK || !strings.Contains(p.body, "Người thử lan.nguyen") {
		t.Fatalf("home: %d %s", p.code, p.body)
	}
	// The session of before the change ended with it.
	stale := e.browser(t)
	stale.http.Jar.SetCookies(mustURL(t, e.web.URL), old)
	if p := stale.get("/console/producer"); p.code != http.StatusSeeOther || !strings.HasPrefix(p.location, "/console/signin") {
		t.Fatalf("session from before the change: %d %q", p.code, p.location)
	}
	// The one-time password no longer works; the new one does.
	if p := e.browser(t).post("/console/signin", url.Values{"username": {"lan.nguyen"}, "password": {once}}); p.code != http.StatusUnauthorized {
		t.Fatalf("one-time password after the change: %d", p.code)
	}
	again := e.browser(t)
	if p := again.post("/console/signin", url.Values{"username": {"lan.nguyen"}, "password": {"chè lam Phủ Quảng ngon"}}); p.code != http.StatusSeeOther || p.location != "/console/producer" {
		t.Fatalf("sign-in with the new password: %d %q", p.code, p.location)
	}
	// Signing out ends the session on the server, not only in the browser.
	again.get("/console/producer")
	cookies := again.http.Jar.Cookies(mustURL(t, e.web.URL))
	if p := again.post("/console/signout", nil); p.code != http.StatusSeeOther || p.location != "/console/signin?done=signedout" {
		t.Fatalf("sign-out: %d %q", p.code, p.location)
	}
	replay := e.browser(t)
	replay.http.Jar.SetCookies(mustURL(t, e.web.URL), cookies)
	if p := replay.get("/console/producer"); p.code != http.StatusSeeOther {
		t.Fatalf("session after sign-out: %d", p.code)
	}
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestSessionsExpire(t *testing.T) {
	e := start(t, false)
	b := e.person(t, "idle", estampv1.Role_ROLE_RETAILER, shopA)
	ok := func(what string, want bool) {
		t.Helper()
		p := b.get("/console/shop")
		if got := p.code == http.StatusOK; got != want {
			t.Fatalf("%s: %d %q, signed in %v, want %v", what, p.code, p.location, got, want)
		}
	}
	ok("at once", true)
	e.clock.Advance(29 * time.Minute)
	ok("29 minutes idle", true)
	e.clock.Advance(30*time.Minute + time.Second)
	ok("30 minutes idle", false)

	// Busy all day: signed out after 12 hours however active.
	b = e.browser(t)
	b.signIn("idle", "mật khẩu mới của idle", "")
	for range 11 * 4 {
		e.clock.Advance(15 * time.Minute)
		ok("busy", true)
	}
	e.clock.Advance(time.Hour)
	ok("12 hours after sign-in", false)
}

func TestFormsNeedTheirSessionsToken(t *testing.T) {
	e := start(t, false)
	office := e.person(t, "van.phong", estampv1.Role_ROLE_ADMIN, "")
	other := e.person(t, "van.phong.2", estampv1.Role_ROLE_ADMIN, "")
	office.get("/console/office/accounts")
	create := func(b *browser, form url.Values, header func(*http.Request)) page {
		req, _ := http.NewRequest(http.MethodPost, e.web.URL+"/console/office/accounts", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		header(req)
		return b.do(req)
	}
	form := func(csrf string) url.Values {
		return url.Values{"csrf": {csrf}, "username": {"csrf.thu"}, "display_name": {"Thử"}, "role": {"retailer"}, "retailer_id": {shopA}}
	}
	sameSite := func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "same-origin") }
	for _, c := range []struct {
		name   string
		csrf   string
		header func(*http.Request)
	}{
		{"no token", "", sameSite},
		{"another session's token", other.csrf, sameSite},
		{"a made-up token", strings.Repeat("A", 43), sameSite},
		// The right token, from a page of another site: the browser says
		// so, and the request is refused before the token is read.
		{"cross-site", office.csrf, func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") }},
		{"other origin", office.csrf, func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") }},
	} {
		if p := create(office, form(c.csrf), c.header); p.code != http.StatusForbidden {
			t.Errorf("%s: %d %q, want 403", c.name, p.code, p.location)
		}
	}
	if _, err := e.admin.Admin.ResetAccountPassword(context.Background(), &estampv1.ResetAccountPasswordRequest{Username: "csrf.thu"}); err == nil {
		t.Fatal("a refused form created the account")
	}
	if p := create(office, form(office.csrf), sameSite); p.code != http.StatusOK || !strings.Contains(p.body, `data-testid="one-time-password"`) {
		t.Fatalf("with its token: %d %s", p.code, p.body)
	}
}

func TestSignInIsLimitedAndAudited(t *testing.T) {
	e := start(t, false)
	e.newAccount(t, "cua.hang", estampv1.Role_ROLE_RETAILER, shopA)
	b := e.browser(t)
	for i := range 5 {
		if p := b.post("/console/signin", url.Values{"username": {"cua.hang"}, "password": {"đoán thử lần nữa"}}); p.code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, p.code)
		}
	}
	p := b.post("/console/signin", url.Values{"username": {"cua.hang"}, "password": {"đoán thử lần nữa"}})
	if p.code != http.StatusTooManyRequests || !strings.Contains(p.body, "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 3 phút.") || p.header.Get("Retry-After") == "" {
		t.Fatalf("sixth attempt: %d %s", p.code, p.body)
	}
	// Per address too: another account from the same address.
	for i := range 15 {
		b.post("/console/signin", url.Values{"username": {"khong.co." + string(rune('a'+i))}, "password": {"x"}})
	}
	if p := b.post("/console/signin", url.Values{"username": {"nguoi.khac"}, "password": {"x"}}); p.code != http.StatusTooManyRequests {
		t.Fatalf("21st attempt from one address: %d", p.code)
	}
	entries, err := e.admin.Admin.ListAuditEntries(context.Background(), &estampv1.ListAuditEntriesRequest{PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	fails := 0
	for _, en := range entries.Entries {
		if en.Action == string(audit.AccountSignInFail) {
			fails++
			if strings.Contains(en.Detail, "đoán") || strings.Contains(en.Target, "đoán") {
				t.Errorf("audit entry holds the password: %v", en)
			}
		}
	}
	if fails != 22 {
		t.Errorf("%d refused sign-ins audited, want 22 (20 failures, 2 refusals)", fails)
	}
}

func TestOfficeEndsSessions(t *testing.T) {
	e := start(t, false)
	office := e.person(t, "van.phong", estampv1.Role_ROLE_ADMIN, "")
	shop := e.person(t, "cua.hang", estampv1.Role_ROLE_RETAILER, shopA)
	signedIn := func() bool { return shop.get("/console/shop").code == http.StatusOK }
	if !signedIn() {
		t.Fatal("not signed in")
	}
	office.get("/console/office/accounts")
	p := office.post("/console/office/accounts/cua.hang/reset", nil)
	if p.code != http.StatusOK || !strings.Contains(p.body, `data-testid="one-time-password"`) {
		t.Fatalf("reset: %d %s", p.code, p.body)
	}
	if signedIn() {
		t.Fatal("signed in after a reset")
	}
	once := regexpFind(t, p.body, `data-testid="one-time-password">([^<]+)<`)
	shop.signIn("cua.hang", once, "mật khẩu thứ hai rồi")
	if !signedIn() {
		t.Fatal("not signed in with the reset password")
	}
	// Disabling asks for a confirmation that names the consequence.
	if p := office.post("/console/office/accounts/cua.hang/disable", nil); p.code != http.StatusBadRequest {
		t.Fatalf("disable without confirming: %d", p.code)
	}
	if !signedIn() {
		t.Fatal("an unconfirmed disable signed the shop out")
	}
	if p := office.post("/console/office/accounts/cua.hang/disable", url.Values{"confirm": {"yes"}}); p.code != http.StatusSeeOther {
		t.Fatalf("disable: %d %s", p.code, p.body)
	}
	if signedIn() {
		t.Fatal("signed in after the account was disabled")
	}
	if p := e.browser(t).post("/console/signin", url.Values{"username": {"cua.hang"}, "password": {"mật khẩu thứ hai rồi"}}); p.code != http.StatusUnauthorized {
		t.Fatalf("sign-in of a disabled account: %d", p.code)
	}
	// Who did it is in the audit log, by account name.
	entries, err := e.admin.Admin.ListAuditEntries(context.Background(), &estampv1.ListAuditEntriesRequest{PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, en := range entries.Entries {
		if en.Action == string(audit.AccountDisable) && en.Target == "cua.hang" {
			found = en.Actor == "admin/@van.phong"
			if !found {
				t.Errorf("disable audited as %q", en.Actor)
			}
		}
	}
	if !found {
		t.Error("the disable is not in the audit log")
	}
}

func TestSessionCookie(t *testing.T) {
	for _, tls := range []bool{false, true} {
		e := start(t, tls)
		b := e.browser(t)
		once := e.newAccount(t, "cookie", estampv1.Role_ROLE_ADMIN, "")
		p := b.post("/console/signin", url.Values{"username": {"cookie"}, "password": {once}})
		set := p.header.Get("Set-Cookie")
		want := []string{"estamp-session=", "Path=/", "HttpOnly", "SameSite=Strict"}
		if tls {
			want = append(want, "Secure")
			want[0] = "__Host-estamp-session="
		}
		for _, w := range want {
			if !strings.Contains(set, w) {
				t.Errorf("tls %v: Set-Cookie %q lacks %q", tls, set, w)
			}
		}
		if !tls && strings.Contains(set, "Secure") {
			t.Errorf("Secure over plain HTTP: %q", set)
		}
		if strings.Contains(set, "Domain") || strings.Contains(set, "Max-Age") || strings.Contains(set, "Expires") {
			t.Errorf("tls %v: %q", tls, set)
		}
	}
}
