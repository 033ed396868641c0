package console_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// pdfTools finds pdftoppm and zbarimg, which turn a PDF back into the
// codes a phone reads. CI installs them (.ci/run): there, missing is a
// failure.
func pdfTools(t *testing.T) (pdftoppm, zbarimg string) {
	t.Helper()
	var paths []string
	for _, name := range []string{"pdftoppm", "zbarimg"} {
		p, err := exec.LookPath(name)
		if err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed; .ci/run should have installed it", name)
			}
			t.Skipf("%s not installed (Debian: poppler-utils, zbar-tools)", name)
		}
		paths = append(paths, p)
	}
	return paths[0], paths[1]
}

// scanPDF rasterises a PDF at 300 dpi, as a printer prints it, and
// returns every QR code in it, sorted.
func scanPDF(t *testing.T, pdf []byte) []string {
	t.Helper()
	pdftoppm, zbarimg := pdfTools(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "tem.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(pdftoppm, "-r", "300", "-png", path, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	pages, err := filepath.Glob(filepath.Join(dir, "page*.png"))
	if err != nil || len(pages) == 0 {
		t.Fatalf("pdftoppm drew no pages: %v", err)
	}
	out, err := exec.Command(zbarimg, append([]string{"--raw", "-q"}, pages...)...).Output()
	if err != nil {
		t.Fatalf("zbarimg: %v", err)
	}
	codes := strings.Fields(string(out))
	slices.Sort(codes)
	return codes
}

// TestProducerBrowser is a producer's first day in a real browser at
// phone size: the office creates the account through the API; the
// producer signs in with the one-time password, sets their own, issues a
// batch of 12 through the form, makes its labels' PDF and downloads it;
// the PDF, printed at 300 dpi, scans back as the batch's codes; a buyer's
// scan of one of them shows on the producer's scans page for today.
func TestProducerBrowser(t *testing.T) {
	pdfTools(t)
	e := start(t, false)
	const producer, product = "HTX-BANH-GAI-TU-TRU", "RUOU-NEP-TU-TRU"
	once := e.newAccount(t, "hoa.tutru", estampv1.Role_ROLE_PRODUCER, producer)
	history(t, e, product)
	ctx := chrome(t)
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	location := func() string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimPrefix(s, e.web.URL)
	}

	// Sign in with the one-time password; the console asks for a new one.
	run("sign in",
		chromedp.Navigate(e.web.URL+"/console/"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "hoa.tutru"),
		chromedp.SendKeys(chromedp.ID("password"), once),
		chromedp.Click(chromedp.CSS("form button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("new_password_again")),
	)
	const mine = "rượu nếp cái Tứ Trụ thơm lừng"
	run("change password",
		chromedp.SendKeys(chromedp.ID("current_password"), once),
		chromedp.SendKeys(chromedp.ID("new_password"), mine),
		chromedp.SendKeys(chromedp.ID("new_password_again"), mine),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".cards")),
	)
	if got := location(); got != "/console/producer" {
		t.Fatalf("after the password: at %s", got)
	}
	if h1 := text("h1"); h1 != "Hợp tác xã Bánh gai Tứ Trụ" {
		t.Errorf("home: h1 %q", h1)
	}

	// Issue 12 stamps through the form; production date is today's.
	run("issue",
		chromedp.Click(chromedp.CSS(`main a[href="/console/producer/batches/new"]`)),
		chromedp.WaitVisible(chromedp.ID("quantity")),
		chromedp.SetValue(chromedp.ID("product_id"), product),
		chromedp.SendKeys(chromedp.ID("lot"), "RN-2026-11"),
		chromedp.SendKeys(chromedp.ID("quantity"), "12"),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("figure.preview img")),
	)
	m := regexp.MustCompile(`^/console/producer/batches/(\d+)\?done=issued$`).FindStringSubmatch(location())
	if m == nil {
		t.Fatalf("after issuing: at %s", location())
	}
	batch, _ := strconv.ParseUint(m[1], 10, 64)
	if notice := text("p.notice"); !strings.Contains(notice, "Đã phát hành lô tem") {
		t.Errorf("notice %q", notice)
	}
	// The preview is drawn before the page is photographed.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const i = document.querySelector("figure.preview img"); return i.complete && i.naturalWidth > 0 })()`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("the label preview did not load: %v", err)
	}
	screenshot(t, ctx, "console-producer-batch")

	// The PDF: the job's page reloads itself until the file is there.
	run("labels job",
		chromedp.Click(chromedp.CSS(`form[action$="/labels"] button`)),
		chromedp.WaitVisible(chromedp.CSS("a[download]")),
	)
	if p := text("main"); !strings.Contains(p, "Đã dựng 12 / 12 nhãn") {
		t.Errorf("job page: %q", p)
	}
	href, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("a[download]"), "href"))
	if err != nil || !href.Exists {
		t.Fatalf("download link: %v", err)
	}
	// Fetch it as the browser would, with its cookies.
	cookies, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{e.web.URL}})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodGet, e.web.URL+href.Value, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cookies.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Disposition") != `attachment; filename="tem-`+m[1]+`.pdf"` {
		t.Fatalf("download: %d %v %v", resp.StatusCode, resp.Header, err)
	}
	got := scanPDF(t, pdf)
	want := e.codesOf(t, batch)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("the PDF scans as %d codes, want the batch's %d:\n%v\n%v", len(got), len(want), got, want)
	}

	// A buyer scans one label: the stamp page, in the same browser.
	run("scan", chromedp.Navigate(got[5]), chromedp.WaitVisible(chromedp.CSS(".verdict")))
	if v, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(".verdict"), "class")); err != nil || !strings.Contains(v.Value, "ok") {
		t.Errorf("the scanned stamp: %v %v", v, err)
	}

	// The scan is today's: in the chart's last bar and the table's first
	// row.
	run("scans", chromedp.Navigate(e.web.URL+"/console/producer/scans"), chromedp.WaitVisible(chromedp.CSS("figure.chart svg")))
	today, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[
		document.querySelector("figure.chart svg g.day:last-of-type title").textContent,
		Array.from(document.querySelectorAll("table.compact tbody tr:first-child td")).map(td => td.textContent).join("|"),
		document.querySelector("figure.chart svg").getAttribute("role")]`))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"28/11/2026: 1 lượt quét, 1 tem quét lần đầu", "28/11/2026|1|1", "img"}; !slices.Equal(today, want) {
		t.Errorf("today on the scans page: %q, want %q", today, want)
	}
	screenshot(t, ctx, "console-producer-scans")

	run("home", chromedp.Navigate(e.web.URL+"/console/producer"), chromedp.WaitVisible(chromedp.CSS(".cards")))
	if p := text("main"); !strings.Contains(p, "512") || !strings.Contains(p, "Hết hiệu lực sau ngày 22/12/2022") {
		t.Errorf("home after issuing: %q", p)
	}
	screenshot(t, ctx, "console-producer")
}

// history gives the producer three weeks behind it: a batch issued 20
// days ago, scanned by buyers every day since (some stamps more than
// once, one of them too often), and delivered to two shops, one of which
// received a stamp the other had. Today has no scans yet.
func history(t *testing.T, e *env, product string) {
	t.Helper()
	ctx := context.Background()
	now := e.clock.Now()
	e.clock.Advance(-20 * 24 * time.Hour)
	defer func() { e.clock.Advance(now.Sub(e.clock.Now())) }()
	issued, err := e.admin.Issuance.IssueStamps(ctx, &estampv1.IssueStampsRequest{
		ProductId: product, Lot: "RN-2026-10", ProductionDate: "2026-10-15", Quantity: 500, RequestId: "earlier",
	})
	if err != nil {
		t.Fatal(err)
	}
	codes := e.codesOf(t, issued.Batch.Id)
	deliver := func(shop string, codes []string) {
		t.Helper()
		if _, err := e.admin.Custody.ReceiveDelivery(ctx, &estampv1.ReceiveDeliveryRequest{RetailerId: shop, Codes: codes}); err != nil {
			t.Fatal(err)
		}
	}
	deliver(shopA, codes[:120])
	next := 0
	for day, n := range []int{0, 1, 2, 1, 3, 4, 2, 5, 6, 4, 7, 9, 5, 8, 6, 10, 12, 7, 11, 13} {
		switch day {
		case 12:
			deliver(shopB, append(codes[120:180:180], codes[7]))
		case 15:
			// One stamp scanned far too often: its label was copied.
			for range 8 {
				e.verdict(t, codes[3])
			}
		}
		for range n {
			e.verdict(t, codes[next])
			next++
		}
		// A buyer checks again now and then.
		if next > 0 && day%3 == 0 {
			e.verdict(t, codes[next-1])
		}
		e.clock.Advance(24 * time.Hour)
	}
}
