// Package camtest proves the console's camera scanning (../assets/scan.js)
// in a real Chromium whose camera is a video of QR labels made by
// internal/fakecam. It holds tests only, so that it stays clear of the
// console package's own files.
package camtest

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"image"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/skip2/go-qrcode"

	"github.com/ocopvn/estamp/internal/browsertest"
	"github.com/ocopvn/estamp/internal/fakecam"
)

// csp is the shop console's policy: scan.js must work under it unchanged.
const csp = "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; style-src 'self'"

const csrfToken = "csrf-test-token"

// The codes on the three labels in front of the fake camera, and the
// product lot the lookup endpoint tells for each: two labels of one lot.
var labels = []struct{ code, lot string }{
	{"HTTPS://EXAMPLE.TEST/V/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "Trà Shan tuyết · Lô L-01"},
	{"HTTPS://EXAMPLE.TEST/V/BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", "Trà Shan tuyết · Lô L-01"},
	{"HTTPS://EXAMPLE.TEST/V/CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC", "Mật ong bạc hà · Lô L-02"},
}

// barcodeDetectorShim is a BarcodeDetector with the platform API's shape,
// reading with the page's jsQR, for a browser that has none.
const barcodeDetectorShim = `
window.shimDetections = 0;
window.BarcodeDetector = class BarcodeDetector {
  static async getSupportedFormats() { return ['qr_code']; }
  constructor(options) {
    if (!options || !options.formats.includes('qr_code')) throw new TypeError('formats');
  }
  async detect(source) {
    window.shimDetections++;
    const img = source.getContext('2d').getImageData(0, 0, source.width, source.height);
    const found = window.jsQR(img.data, img.width, img.height);
    return found ? [{ format: 'qr_code', rawValue: found.data }] : [];
  }
};`

// submitProbe notes, as the form is sent, whether the camera is off: in
// sessionStorage, which outlives the page. A listener on the document runs
// after scan.js's on the form, as the event bubbles up. (Looking from the
// test instead races the navigation, which chromedp waits out.)
const submitProbe = `
document.addEventListener('submit', () => {
  const form = document.querySelector('form[data-scan]');
  sessionStorage.setItem('afterSubmit', JSON.stringify({
    state: form.dataset.scanState,
    stream: form.querySelector('video').srcObject !== null,
    tracks: (window.cameraTracks || []).map((t) => t.readyState),
  }));
});`

// writeCamera writes the fake camera's video: each label for 1.5 s, then
// white for 0.5 s while the clerk moves to the next; Chromium loops it.
func writeCamera(t *testing.T) string {
	t.Helper()
	const w, h, fps = 640, 480, 10
	blank := fakecam.Blank(w, h)
	var frames []image.Image
	for _, l := range labels {
		q, err := qrcode.New(l.code, qrcode.Medium)
		if err != nil {
			t.Fatal(err)
		}
		// One pixel a module; Fit scales it up by a whole factor.
		label := fakecam.Fit(q.Image(-1), w, h)
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

// intakePage is a minimal intake page that follows scan.js's HTML contract, in
// Vietnamese, as the console renders it by default.
var intakePage = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="{{.CSRF}}">
<title>Nhận hàng</title>
<link rel="stylesheet" href="/test.css">
<script src="/assets/vendor/jsqr/jsQR.js" defer></script>
<script src="/assets/scan.js" defer></script>
</head>
<body>
<form method="post" action="/intake" data-scan
      data-lookup="{{.Lookup}}" data-decoder="{{.Decoder}}"
      data-text-stop="Tắt camera"
      data-text-starting="Đang mở camera…"
      data-text-ready="Hướng camera vào tem"
      data-text-added="Đã có {n} mã"
      data-text-duplicate="Mã này đã có"
      data-text-denied="Không mở được camera"
      data-text-unsupported="Trình duyệt không đọc được mã QR"
      data-text-stopped="Đã tắt camera"
      data-text-unknown="Chưa rõ lô"
      data-text-count="{label}: {n}">
<textarea name="codes" rows="6"></textarea>
<button type="button" data-scan-open hidden>Mở camera</button>
<video data-scan-video hidden></video>
<p data-scan-status role="status" aria-live="polite"></p>
<ul data-scan-counts></ul>
<button type="submit">Nhận hàng</button>
</form>
</body>
</html>
`))

// shop is the test's web server: the page, the two scripts read from
// ../assets, the lookup endpoint and the form's target.
type shop struct {
	mu        sync.Mutex
	submitted []string // the codes field of each intake POST
}

func (s *shop) handler(t *testing.T) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServer(http.Dir(filepath.Join("..", "assets")))))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		err := intakePage.Execute(w, map[string]string{
			"CSRF":    csrfToken,
			"Lookup":  r.URL.Query().Get("lookup"),
			"Decoder": r.URL.Query().Get("decoder"),
		})
		if err != nil {
			t.Error(err)
		}
	})
	mux.HandleFunc("POST /lookup", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-CSRF-Token") != csrfToken {
			http.Error(w, "bad CSRF token", http.StatusForbidden)
			return
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 4096))
		for _, l := range labels {
			if string(body) == l.code {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"label": %q}`, l.lot)
				return
			}
		}
		http.NotFound(w, r)
	})
	mux.HandleFunc("POST /intake", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.submitted = append(s.submitted, r.FormValue("codes"))
		s.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<!doctype html><title>ok</title><p id=done>ok</p>")
	})
	// The console's own CSS will size the viewfinder; without it the video
	// grows to 640x480 when its first frame comes and moves the submit
	// button from under a click.
	mux.HandleFunc("GET /test.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		io.WriteString(w, "video { display: block; width: 100%; aspect-ratio: 4 / 3; } video[hidden] { display: none; }\n")
	})
	// Chromium asks for it on its own; a 404 would be logged as an error.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		mux.ServeHTTP(w, r)
	})
}

