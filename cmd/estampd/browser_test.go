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
	"github.com/ocopvn/estamp/internal/demo"
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

// Scripts the browser test runs in the page, to read what a person sees.
const (
	// styledValid are the elements classed or coloured as valid: the
	// genuine verdict's class or green text, background or border.
	styledValid = `Array.from(document.querySelectorAll("*")).filter(e => {
		if (e.matches(".ok, .status-ok")) return true;
		const s = getComputedStyle(e);
		return [s.color, s.backgroundColor, s.borderTopColor, s.borderLeftColor].some(c => {
			const m = c.match(/rgba?\((\d+), (\d+), (\d+)(?:, ([\d.]+))?\)/);
			if (!m || m[4] === "0") return false;
			const [r, g, b] = [+m[1], +m[2], +m[3]];
			return g > r + 40 && g > b + 20;
		});
	}).map(e => e.tagName + "." + e.className)`
	// starColours are the computed colours of the drawn stars.
	starColours = `Array.from(document.querySelectorAll(".stars span")).map(e => getComputedStyle(e).color)`
)

// TestPhoneOpensStampPage drives headless Chromium, at phone size, to the
// URLs in real stamps served by a real estampd, one in each state a buyer
// may meet. With ESTAMP_SCREENSHOTS=DIR it also saves the screenshots the
// README shows.
func TestPhoneOpensStampPage(t *testing.T) {
	if testing.Short() {
		t.Skip("runs estampd and a browser")
	}
	httpAddr := freePort(t)
	// --demo: the demo registry, and the placeholder contact for fakes.
	d := startDaemon(t, buildDaemon(t), filepath.Join(t.TempDir(), "data"),
		"--http-addr", httpAddr, "--base-url", "http://"+httpAddr)
	bg := context.Background()
	_, stamps := d.issue(t, &estampv1.IssueStampsRequest{
		ProductId: "NEM-CHUA-TH-5S", Lot: "NC-2026-11", ProductionDate: "2026-11-20", ExpiryDate: "2026-12-20", Quantity: 4, RequestId: "browser",
	})
	genuine, many, stolen, typed := stamps[0], stamps[1], stamps[2], stamps[3]
	// A shop received the genuine stamp: its page names the shop.
	if _, err := d.Custody.ReceiveDelivery(bg, &estampv1.ReceiveDeliveryRequest{RetailerId: demo.Retailers[0].Id, Codes: []string{genuine.Code}}); err != nil {
		t.Fatal(err)
	}
	// A token holder's every check counts: six make a suspected copy.
	for range 6 {
		if _, err := d.Verification.Verify(bg, &estampv1.VerifyRequest{Code: many.Code}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.Issuance.RevokeStamps(bg, &estampv1.RevokeStampsRequest{Target: &estampv1.RevokeStampsRequest_Stamps{Stamps: &estampv1.SerialSet{Serials: []uint64{stolen.Serial}}},
		Reason: "Tem bị mất cắp tại kho", Actor: "browser test"}); err != nil {
		t.Fatal(err)
	}
	lot, recalled := d.issue(t, &estampv1.IssueStampsRequest{
		ProductId: "CHIEU-COI-NGA-SON", Lot: "CC-2026-10", ProductionDate: "2026-10-01", Quantity: 1, RequestId: "browser-lot",
	})
	if _, err := d.Issuance.RevokeStamps(bg, &estampv1.RevokeStampsRequest{Target: &estampv1.RevokeStampsRequest_BatchId{BatchId: lot.Id},
		Reason: "Lỗi bao bì: chiếu bị mốc", Actor: "browser test"}); err != nil {
		t.Fatal(err)
	}
	_, uncertified := d.issue(t, &estampv1.IssueStampsRequest{
		ProductId: "TUI-COI-NGA-SON", Lot: "TC-2026-09", ProductionDate: "2026-09-01", Quantity: 1, RequestId: "browser-cert",
	})
	if _, err := d.Registry.UpdateCertification(bg, &estampv1.UpdateCertificationRequest{ProductId: "TUI-COI-NGA-SON",
		Change: &estampv1.UpdateCertificationRequest_Revocation{Revocation: &estampv1.Revocation{Reason: "Không đạt khi tái đánh giá"}}}); err != nil {
		t.Fatal(err)
	}
	code := genuine.Code
	c := code[100:101]
	tampered := code[:100] + map[bool]string{true: "B", false: "A"}[c == "A"] + code[101:]

	ctx := browsertest.Start(t, browsertest.Options(t))
	ctx, cancelTimeout := context.WithTimeout(ctx, 120*time.Second)
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
	shoot := func(shot string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if shots != "" && shot != "" {
			if err := os.WriteFile(filepath.Join(shots, shot), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	bodyText := func() string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	eval := func(script string) []string {
		t.Helper()
		out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](script))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	// A person reads every label whole and can hit every link with a
	// thumb.
	layout := func(page string) {
		t.Helper()
		if w := eval(browsertest.WrappedLabels); len(w) > 0 {
			t.Errorf("%s: labels wrap at 390 px: %q", page, w)
		}
		if s := eval(browsertest.SmallTargets); len(s) > 0 {
			t.Errorf("%s: tap targets under 44 px: %q", page, s)
		}
	}
	visit := func(url, verdict string, shot string) string {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(".verdict."+verdict))); err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		shoot(shot)
		layout(shot)
		return bodyText()
	}

	// links are where every link and form of the page leads, as the
	// browser resolves them.
	links := func() []string {
		t.Helper()
		return eval(`Array.from(document.querySelectorAll("a[href], form[action], link[href]")).map(e => e.href || e.action)`)
	}
	onThisSite := func(page string) {
		t.Helper()
		hrefs := links()
		if len(hrefs) < 3 {
			t.Fatalf("%s: only %d links", page, len(hrefs))
		}
		for _, h := range hrefs {
			u, err := url.Parse(h)
			if err == nil && u.Scheme == "tel" {
				continue // the producer's phone
			}
			if err != nil || u.Host != httpAddr || u.Scheme != "http" {
				t.Errorf("%s: a link leads to %s, off this site", page, h)
			}
		}
	}
	scans := func(serial uint64) uint64 {
		t.Helper()
		h, err := d.Custody.GetStampHistory(bg, &estampv1.GetStampHistoryRequest{Serial: serial})
		if err != nil {
			t.Fatal(err)
		}
		return h.ScanCount
	}
	contains := func(page, text string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s lacks %q:\n%s", page, w, text)
			}
		}
	}

	// The URL exactly as the QR code holds it, upper case and all.
	text := visit(code, "ok", "screenshot-genuine.png")
	onThisSite("genuine page")
	contains("genuine page", text, "Sản phẩm chính hãng", "Đây là lần quét đầu tiên của tem này.", "Nem chua Thanh Hóa", "5 sao", "Hợp tác xã Nem chua Thanh Hóa",
		"0237 385 1234", demo.Retailers[0].Name, "Phường Hạc Thành, Thanh Hóa", "Nghi hàng giả?", demo.ReportContact)
	if tel := eval(`Array.from(document.querySelectorAll("a.tel")).map(e => e.href)`); len(tel) != 1 || tel[0] != "tel:+842373851234" {
		t.Errorf("the producer's phone is not a link that dials: %q", tel)
	}
	// A reload and a switch of language and back are the same person
	// looking at the same stamp: one scan.
	err = chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(".verdict.ok")),
		chromedp.Click(chromedp.CSS("a.lang")), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] .verdict.ok`)))
	if err != nil {
		t.Fatal(err)
	}
	contains("English page", bodyText(), "Genuine product", "Hợp tác xã Nem chua Thanh Hóa")
	layout("English page")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("a.lang")), chromedp.WaitVisible(chromedp.CSS(`html[lang="vi"] .verdict.ok`))); err != nil {
		t.Fatal(err)
	}
	if n := scans(genuine.Serial); n != 1 {
		t.Errorf("a view, a reload and a language switch and back made %d scans, want 1", n)
	}

	text = visit(many.Code, "warn", "screenshot-many-scans.png")
	contains("many-scans page", text, "Tem có thể đã bị sao chép", "Tem đã được quét 7 lần kể từ ngày", "Hãy hỏi người bán")

	// Withdrawn stamps, a recalled lot and a revoked certificate: nothing
	// on their pages is styled as valid, and the stars are grey.
	for _, tt := range []struct {
		name, code, shot string
		want             []string
	}{
		{"stamp revoked", stolen.Code, "screenshot-revoked.png", []string{"Tem đã bị thu hồi", "Riêng tem này đã bị hủy.", "Tem bị mất cắp tại kho", "Từ lúc", "Chỉ để tham khảo"}},
		{"lot recalled", recalled[0].Code, "screenshot-batch-recalled.png", []string{"Lô hàng đã bị thu hồi", "rút khỏi thị trường", "Lỗi bao bì: chiếu bị mốc", "Từ lúc", "mang trả lại nơi bán"}},
		{"certificate revoked", uncertified[0].Code, "screenshot-certificate-revoked.png", []string{"Chứng nhận OCOP đã bị thu hồi", "Không đạt khi tái đánh giá", "Đã thu hồi"}},
	} {
		text = visit(tt.code, "bad", tt.shot)
		contains(tt.name, text, tt.want...)
		if valid := eval(styledValid); len(valid) > 0 {
			t.Errorf("%s: styled as valid: %q", tt.name, valid)
		}
		stars := eval(starColours)
		if len(stars) != 1 || stars[0] != "rgb(107, 114, 128)" {
			t.Errorf("%s: stars coloured %q, want grey", tt.name, stars)
		}
	}
	// The genuine page does use green, or the check above proves nothing.
	visit(code, "ok", "")
	if valid := eval(styledValid); len(valid) == 0 {
		t.Error("the genuine page has nothing styled as valid")
	}

	text = visit(tampered, "bad", "screenshot-not-genuine.png")
	if !strings.Contains(text, "Không phải tem chính hãng") || !strings.Contains(text, "Mã trên tem đã bị sửa hoặc là mã giả.") || strings.Contains(text, "Nem chua Thanh Hóa") {
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

	// An address that is not a page gets the site's own page, with a way
	// home.
	if err := chromedp.Do(ctx, chromedp.Navigate("http://"+httpAddr+"/khong-co"), chromedp.WaitVisible(chromedp.CSS("a.button"))); err != nil {
		t.Fatal(err)
	}
	contains("404 page", bodyText(), "Không tìm thấy trang", "Về trang kiểm tra tem")
	layout("404 page")

	// A retailer types the code into the form on the home page.
	err = chromedp.Do(ctx,
		chromedp.Navigate("http://"+httpAddr+"/"),
		chromedp.WaitVisible(chromedp.ID("code")),
	)
	if err != nil {
		t.Fatal(err)
	}
	shoot("screenshot-form.png")
	layout("form")
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("code"), typed.Code),
		chromedp.Click(chromedp.CSS("form.check button")),
		chromedp.WaitVisible(chromedp.CSS(".verdict.ok")),
	)
	if err != nil {
		t.Fatal(err)
	}
	contains("form result", bodyText(), "Sản phẩm chính hãng", "NC-2026-11")
}
