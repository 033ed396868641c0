package console_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
)

// TestTillBrowser is a clerk at the till with the phone's camera, in a
// real Chromium whose camera films two labels in turn, over and over: one
// another shop sold before, and one new. The camera stays on; each label
// is sold as it comes into view and its outcome shown big: the new one
// sold, and sold again each time it comes back (the page keeps its key),
// never a copy; the other one a label sold before. Nothing may break the
// page's Content-Security-Policy or log an error.
func TestTillBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a browser")
	}
	e := start(t, false)
	ctx := context.Background()
	batch, stamps := e.issue(t, productA, "TILL-2611", 2)
	sold, fresh := stamps[0], stamps[1]
	if _, err := e.admin.Custody.RecordSale(ctx, &estampv1.RecordSaleRequest{RetailerId: shopB, Codes: []string{sold.Code}}); err != nil {
		t.Fatal(err)
	}
	camera := writeLabelFilm(t, e, []*estampv1.Batch{batch, batch}, stamps)
	password := e.newAccount(t, "thu.ngan.a", estampv1.Role_ROLE_RETAILER, shopA)
	tab := chrome(t,
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-video-capture", camera),
	)
	var con consoleLog
	con.collect(tab)
	const mine = "bán hàng ở quầy Hạc Thành"
	steps := []struct {
		name string
		do   []chromedp.Action[chromedp.Void]
	}{
		{"sign in", []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(e.web.URL + "/console/"),
			chromedp.WaitVisible(chromedp.ID("username")),
			chromedp.SendKeys(chromedp.ID("username"), "thu.ngan.a"),
			chromedp.SendKeys(chromedp.ID("password"), password),
			chromedp.Click(chromedp.CSS(`main button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.ID("current_password")),
			chromedp.SendKeys(chromedp.ID("current_password"), password),
			chromedp.SendKeys(chromedp.ID("new_password"), mine),
			chromedp.SendKeys(chromedp.ID("new_password_again"), mine),
			chromedp.Click(chromedp.CSS(`main button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS("[data-scan-open]")),
		}},
		// The till; its camera button shows once scan.js ran under the
		// page's CSP.
		{"the till", []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(e.web.URL + "/console/shop/sale"),
			chromedp.WaitVisible(chromedp.CSS(`form[data-scan-till] [data-scan-open]`)),
		}},
	}
	for _, st := range steps {
		sctx, cancel := context.WithTimeout(tab, 20*time.Second)
		err := chromedp.Do(sctx, st.do...)
		cancel()
		if err != nil {
			t.Fatalf("%s: %v\nat %s\nconsole: %q", st.name, err, evaluate[string](t, tab, "location.href"), con.all())
		}
	}
	// Every outcome shown, as the tab showed it: kind and item.
	const watch = `(() => {
		window.tillSeen = [];
		const o = document.querySelector('[data-scan-outcome]');
		new MutationObserver(() => tillSeen.push(o.dataset.outcome + ' ' + (o.querySelector('.item') || {}).textContent)).observe(o, {attributes: true, childList: true, subtree: true});
		return true;
	})()`
	evaluate[bool](t, tab, watch)
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS("[data-scan-open]"))); err != nil {
		t.Fatal(err)
	}
	item := func(s *estampv1.Stamp) string {
		return "Chè lam Phủ Quảng · Lô TILL-2611 · Số sê-ri " + ocop.ShowSerial(s.Serial)
	}
	wantSold, wantCopy := "INTAKE_VERDICT_SOLD "+item(fresh), "INTAKE_VERDICT_SUSPECTED_COPY "+item(sold)
	// The new label twice, the other label in between: the film looped.
	enough := fmt.Sprintf(`tillSeen.filter((s) => s === %q).length >= 2 && tillSeen.includes(%q)`, wantSold, wantCopy)
	if err := waitTrue(tab, enough, 60*time.Second); err != nil {
		t.Fatalf("the till did not sell both labels: %v\nseen: %q\nstatus: %q\nconsole: %q", err, evaluate[[]string](t, tab, "tillSeen"),
			evaluate[string](t, tab, `document.querySelector('[data-scan-status]').textContent`), con.all())
	}
	for _, s := range evaluate[[]string](t, tab, "tillSeen") {
		if s != wantSold && s != wantCopy {
			t.Errorf("the till showed %q, want only %q and %q", s, wantSold, wantCopy)
		}
	}
	if state := evaluate[string](t, tab, `document.querySelector('form[data-scan]').dataset.scanState`); state != "on" {
		t.Errorf("camera state %q after the sales, want on", state)
	}
	// Shown when the other label is in view: the stronger warning.
	if err := waitTrue(tab, `document.querySelector('[data-scan-outcome]').dataset.outcome === 'INTAKE_VERDICT_SUSPECTED_COPY'`, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	shown := evaluate[string](t, tab, `document.querySelector('[data-scan-outcome]').innerText`)
	for _, w := range []string{"Tem này đã bán trước đây", "Tem này đã bán tại", "Đừng giao món hàng này cho khách"} {
		if !strings.Contains(shown, w) {
			t.Errorf("the outcome %q does not say %q", shown, w)
		}
	}
	screenshot(t, tab, "console-shop-sale")

	v, err := e.admin.Verification.Verify(ctx, &estampv1.VerifyRequest{Code: fresh.Code})
	if err != nil || v.GetSold().GetRetailerName() == "" {
		t.Fatalf("the new label is not sold: %v %v", v.GetSold(), err)
	}
	h, err := e.admin.Custody.GetStampHistory(ctx, &estampv1.GetStampHistoryRequest{Serial: fresh.Serial})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(slices.DeleteFunc(h.Events, func(ev *estampv1.StampEvent) bool { return ev.Kind != estampv1.StampEventKind_STAMP_EVENT_KIND_SOLD })); n != 1 {
		t.Errorf("%d sales in the new label's history, want 1", n)
	}
	if p := con.problems(); len(p) > 0 {
		t.Errorf("console errors or CSP violations:\n%s", strings.Join(p, "\n"))
	}
}