// console collects everything the tab writes to its console: calls of the
// console API, uncaught exceptions, and the browser's own log, where
// Chromium reports CSP violations.
type console struct {
	mu       sync.Mutex
	messages []chromedp.ConsoleMessage
}

func (c *console) collect(ctx context.Context) {
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

// problems are the messages that fail the test: errors, exceptions, and
// anything at all about the Content Security Policy.
func (c *console) problems() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, m := range c.messages {
		if m.Type == chromedp.ConsoleError || m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
			out = append(out, fmt.Sprintf("%s (%s %s:%d)", m, m.Source, m.URL, m.Line))
		}
	}
	return out
}

func (c *console) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, m := range c.messages {
		out = append(out, m.String())
	}
	return out
}

// waitFor evaluates expr until it is true. chromedp.Poll would compile
// its predicate with new Function, which the page's CSP forbids and
// reports; Runtime.evaluate from the test is not the page's code.
func waitFor(ctx context.Context, expr string, timeout time.Duration) error {
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
			return fmt.Errorf("%s: still false after %v", expr, timeout)
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

// TestCameraScansLabels points Chromium's fake camera at three QR labels
// and expects scan.js to put each code once into the form, under the
// console's CSP, with BarcodeDetector where Chromium has it and with
// jsQR always.
func TestCameraScansLabels(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a browser")
	}
	camera := writeCamera(t)
	s := &shop{}
	srv := httptest.NewServer(s.handler(t))
	defer srv.Close()

	browserCtx := browsertest.Start(t, browsertest.Options(t,
		// A camera without a camera, and a yes to the permission prompt.
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-video-capture", camera),
	))

	for _, tt := range []struct {
		name, decoder, lookup string
		shim                  bool   // stand in a BarcodeDetector
		want                  string // the decoder scan.js must use; "" for either
		counts                []string
	}{
		// Whatever Chromium offers, with the lot lookup.
		{name: "auto", lookup: "/lookup", counts: []string{labels[0].lot + ": 2", labels[2].lot + ": 1"}},
		// jsQR forced, so it is tested where BarcodeDetector exists too;
		// no lookup, so every code counts under the page's unknown label.
		{name: "jsqr", decoder: "jsqr", want: "jsqr", counts: []string{"Chưa rõ lô: 3"}},
		// Chromium on Linux has no BarcodeDetector, so scan.js's use of
		// one (detect on the canvas, rawValue) would go untested without
		// a stand-in.
		{name: "barcode-detector", lookup: "/lookup", shim: true, want: "barcode-detector", counts: []string{labels[0].lot + ": 2", labels[2].lot + ": 1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tab, cancelTab := chromedp.NewContext(browserCtx)
			defer cancelTab()
			var con console
			con.collect(tab)
			ctx, cancel := context.WithTimeout(tab, 90*time.Second)
			defer cancel()
			// Added by DevTools, so the page's CSP does not apply to them.
			probes := []string{submitProbe}
			if tt.shim {
				probes = append(probes, barcodeDetectorShim)
			}
			for _, src := range probes {
				err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
					_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src})
					return err
				}))
				if err != nil {
					t.Fatal(err)
				}
			}

			url := srv.URL + "/?decoder=" + tt.decoder + "&lookup=" + tt.lookup
			// The button is hidden until scan.js shows it: visible means the
			// script ran under the CSP.
			if err := chromedp.Do(ctx,
				chromedp.Navigate(url),
				chromedp.WaitVisible(chromedp.CSS("[data-scan-open]")),
				chromedp.Click(chromedp.CSS("[data-scan-open]")),
			); err != nil {
				t.Fatal(err)
			}

			const textarea = `document.querySelector('textarea[name="codes"]')`
			var want []string
			for _, l := range labels {
				want = append(want, l.code)
			}
			slices.Sort(want)
			got := func() []string {
				t.Helper()
				return strings.Fields(evaluate[string](t, ctx, textarea+".value"))
			}
			all := fmt.Sprintf(`((have) => %s.every((c) => have.includes(c)))(%s.value.split('\n'))`, jsArray(want), textarea)
			if err := waitFor(ctx, all, 30*time.Second); err != nil {
				t.Fatalf("not every label was read: %v\ntextarea: %q\nstatus: %q\nform: %v\nconsole: %q",
					err, got(), evaluate[string](t, ctx, `document.querySelector('[data-scan-status]').textContent`),
					evaluate[map[string]string](t, ctx, `({...document.querySelector('form').dataset})`), con.all())
			}
			lines := got()
			if sorted := slices.Sorted(slices.Values(lines)); !slices.Equal(sorted, want) {
				t.Errorf("textarea holds %q, want each of the 3 codes once", lines)
			}
			decoder := evaluate[string](t, ctx, `document.querySelector('form').dataset.scanDecoder`)
			hasDetector := evaluate[bool](t, ctx, `'BarcodeDetector' in window`)
			t.Logf("decoder %q (BarcodeDetector in window: %v)", decoder, hasDetector)
			if tt.want != "" && decoder != tt.want {
				t.Errorf("scan.js used %q, want %q", decoder, tt.want)
			}
			if decoder != "jsqr" && decoder != "barcode-detector" {
				t.Errorf("data-scan-decoder is %q", decoder)
			}
			if tt.shim && evaluate[int](t, ctx, "window.shimDetections") == 0 {
				t.Error("the stand-in BarcodeDetector was never asked")
			}
			// The status speaks the page's words: the count, or, once the
			// looping video shows a label again, that it is already there.
			status := evaluate[string](t, ctx, `document.querySelector('[data-scan-status]').textContent`)
			if status != "Đã có 3 mã" && status != "Mã này đã có" {
				t.Errorf("status %q", status)
			}
			// Lookups answer after the codes are in: wait for the counts.
			counts := `Array.from(document.querySelectorAll('[data-scan-counts] li'), (li) => li.textContent)`
			if err := waitFor(ctx, fmt.Sprintf(`JSON.stringify(%s) === JSON.stringify(%s)`, counts, jsArray(tt.counts)), 10*time.Second); err != nil {
				t.Errorf("counts %q, want %q", evaluate[[]string](t, ctx, counts), tt.counts)
			}

			// The button stops the camera and lets it go.
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("[data-scan-open]"))); err != nil {
				t.Fatal(err)
			}
			state := evaluate[map[string]any](t, ctx, `(() => {
				const v = document.querySelector('video'), f = document.querySelector('form');
				return {state: f.dataset.scanState, hidden: v.hidden, stream: v.srcObject !== null,
					button: document.querySelector('[data-scan-open]').textContent,
					status: document.querySelector('[data-scan-status]').textContent};
			})()`)
			if want := map[string]any{"state": "off", "hidden": true, "stream": false, "button": "Mở camera", "status": "Đã tắt camera"}; fmt.Sprint(state) != fmt.Sprint(want) {
				t.Errorf("after stop: %v, want %v", state, want)
			}

			if p := con.problems(); len(p) > 0 {
				t.Errorf("console problems:\n%s", strings.Join(p, "\n"))
			}
			// Sending the form stops the camera: open it again and submit;
			// submitProbe tells what the page was like just after. The form
			// posts its codes as a plain form does.
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("[data-scan-open]"))); err != nil {
				t.Fatal(err)
			}
			if err := waitFor(ctx, `document.querySelector('form').dataset.scanState === 'on'`, 10*time.Second); err != nil {
				t.Fatal(err)
			}
			evaluate[int](t, ctx, `(window.cameraTracks = document.querySelector('video').srcObject.getTracks()).length`)
			if err := chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
				chromedp.WaitVisible(chromedp.ID("done")),
			); err != nil {
				t.Fatal(err)
			}
			if got, want := evaluate[string](t, ctx, `sessionStorage.getItem('afterSubmit')`), `{"state":"off","stream":false,"tracks":["ended"]}`; got != want {
				t.Errorf("just after submit: %s, want %s", got, want)
			}
			s.mu.Lock()
			posted := s.submitted[len(s.submitted)-1]
			s.mu.Unlock()
			if sorted := slices.Sorted(slices.Values(strings.Fields(posted))); !slices.Equal(sorted, want) {
				t.Errorf("the form posted %q", posted)
			}

			// The check above would pass on a blind listener too: break the
			// CSP on purpose and see it reported.
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.body.setAttribute('style', 'color: red'), true`)); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for len(con.problems()) == 0 && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			if len(con.problems()) == 0 {
				t.Error("an inline style broke the CSP and the console listener did not see it")
			}
		})
	}
}

// jsArray writes strings as a JavaScript array literal; JSON is one.
func jsArray(ss []string) string {
	b, err := json.Marshal(ss)
	if err != nil {
		panic(err)
	}
	return string(b)
}
