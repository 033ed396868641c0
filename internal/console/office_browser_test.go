package console_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// TestOfficeBrowser is the office's day in a real browser at phone size,
// without JavaScript of its own: the first sign-in and its password
// change, a producer, a product with its photo, an account for the
// producer, and the overview of a busy fortnight. The producer then signs in, in a browser of
// their own, with the one-time password the page showed, and is asked to
// choose a password first. Screenshots: docs/console-office.png (the
// overview) and docs/console-office-product.png (the product).
func TestOfficeBrowser(t *testing.T) {
	e := start(t, false)
	busyFortnight(t, e)
	once := e.newAccount(t, "van.phong", estampv1.Role_ROLE_ADMIN, "")
	photo := filepath.Join(t.TempDir(), "che-lam-phu-quang.png")
	if err := os.WriteFile(photo, picture(t, "png", 240, 160), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := chrome(t)
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	// set types into a field, found by name; selects and date inputs
	// take their value as a form sends it.
	set := func(name, value string) chromedp.Action[chromedp.Void] {
		return chromedp.SetValue(css(`[name="`+name+`"]`), value)
	}
	submit := func(form string) chromedp.Action[chromedp.Void] {
		return chromedp.Click(css(`form[action="` + form + `"] button[type=submit]`))
	}
	h1 := func(want string) {
		t.Helper()
		got, err := chromedp.Run(ctx, chromedp.Text(css("h1")))
		if err != nil || got != want {
			t.Fatalf("heading %q (%v), want %q", got, err, want)
		}
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	do("first sign-in",
		chromedp.Navigate(e.web.URL+"/console/"),
		set("username", "van.phong"), set("password", once), submit("/console/signin"),
		chromedp.WaitVisible(css(`[name="new_password"]`)),
		set("current_password", once), set("new_password", "Văn phòng OCOP Thanh Hóa"), set("new_password_again", "Văn phòng OCOP Thanh Hóa"),
		submit("/console/password"),
		chromedp.WaitVisible(css(`a[aria-current="page"][href="/console/office"]`)),
	)

	do("a producer",
		chromedp.Navigate(e.web.URL+"/console/office/producers"),
		chromedp.Click(css("details.create > summary")),
		set("producer.id", "HTX-CHE-LAM-PHU-QUANG"), set("producer.name", "Hợp tác xã Chè lam Phủ Quảng"), set("producer.kind", "1"),
		set("producer.phone", "0237 384 5678"), set("producer.address.province", "Thanh Hóa"), set("producer.address.commune", "Xã Vĩnh Lộc"),
		set("producer.address.street", "Thôn Phủ Quảng"), set("producer.address.legacy_district", "Huyện Vĩnh Lộc"),
		submit("/console/office/producers"),
		chromedp.WaitVisible(css(`form[action="/console/office/accounts"]`)),
	)
	h1("Hợp tác xã Chè lam Phủ Quảng")

	do("a product with its photo",
		chromedp.Navigate(e.web.URL+"/console/office/products?producer=HTX-CHE-LAM-PHU-QUANG"),
		set("product.id", "CHE-LAM-GUNG"), set("product.name", "Chè lam gừng Phủ Quảng"), set("product.group", "1"), set("product.star_grade", "4"),
		set("product.certificate.decision_number", "2791/QĐ-UBND"), set("product.certificate.decision_date", "2025-08-20"),
		set("product.description", "Chè lam làm từ gạo nếp cái hoa vàng, mạch nha, gừng tươi và lạc rang.\n\nGói trong lá chuối khô, dùng ngon nhất trong ba tháng."),
		chromedp.SetUploadFiles(css(`[name="photo"]`), []string{photo}),
		submit("/console/office/products"),
		chromedp.WaitVisible(css("img.photo")),
	)
	h1("Chè lam gừng Phủ Quảng")
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const i = document.querySelector("img.photo"); return i.complete && i.naturalWidth === 240; })()`))
	if err != nil || !loaded {
		t.Errorf("the photo did not load in the page: %v", err)
	}
	screenshot(t, ctx, "console-office-product")

	do("an account for the producer",
		chromedp.Navigate(e.web.URL+"/console/office/producers/HTX-CHE-LAM-PHU-QUANG"),
		set("username", "che.lam"), set("display_name", "Chị Nguyễn Thị Hoa"),
		submit("/console/office/accounts"),
		chromedp.WaitVisible(css(`[data-testid="one-time-password"]`)),
	)
	password, err := chromedp.Run(ctx, chromedp.Text(css(`[data-testid="one-time-password"]`)))
	if err != nil || strings.TrimSpace(password) == "" {
		t.Fatalf("one-time password: %q %v", password, err)
	}

	do("the overview", chromedp.Navigate(e.web.URL+"/console/office"), chromedp.WaitVisible(css("figure.chart svg")))
	h1("Tổng quan")
	// The charts are drawn at the page's width, not squeezed or spilling.
	width, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector("figure.chart svg").getBoundingClientRect().width`))
	if err != nil || width < 300 || width > 390 {
		t.Errorf("the chart is %v px wide (%v)", width, err)
	}
	screenshot(t, ctx, "console-office")

	// The producer, in a browser of their own.
	producer, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	err = chromedp.Do(producer,
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(e.web.URL+"/console/"),
		set("username", "che.lam"), set("password", strings.TrimSpace(password)), submit("/console/signin"),
		chromedp.WaitVisible(css(`[name="new_password"]`)),
	)
	if err != nil {
		t.Fatalf("the producer's first sign-in: %v", err)
	}
	if where, err := chromedp.Run(producer, chromedp.Location()); err != nil || !strings.HasSuffix(where, "/console/password") {
		t.Errorf("the producer is at %s (%v), want the password page", where, err)
	}
	if first, err := chromedp.Run(producer, chromedp.Text(css("p.intro"))); err != nil || !strings.Contains(first, "lần đăng nhập đầu tiên") {
		t.Errorf("the password page does not say it is the first sign-in: %q %v", first, err)
	}
}
