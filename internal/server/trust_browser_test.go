package server_test

import (
	"context"
	"crypto/ed25519"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ocopvn/estamp/internal/browsertest"
	"github.com/ocopvn/estamp/internal/keys"
	"github.com/ocopvn/estamp/internal/server"
	"github.com/ocopvn/estamp/internal/trust"
	"github.com/ocopvn/estamp/internal/web"
)

// A buyer in province A pastes a stamp of province B into A's form, on a
// phone in headless Chromium: the page names B, says when B's list was
// fetched, links to the stamp's own page at B, the code's URL, and shows
// no scans or shops, which A does not have; everything fits 390 px and
// every link takes a thumb. With ESTAMP_SCREENSHOTS=DIR (make
// screenshots) it saves DIR/stamp-other-province.png for the README.
func TestBrowserShowsAnotherProvincesStamp(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a browser")
	}
	keyA, keyB := testKey(t, "issuer-test-key.pem"), testKey(t, "other-test-key.pem")
	anchor := testAnchors(t)[0]
	// B's codes carry an address nothing here answers at: the browser
	// never follows the link, and A fetches B's revocations from B's test
	// server.
	const bBase = "https://tem.thanhhoa.example"
	b := startAt(t, t.TempDir(), bBase, 0, func(c *server.Config) { c.Ring = keys.NewRing(keyB) })
	b.seedRegistry(t)
	// An earlier lot, so that the serial reads as most serials do.
	b.issueBatch(t, "NEM-CHUA", 1233)
	stamp := b.issue(t, "NEM-CHUA", 1, "req-browser").Stamps[0]
	hb := httptest.NewServer(b.srv.HTTP)
	defer hb.Close()
	path := filepath.Join(t.TempDir(), "trust-list.json")
	if err := os.WriteFile(path, provincesAt(t, 1, keyA, keyB, trust.Active, hb.URL+web.RevocationsPath, bBase), 0o600); err != nil {
		t.Fatal(err)
	}
	a := startAt(t, t.TempDir(), "http://localhost:8080", 0, func(c *server.Config) { c.TrustList, c.TrustAnchors = path, []ed25519.PublicKey{anchor} })
	if err := a.srv.Foreign.Refresh(context.Background()); err != nil {
		t.Fatalf("A fetching B's revocations: %v", err)
	}
	ha := httptest.NewServer(a.srv.HTTP)
	defer ha.Close()

	bctx := browsertest.Start(t, browsertest.Options(t))
	bctx, cancel := context.WithTimeout(bctx, 2*time.Minute)
	defer cancel()
	// As a person does: the code pasted into this province's form.
	err := chromedp.Do(bctx, chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(ha.URL+"/?lang=vi"),
		chromedp.WaitVisible(chromedp.ID("code")),
		chromedp.SendKeys(chromedp.ID("code"), stamp.Code),
		chromedp.Click(chromedp.CSS("form.check button")),
		chromedp.WaitVisible(chromedp.CSS(".verdict.ok")),
	)
	if err != nil {
		t.Fatal(err)
	}
	eval := func(script string) []string {
		t.Helper()
		out, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](script))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	// seen is the text of what as the browser lays it out: what a person
	// reads, hidden elements left out.
	seen := func(what string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(what)))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return s
	}
	check := func(lang string, want ...string) {
		t.Helper()
		main := seen("main")
		for _, w := range want {
			if !strings.Contains(main, w) {
				t.Errorf("%s: the page does not show %q:\n%s", lang, w, main)
			}
		}
		// A has no scans, shops or product of B's stamp.
		for _, absent := range []string{"Số lần quét", "Lần quét", "Cửa hàng đã nhận", "Scans", "Received by", "Lot number", "Số lô"} {
			if strings.Contains(main, absent) {
				t.Errorf("%s: the page shows %q", lang, absent)
			}
		}
		// The link is the code's URL, scheme and host as people write
		// them, and it says it leaves this site.
		code := stamp.Code[strings.LastIndex(stamp.Code, "/V/"):]
		links := eval(`Array.from(document.querySelectorAll("a[rel~=external]")).map(e => [e.href, e.rel, e.textContent].join(" | "))`)
		if len(links) != 1 || !strings.HasPrefix(links[0], bBase+code+" | external noopener | ") || !strings.Contains(links[0], "Tỉnh Thanh Hóa ↗") {
			t.Errorf("%s: links out: %q, want one to %s", lang, links, bBase+code)
		}
		for script, what := range map[string]string{browsertest.SmallTargets: "tap targets under 44 px", browsertest.WrappedLabels: "labels wrap", browsertest.Overflowing: "wider than the screen"} {
			if got := eval(script); len(got) > 0 {
				t.Errorf("%s: %s at 390 px: %q", lang, what, got)
			}
		}
	}
	check("vi", "Tem chính hãng", "Tem do Tỉnh Thanh Hóa cấp.", "tải về lúc 10:00, 28/11/2026", "Số sê-ri\n1 234\n", "Xem lịch sử quét trên trang của Tỉnh Thanh Hóa", "tem.thanhhoa.example")
	png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("ESTAMP_SCREENSHOTS"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "stamp-other-province.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.CSS("a.lang")), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] .verdict.ok`))); err != nil {
		t.Fatal(err)
	}
	check("en", "Genuine stamp", "Issued by Tỉnh Thanh Hóa.", "as fetched on 28 Nov 2026, 10:00 (UTC+7)", "Serial number\n1 234\n", "See the scan history on the page of Tỉnh Thanh Hóa")
}
