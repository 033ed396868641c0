// Package browsertest starts headless Chromium for the tests that drive
// estamp's pages as a person's phone does: the stamp page, the console
// and the camera at intake. It is imported by tests only.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

// Scripts a test runs in the page to read what a person sees; each gives
// a list of strings, empty when all is well.
const (
	// WrappedLabels are the field labels laid out on more than one line.
	WrappedLabels = `Array.from(document.querySelectorAll("dt")).filter(e => e.getBoundingClientRect().height > 1.5 * parseFloat(getComputedStyle(e).lineHeight)).map(e => e.textContent)`
	// SmallTargets are links and buttons smaller than 44 × 44 px.
	SmallTargets = `Array.from(document.querySelectorAll("a[href], button")).filter(e => { const r = e.getBoundingClientRect(); return r.height < 44 || r.width < 44 }).map(e => e.outerHTML)`
	// Overflowing are the elements that reach past the viewport's right
	// edge, which a phone would scroll sideways for.
	Overflowing = `Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5).map(e => e.tagName + "." + e.className)`
)

// Path finds a headless-capable browser. CI installs Debian's chromium
// (.ci/run), so there a missing browser fails the test; elsewhere the
// test skips.
func Path(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed; .ci/run should have installed it")
	}
	t.Skip("chromium not installed (Debian: chromium)")
	return ""
}

// Options are the flags every test starts Chromium with — headless (the
// defaults), no sandbox, nothing fetched from elsewhere — at a phone's
// width, 390 × 844, plus extra.
func Options(t testing.TB, extra ...chromedp.ExecAllocatorOption) []chromedp.ExecAllocatorOption {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Path(t)),
		chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(390, 844),
	)
	return append(opts, extra...)
}

// Start starts Chromium with opts and returns its context, which ends
// with the test. It tries again when the browser dies at its start:
// Debian's Chromium segfaults in a few starts out of a hundred, camera
// flags or none, before it has opened a page.
func Start(t testing.TB, opts []chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	var err error
	for range 3 {
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancel := chromedp.NewContext(allocCtx)
		// Without a deadline: a timeout on the first Run would stop the
		// whole browser.
		if err = chromedp.Do(ctx); err == nil {
			t.Cleanup(cancelAlloc)
			t.Cleanup(cancel)
			return ctx
		}
		cancel()
		cancelAlloc()
		t.Logf("starting the browser: %v", err)
	}
	t.Fatalf("the browser did not start in 3 tries: %v", err)
	return nil
}
