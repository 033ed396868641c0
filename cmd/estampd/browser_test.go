package main

import (
	"context"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/browsertest"
)

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestPhoneOpensStampPage drives headless Chromium, at phone size, to the
// URL in a real stamp served by a real estampd. With ESTAMP_SCREENSHOTS=DIR
// it also saves the screenshots the README shows.
func TestPhoneOpensStampPage(t *testing.T) {
	if testing.Short() {
		t.Skip("runs estampd and a browser")
	}
	httpAddr := freePort(t)
	d := startDaemon(t, buildDaemon(t), filepath.Join(t.TempDir(), "data"),
		"--http-addr", httpAddr, "--base-url", "http://"+httpAddr)
	_, stamps := d.issue(t, &estampv1.IssueStampsRequest{
		ProductId: "CHE-LAM-PHU-QUANG", Lot: "CL-2026-11", ProductionDate: "2026-01-10", ExpiryDate: "2026-12-31", Quantity: 3, RequestId: "browser",
	})
	code, typed := stamps[0].Code, stamps[1].Code
	c := code[100:101]
	tampered := code[:100] + map[bool]string{true: "B", false: "A"}[c == "A"] + code[101:]

	ctx := browsertest.Start(t, browsertest.Options(t))
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTimeout()

	// Ask for Vietnamese, as a phone in Vietnam does; the page's default.
	err := chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, t, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": "vi-VN,vi;q=0.9"}})
			return err
		}),
		chromedp.EmulateViewport(390, 844),
	)
	if err != nil {
		t.Fatal(err)
	}
	shots := os.Getenv("ESTAMP_SCREENSHOTS")
	visit := func(url, verdict string, shot string) string {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(".verdict."+verdict))); err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		if err != nil {
			t.Fatal(err)
		}
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if shots != "" && shot != "" {
			if err := os.WriteFile(filepath.Join(shots, shot), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return text
	}

	// links are where every link and form of the page leads, as the
	// browser resolves them.
	links := func() []string {
		t.Helper()
		hrefs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("a[href], form[action], link[href]")).map(e => e.href || e.action)`))
		if err != nil {
			t.Fatal(err)
		}
		return hrefs
	}
	onThisSite := func(page string) {
		t.Helper()
		hrefs := links()
		if len(hrefs) < 3 {
			t.Fatalf("%s: only %d links", page, len(hrefs))
		}
		for _, h := range hrefs {
			u, err := url.Parse(h)
			if err != nil || u.Host != httpAddr || u.Scheme != "http" {
				t.Errorf("%s: a link leads to %s, off this site", page, h)
			}
		}
	}

	// The URL exactly as the QR code holds it, upper case and all.
	text := visit(code, "ok", "screenshot-genuine.png")
	onThisSite("genuine page")
	for _, want := range []string{"Sản phẩm chính hãng", "Chè lam Phủ Quảng", "4 sao", "Thanh Hóa", "Hộ kinh doanh Chè lam Phủ Quảng"} {
		if !strings.Contains(text, want) {
			t.Errorf("genuine page lacks %q:\n%s", want, text)
		}
	}
	text = visit(tampered, "bad", "screenshot-not-genuine.png")
	if !strings.Contains(text, "Không phải tem chính hãng") || strings.Contains(text, "Chè lam Phủ Quảng") {
		t.Errorf("tampered page:\n%s", text)
	}
	onThisSite("tampered page")

	// A genuine token under a path that is not the service's, including
	// paths that start with two slashes once the browser or server has
	// decoded them: the page says the address is not ours, and none of its
	// links lead to the host named in the path.
	token := code[strings.LastIndex(code, "/")+1:]
	for _, path := range []string{"//evil.example/V/" + token, "/%2F%2Fevil.example/V/" + token, "/%2Fevil.example/V/" + token + "?lang=en", "/X/V/" + token} {
		text = visit("http://"+httpAddr+path, "bad", "")
		if !strings.Contains(text, "Không nhận ra mã") && !strings.Contains(text, "Code not recognised") {
			t.Errorf("%s:\n%s", path, text)
		}
		onThisSite(path)
	}

	// A retailer types the code into the form on the home page.
	err = chromedp.Do(ctx,
		chromedp.Navigate("http://"+httpAddr+"/"),
		chromedp.WaitVisible(chromedp.ID("code")),
		chromedp.SendKeys(chromedp.ID("code"), typed),
		chromedp.Click(chromedp.CSS("form.check button")),
		chromedp.WaitVisible(chromedp.CSS(".verdict.ok")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if text, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body"))); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "Sản phẩm chính hãng") || !strings.Contains(text, "CL-2026-11") {
		t.Errorf("form result:\n%s", text)
	}
}
