package console_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/client"
	"github.com/ocopvn/estamp/internal/fakecam"
	"github.com/ocopvn/estamp/internal/labels"
)

// TestShopBrowser is a shop's clerk taking in a delivery with the phone's
// camera, in a real Chromium whose camera films three printed labels: the
// clerk signs in for the first time, opens the camera on the intake page,
// sees the three codes come in and the count per lot, sends the form, and
// finds the one label that another shop had received marked a suspected
// copy, with that shop's name. Nothing on the way may break the pages'
// Content-Security-Policy or log an error.
func TestShopBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a browser")
	}
	e := start(t, false)
	ctx := context.Background()
	// Two labels of one lot of chè lam, one of chiếu cói; shop B took in
	// the second chè lam stamp before, through its own system.
	che, cheStamps := e.issue(t, productA, "CHE-2611", 2)
	chieu, chieuStamps := e.issue(t, productB, "CHIEU-2611", 1)
	stamps := []*estampv1.Stamp{cheStamps[0], cheStamps[1], chieuStamps[0]}
	copied := cheStamps[1]
	e.receive(t, shopB, "", copied)
	other, err := e.admin.Registry.GetRetailer(ctx, &estampv1.GetRetailerRequest{Id: shopB})
	if err != nil {
		t.Fatal(err)
	}

	camera := writeLabelFilm(t, e, []*estampv1.Batch{che, che, chieu}, stamps)
	password := e.newAccount(t, "cua.hang.a", estampv1.Role_ROLE_RETAILER, shopA)
	tab := chrome(t,
		// A camera without a camera, and a yes to the permission prompt.
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-video-capture", camera),
	)
	var con consoleLog
	con.collect(tab)

	// The first sign-in, with the one-time password, leads to setting
	// one's own, then to the intake page.
	const mine = "chè lam ngon nhất Thanh Hóa"
	steps := []struct {
		name string
		do   []chromedp.Action[chromedp.Void]
	}{
		{"sign-in page", []chromedp.Action[chromedp.Void]{chromedp.Navigate(e.web.URL + "/console/"), chromedp.WaitVisible(chromedp.ID("username"))}},
		{"sign in", []chromedp.Action[chromedp.Void]{
			chromedp.SendKeys(chromedp.ID("username"), "cua.hang.a"),
			chromedp.SendKeys(chromedp.ID("password"), password),
			chromedp.Click(chromedp.CSS(`main button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.ID("current_password")),
		}},
		{"change the password", []chromedp.Action[chromedp.Void]{
			chromedp.SendKeys(chromedp.ID("current_password"), password),
			chromedp.SendKeys(chromedp.ID("new_password"), mine),
			chromedp.SendKeys(chromedp.ID("new_password_again"), mine),
			// The page's own button: the header's signs out.
			chromedp.Click(chromedp.CSS(`main button[type="submit"]`)),
			// Hidden until scan.js shows it: visible means the script
			// ran under the page's CSP.
			chromedp.WaitVisible(chromedp.CSS("[data-scan-open]")),
		}},
		{"open the camera", []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS("[data-scan-open]"))}},
	}
	for _, st := range steps {
		sctx, cancel := context.WithTimeout(tab, 20*time.Second)
		err := chromedp.Do(sctx, st.do...)
		cancel()
		if err != nil {
			t.Fatalf("%s: %v\nat %s\nconsole: %q", st.name, err, evaluate[string](t, tab, "location.href"), con.all())
		}
	}

	const textarea = `document.querySelector('textarea[name="codes"]')`
	var want []string
	for _, s := range stamps {
		want = append(want, s.Code)
	}
	all := fmt.Sprintf(`((have) => %s.every((c) => have.includes(c)))(%s.value.split('\n'))`, jsonOf(t, want), textarea)
	if err := waitTrue(tab, all, 40*time.Second); err != nil {
		t.Fatalf("the camera did not read every label: %v\ntextarea: %q\nstatus: %q\nconsole: %q", err,
			evaluate[string](t, tab, textarea+".value"), evaluate[string](t, tab, `document.querySelector('[data-scan-status]').textContent`), con.all())
	}
	got := strings.Fields(evaluate[string](t, tab, textarea+".value"))
	if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
		t.Errorf("the textarea holds %q, want each of the 3 codes once", got)
	}
	// The counts come with the lookups, after the codes.
	counts := `Array.from(document.querySelectorAll('[data-scan-counts] li'), (li) => li.textContent)`
	wantCounts := []string{"Chè lam Phủ Quảng · Lô CHE-2611: 2 mã", "Chiếu cói Nga Sơn · Lô CHIEU-2611: 1 mã"}
	same := fmt.Sprintf(`((have, want) => have.length === want.length && want.every((w) => have.includes(w)))(%s, %s)`, counts, jsonOf(t, wantCounts))
	if err := waitTrue(tab, same, 15*time.Second); err != nil {
		t.Errorf("counts %q, want %q", evaluate[[]string](t, tab, counts), wantCounts)
	}
	if state := evaluate[string](t, tab, `document.querySelector('form[data-scan]').dataset.scanState`); state != "on" {
		t.Errorf("camera state %q before the screenshot, want on", state)
	}
	screenshot(t, tab, "console-shop")

	if err := chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(`form[data-scan] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.verdicts`)),
	); err != nil {
		t.Fatalf("sending the form: %v\nconsole: %q", err, con.all())
	}
	type row struct{ Verdict, Text string }
	rows := evaluate[[]row](t, tab, `Array.from(document.querySelectorAll('tr[data-verdict]'), (tr) => ({Verdict: tr.dataset.verdict, Text: tr.innerText}))`)
	var copies []row
	for _, r := range rows {
		if r.Verdict == estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY.String() {
			copies = append(copies, r)
		} else if r.Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED.String() {
			t.Errorf("row %q: want ACCEPTED", r)
		}
	}
	if len(rows) != 3 || len(copies) != 1 {
		t.Fatalf("rows %q: want 3, one of them SUSPECTED_COPY", rows)
	}
	if rows[0] != copies[0] {
		t.Errorf("the suspected copy is not the first row: %q", rows)
	}
	for _, s := range []string{fmt.Sprint(copied.Serial), "Đã được " + other.Retailer.Name + " nhận ngày 28/11/2026."} {
		if !strings.Contains(copies[0].Text, s) {
			t.Errorf("the suspected copy's row %q does not say %q", copies[0].Text, s)
		}
	}
	screenshot(t, tab, "console-shop-result")

	// The delivery as kept, from the result's link and from the list.
	if err := chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(`main a[href^="/console/shop/deliveries/"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.verdicts`)),
	); err != nil {
		t.Fatalf("the delivery's page: %v", err)
	}
	kept := evaluate[[]string](t, tab, `Array.from(document.querySelectorAll('tr[data-verdict]'), (tr) => tr.dataset.verdict)`)
	if want := []string{estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY.String()}; !slices.Equal(kept, want) {
		t.Errorf("the delivery's page shows %q, want %q", kept, want)
	}
	screenshot(t, tab, "console-shop-delivery")
	if err := chromedp.Do(tab,
		chromedp.Navigate(e.web.URL+"/console/shop/deliveries"),
		chromedp.WaitVisible(chromedp.CSS(`a.row-link`)),
	); err != nil {
		t.Fatalf("the list of deliveries: %v", err)
	}
	screenshot(t, tab, "console-shop-deliveries")

	if p := con.problems(); len(p) > 0 {
		t.Errorf("console errors or CSP violations:\n%s", strings.Join(p, "\n"))
	}
}

// writeLabelFilm renders the stamps' labels as the office prints them
// (LabelService's PNGs) and films them for the fake camera: each label
// for 1.5 s, then white for 0.5 s while the clerk takes the next item.
// Chromium plays the film in a loop.
func writeLabelFilm(t *testing.T, e *env, batches []*estampv1.Batch, stamps []*estampv1.Stamp) string {
	t.Helper()
	const w, h, fps = 640, 480, 10
	pngs := map[uint64]map[string][]byte{}
	blank := fakecam.Blank(w, h)
	var frames []image.Image
	for i, s := range stamps {
		b := batches[i]
		if pngs[b.Id] == nil {
			pngs[b.Id] = renderPNGs(t, e, b.Id)
		}
		data, ok := pngs[b.Id][labels.ImageName(s.Serial, labels.FormatPNG)]
		if !ok {
			t.Fatalf("no label of serial %d in batch %d's labels", s.Serial, b.Id)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		label := fakecam.Fit(img, w, h)
		frames = append(frames, label, label, label, blank)
	}
	path := filepath.Join(t.TempDir(), "labels.y4m")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := fakecam.WriteY4M(f, frames, fps, fps/2); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// renderPNGs has the office render a batch's labels as PNGs, 400 px a
// side, and returns the archive's files by name.
func renderPNGs(t *testing.T, e *env, batch uint64) map[string][]byte {
	t.Helper()
	stream, err := e.admin.Labels.RenderLabels(context.Background(), &estampv1.RenderLabelsRequest{
		BatchId: batch, Format: estampv1.LabelFormat_LABEL_FORMAT_PNG_ZIP, ImageSizePx: 400,
	})
	if err != nil {
		t.Fatal(err)
	}
	var archive bytes.Buffer
	if err := client.Receive(stream, func(m *estampv1.RenderLabelsResponse) error {
		archive.Write(m.Chunk)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(archive.Bytes()), int64(archive.Len()))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], err = io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return files
}

// consoleLog collects what the tab writes to its console: calls of the
// console API, uncaught exceptions, and the browser's own log, where
// Chromium reports CSP violations.
type consoleLog struct {
	mu       sync.Mutex
	messages []chromedp.ConsoleMessage
}

func (c *consoleLog) collect(ctx context.Context) {
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			c.mu.Lock()
			c.messages = append(c.messages, m)
			c.mu.Unlock()
		}
	}()
}

// problems are the messages that fail a test: errors, exceptions, and
// anything at all about the Content Security Policy. Chromium asks for
// /favicon.ico on its own, which estampd does not serve: that 404 is the
// browser's, not a page's.
func (c *consoleLog) problems() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, m := range c.messages {
		if m.Source == "network" && strings.HasSuffix(m.URL, "/favicon.ico") {
			continue
		}
		if m.Type == chromedp.ConsoleError || m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
			out = append(out, fmt.Sprintf("%s (%s %s:%d)", m, m.Source, m.URL, m.Line))
		}
	}
	return out
}

func (c *consoleLog) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, m := range c.messages {
		out = append(out, m.String())
	}
	return out
}

// waitTrue evaluates expr until it is true. chromedp.Poll would compile
// its predicate with new Function, which the page's CSP forbids and
// reports; Runtime.evaluate from the test is not the page's code.
func waitTrue(ctx context.Context, expr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New(expr + ": still false after " + timeout.String())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func evaluate[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// jsonOf writes v as a JavaScript literal; JSON is one.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
