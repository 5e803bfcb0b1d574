package web_test

// The browser tests drive Debian's chromium (headless) through chromedp
// against the real API served in-process, and check what the pages show.
// Without chromium they skip, unless RYTHME_REQUIRE_BROWSER=1 (then they
// fail). RYTHME_SCREENSHOTS=<dir> keeps the screenshots they take.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// browserZone is the time zone the browser runs in: the calendar must put
// posts on the days of this zone, not the server's or UTC's.
const browserZone = "Europe/Paris"

// One chromium for the whole test binary; each test gets its own tab.
var shared struct {
	once    sync.Once
	ctx     context.Context
	stop    func()
	dataDir string
	err     error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.stop != nil {
		shared.stop()
	}
	if shared.dataDir != "" {
		os.RemoveAll(shared.dataDir)
	}
	os.Exit(code)
}

// chromiumPath finds Debian's chromium, or skips (fails with
// RYTHME_REQUIRE_BROWSER=1).
func chromiumPath(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the browser tests do not run")
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("RYTHME_REQUIRE_BROWSER") == "1" {
		t.Fatal("chromium is not installed (apt-get install chromium) and RYTHME_REQUIRE_BROWSER=1")
	}
	t.Skip("chromium is not installed (apt-get install chromium); set RYTHME_REQUIRE_BROWSER=1 to fail instead")
	return ""
}

func startBrowser(path string) {
	dir, err := os.MkdirTemp("", "rythme-chromium-")
	if err != nil {
		shared.err = err
		return
	}
	shared.dataDir = dir
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // the tests may run as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	shared.ctx = bctx
	shared.stop = func() { cancelBrowser(); cancelAlloc() }
	// The first Run starts the browser; it must not carry a timeout.
	if err := chromedp.Do(bctx); err != nil {
		shared.err = fmt.Errorf("start chromium: %w", err)
		return
	}
	// Downloads (the CSV buttons) are refused: nothing lands in $HOME.
	_, shared.err = chromedp.CallBrowser(bctx, browser.SetDownloadBehavior,
		browser.SetDownloadBehaviorParams{Behavior: browser.SetDownloadBehaviorBehaviorDeny})
}

// tab is one browser tab for one test.
type tab struct {
	t   *testing.T
	ctx context.Context
	mu  sync.Mutex
	// exceptions are the page's uncaught JavaScript exceptions.
	exceptions []string
}

// newTab opens a tab in the browser's zone and en-US locale; at the end of
// the test it fails on any uncaught exception or CSP violation of the page.
// Every tab has a browser context, and so cookies, of its own.
func newTab(t *testing.T) *tab {
	t.Helper()
	path := chromiumPath(t)
	shared.once.Do(func() { startBrowser(path) })
	if shared.err != nil {
		t.Fatalf("browser: %v", shared.err)
	}
	// Each tab in a browser context of its own: cookies are per host, not
	// per port, so tabs sharing one would share (and clear) each other's
	// session cookies on 127.0.0.1.
	ctx, cancel := chromedp.NewContext(shared.ctx, chromedp.WithNewBrowserContext())
	ctx, cancelTimeout := context.WithTimeout(ctx, 6*time.Minute) // a safety net against hangs, not an assertion
	tb := &tab{t: t, ctx: ctx}
	t.Cleanup(func() {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		for _, e := range tb.exceptions {
			t.Errorf("page threw: %s", e)
		}
	})
	t.Cleanup(func() { cancelTimeout(); cancel() })
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*runtime.EventExceptionThrown); ok {
			msg := e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
			tb.mu.Lock()
			tb.exceptions = append(tb.exceptions, msg)
			tb.mu.Unlock()
		}
	}); err != nil {
		t.Fatalf("listen: %v", err)
	}
	tb.call(func(ctx context.Context) error {
		if err := chromedp.Do(ctx); err != nil { // opens the tab and its context
			return err
		}
		// Downloads (the CSV buttons) are refused here too.
		_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorDeny, BrowserContextID: chromedp.FromContext(ctx).BrowserContextID})
		return err
	})
	tb.call(func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: browserZone})
		return err
	})
	tb.call(func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: "en_US"})
		return err
	})
	// Record CSP violations, so that a test fails if the page needs
	// something the policy forbids (inline script or style, another origin).
	tb.call(func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `window.__csp = []; document.addEventListener("securitypolicyviolation",
				(e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));`,
		})
		return err
	})
	t.Cleanup(func() {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__csp || []`))
		if err != nil {
			return // the tab is gone; the test failed already
		}
		for _, s := range v {
			t.Errorf("CSP violation: %s", s)
		}
	})
	return tb
}

func (tb *tab) call(f func(ctx context.Context) error) {
	tb.t.Helper()
	if err := f(tb.ctx); err != nil {
		tb.t.Fatalf("browser: %v", err)
	}
}

// do runs actions in order, failing the test on error.
func (tb *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression and decodes its value.
func eval[T any](tb *tab, js string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		tb.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// waitFor waits until the JavaScript expression is truthy.
func (tb *tab) waitFor(js string) {
	tb.t.Helper()
	_, err := chromedp.Run(tb.ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(time.Minute)))
	if err != nil {
		tb.t.Fatalf("waiting for %s: %v (page shows: %q)", js, err, tb.visibleText())
	}
}

// visibleText is the page's text, for failure messages.
func (tb *tab) visibleText() string {
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 600) : ""`))
	if err != nil {
		return "(unavailable: " + err.Error() + ")"
	}
	return v
}

// click clicks the first element matching the CSS selector.
func (tb *tab) click(sel string) {
	tb.t.Helper()
	tb.do("click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// screenshot saves the page as name.png under RYTHME_SCREENSHOTS (or a
// temporary directory), and checks it is a PNG.
func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	// Whatever the page, no value may show as JavaScript's placeholders.
	text := eval[string](tb, `document.body.innerText`)
	for _, bad := range []string{"undefined", "null", "NaN", "[object", "Infinity"} {
		if strings.Contains(text, bad) {
			tb.t.Errorf("%s: the page shows %q: %s", name, bad, text)
		}
	}
	buf, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	if !strings.HasPrefix(string(buf), "\x89PNG") {
		tb.t.Fatalf("screenshot %s is not a PNG", name)
	}
	dir := os.Getenv("RYTHME_SCREENSHOTS")
	if dir == "" {
		dir = tb.t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.t.Logf("screenshot: %s", p)
}

// signIn opens the page at hash (such as "#/compare?a=…") and signs in
// with token through the form.
func (tb *tab) signIn(base, hash, token string) {
	tb.t.Helper()
	tb.do("open sign-in", chromedp.Navigate(base+"/"+hash), chromedp.WaitVisible(chromedp.CSS("#token")))
	tb.do("sign in", chromedp.SendKeys(chromedp.CSS("#token"), token), chromedp.Click(chromedp.CSS("#signin-form button[type=submit]")))
	tb.waitFor(`!document.querySelector("#app").hidden`)
}
