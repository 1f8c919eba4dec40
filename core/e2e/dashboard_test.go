package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// chromiumInstall is how to get the browser the dashboard tests drive.
const chromiumInstall = "install Chromium from Debian's packages: `apt-get update && apt-get install -y chromium` (as root), " +
	"or run `make chromium`, which does that when it can; set CXHUB_CHROMIUM to use a browser elsewhere"

// chromiumPath finds the browser, or fails the test saying how to install
// it: the dashboard's tests are never skipped.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CXHUB_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	t.Fatalf("the dashboard's browser tests need Chromium, and none is installed: %s", chromiumInstall)
	return ""
}

// browser is a headless Chromium with a fresh profile; it records every
// console error and uncaught exception of its pages.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu     sync.Mutex
	errors []string
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	// The network here is closed: without these flags Chromium waits on
	// background connections (updates, sync, QUIC probes).
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, base: base}
	// The first action starts the browser; no timeout on it (that would end
	// the browser with it).
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium: %v (%s)", err, chromiumInstall)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				b.mu.Lock()
				b.errors = append(b.errors, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line))
				b.mu.Unlock()
			}
		}
	}()
	return b
}

// do runs steps with a bound, or fails the test.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("browser: evaluate %s: %v", expr, err)
	}
	return v
}

// open navigates to a path of the dashboard and waits for its content.
func (b *browser) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS("main")))
}

// text is the text of the first element matching a CSS selector ("" if none).
func (b *browser) text(sel string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(function(){var e=document.querySelector(%q);return e?e.innerText:""})()`, sel))
}

// count is how many elements match a CSS selector.
func (b *browser) count(sel string) int {
	b.t.Helper()
	return eval[int](b, fmt.Sprintf(`document.querySelectorAll(%q).length`, sel))
}

// waitText waits until the text of sel contains want, without reloading:
// the page's live updates must bring it.
func (b *browser) waitText(sel, want string, d time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(d)
	for {
		got := b.text(sel)
		if strings.Contains(got, want) {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("after %v, %s shows %q, want it to contain %q", d, sel, got, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// signIn signs in with token from the sign-in page.
func (b *browser) signIn(token string) {
	b.t.Helper()
	b.open("/")
	if loc := eval[string](b, "location.pathname"); loc != "/ui/login" {
		b.t.Fatalf("signed out, / shows %s, want the sign-in page", loc)
	}
	b.do("sign in",
		chromedp.SendKeys(chromedp.CSS("#token"), token),
		chromedp.Submit(chromedp.CSS("#token")),
		chromedp.WaitVisible(chromedp.CSS("#pipelines")))
}

// screenshot writes the page to bin/screenshots/<name>.png.
func (b *browser) screenshot(name string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join("..", "..", "bin", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return path
}

// consoleErrors returns what the pages logged as errors so far.
func (b *browser) consoleErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errors...)
}

// dashboardConfig: a HubSpot pipeline, and a file pipeline whose
// destination key (%[3]s) some records lack until the config is fixed.
const dashboardConfig = `version: 1
state: {path: state/cxhub.db}
plugins: {dir: {{plugins}}}
server:
  listen: 127.0.0.1:%[1]d
  tokens:
    - {name: grafana, token: ` + viewerToken + `, role: viewer}
    - {name: ops, token: ` + operatorToken + `, role: operator}
connections:
  crm:
    connector: hubspot
    config: {base_url: "%[2]s", token: sandbox-token, client_secret: sandbox-client-secret,
             webhook_url: "http://127.0.0.1:%[1]d/webhooks/crm"}
  in:
    connector: file
    config: {dir: in, streams: {customers: {key: id}}}
  out:
    connector: file
    config: {dir: out, streams: {contacts: {key: id}, customers: {key: %[3]s}}}
customers: {match: [email]}
pipelines:
  - name: crm-contacts
    from: {connection: crm, stream: contacts}
    to:   {connection: out, stream: contacts}
    map: {id: id, email: properties.email, firstname: properties.firstname}
  - name: customers
    from: {connection: in, stream: customers}
    to:   {connection: out, stream: customers}
    map: {external_id: id, email: contact.email, name: "{{first}} {{last}}"}
`

// checkCustomerPages finds a customer the HubSpot sync indexed (the
// config has a customers section), opens its profile from the search and
// its explain view from the profile: the view lists the HubSpot contact
// the customer is made of.
func checkCustomerPages(b *browser) {
	b.t.Helper()
	b.open("/ui/customers/?q=%40")
	if n := b.count(`#res-h ~ .scroll a[href^="/ui/customers/cx-"]`); n == 0 {
		b.t.Fatalf("the customer search for @ found nothing after the HubSpot sync:\n%s", b.text("main"))
	}
	b.do("open the first customer", chromedp.Click(chromedp.CSS(`#res-h ~ .scroll a[href^="/ui/customers/cx-"]`)),
		chromedp.WaitVisible(chromedp.CSS("#explain")))
	id := strings.Fields(b.text("h1"))[1] // Customer cx-N (1 records)
	if got := b.text("#prof-h ~ .scroll"); !strings.Contains(got, "@") {
		b.t.Errorf("the profile of %s shows no email: %q", id, got)
	}
	b.screenshot("customer")
	b.do("open the explain view", chromedp.Click(chromedp.CSS("#explain")), chromedp.WaitVisible(chromedp.CSS("#records")))
	if got := b.text("h1"); !strings.HasPrefix(got, "Why "+id+" is one customer") {
		b.t.Errorf("the explain view of %s is titled %q", id, got)
	}
	if got := b.text("#records tbody"); !strings.Contains(got, "crm/contacts/") || !strings.Contains(got, "customer") {
		b.t.Errorf("the explain view of %s lists records %q, want its HubSpot contact", id, got)
	}
	b.screenshot("customer-explain")
}

// TestDashboardInBrowser drives the dashboard of a real cxhub serve, with
// the HubSpot sandbox, in headless Chromium: sign in; the overview lists
// the pipelines; Sync now runs one and its real counts arrive live; a
// dead letter is replayed from the UI after a config fix and a SIGHUP, and
// shows as replayed and written; a viewer sees no action and a POST
// forged with a viewer's session is refused; no page logs a console
// error. Screenshots of every page go to bin/screenshots (and the
// overview to docs/dashboard.png with CXHUB_UPDATE_SCREENSHOT=1).
func TestDashboardInBrowser(t *testing.T) {
	_, _, hubURL := startHubSpot(t, testSeed(t), 40)
	port := freePort(t)
	w := newWorkspace(t, fmt.Sprintf(dashboardConfig, port, hubURL, "email"))
	w.write("in/customers.jsonl", strings.Join([]string{
		`{"id":"c1","first":"Ann","last":"Lee","contact":{"email":"ann@example.com"}}`,
		`{"id":"c2","first":"Bob","last":"Ng","contact":{"email":"bob@example.com"}}`,
		`{"id":"c3","first":"Cy","last":"Oz","contact":{}}`,
	}, "\n")+"\n")
	srv, a := serve(t, w, port)
	b := newBrowser(t, a.base)

	// Sign in as an operator: the overview lists both pipelines, never run.
	b.signIn(operatorToken)
	for _, p := range []string{"crm-contacts", "customers"} {
		if got := b.text(fmt.Sprintf(`tr[data-pipeline=%q] [data-status]`, p)); got != "never run" {
			t.Errorf("overview: %s is %q, want never run", p, got)
		}
	}

	// Sync now from the overview: the run's real counts arrive without a reload.
	b.do("click Sync now for crm-contacts", chromedp.Click(chromedp.CSS(`tr[data-pipeline="crm-contacts"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#flash")))
	if got := b.text("#flash"); !strings.Contains(got, "Sync of crm-contacts requested") {
		t.Errorf("after Sync now the flash says %q", got)
	}
	b.waitText(`tr[data-pipeline="crm-contacts"] [data-counts]`, "read 40 · written 40", 30*time.Second)
	b.waitText(`tr[data-pipeline="crm-contacts"] [data-status]`, "succeeded", 10*time.Second)
	if got := len(outputLines(t, w, "contacts")); got != 40 {
		t.Errorf("the sync triggered from the UI wrote %d contacts, want 40", got)
	}
	if n := b.count(`tr[data-pipeline="crm-contacts"] svg.spark`); n != 1 {
		t.Errorf("no throughput sparkline for crm-contacts")
	}
	checkCustomerPages(b)

	// The file pipeline, from its page: c3 has no email, the destination's key.
	b.open("/ui/pipelines/customers")
	b.do("click Sync now on the pipeline page", chromedp.Click(chromedp.CSS("#trigger")), chromedp.WaitVisible(chromedp.CSS("#flash")))
	b.waitText("#runs tbody tr:first-child", "succeeded", 30*time.Second)
	if got := b.text("#runs tbody tr:first-child"); !strings.Contains(got, "3\t0\t2\t1") {
		t.Errorf("the customers run shows %q, want read 3, filtered 0, written 2, dead-lettered 1", got)
	}
	b.screenshot("pipeline")
	b.open("/ui/pipelines/crm-contacts")
	if cfg := b.text("pre.code"); strings.Contains(cfg, "sandbox-client-secret") || strings.Contains(cfg, "sandbox-token") ||
		!strings.Contains(cfg, "[redacted]") || !strings.Contains(cfg, "base_url") {
		t.Errorf("the HubSpot pipeline's config shows a secret, or not the rest:\n%s", cfg)
	}

	// The fix: customers are keyed by their id. SIGHUP reloads the config.
	w.writeConfig(fmt.Sprintf(dashboardConfig, port, hubURL, "external_id"))
	if err := srv.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the reloaded config on the pipeline page", 20*time.Second, func() bool {
		b.open("/ui/pipelines/customers")
		return strings.Contains(b.text("pre.code"), `"key": "external_id"`)
	})

	// Replay c3 from the dead-letters page.
	b.open("/ui/dead-letters?pipeline=customers")
	if got := b.text(`tr[data-key="c3"]`); !strings.Contains(got, "bad_record") || !strings.Contains(got, "email") {
		t.Fatalf("the dead letter of c3 shows %q, want its reason and error", got)
	}
	b.do("open the payload", chromedp.Click(chromedp.CSS(`tr[data-key="c3"] summary`)))
	if got := b.text(`tr[data-key="c3"] pre`); !strings.Contains(got, `"id": "c3"`) {
		t.Errorf("the payload of c3 shows %q", got)
	}
	b.screenshot("dead-letters")
	b.do("select c3 and replay", chromedp.Click(chromedp.CSS(`tr[data-key="c3"] input[name="id"]`)),
		chromedp.Click(chromedp.CSS("#replay")), chromedp.WaitVisible(chromedp.CSS("#flash")))
	if got := b.text("#flash"); !strings.Contains(got, "succeeded: written 1, dead-lettered again 0") {
		t.Fatalf("after the replay the flash says %q", got)
	}
	b.screenshot("dead-letters-replayed")
	b.open("/ui/dead-letters?pipeline=customers&status=all")
	if got := b.text(`tr[data-key="c3"] [data-status]`); got != "replayed" {
		t.Errorf("c3 is %q after the replay, want replayed", got)
	}
	if out := w.read("out/customers.jsonl"); !strings.Contains(out, `"external_id":"c3"`) {
		t.Errorf("the replayed c3 is not in the destination:\n%s", out)
	}

	// The overview after all that, on a laptop and on a phone.
	b.open("/")
	b.waitText(`tr[data-pipeline="customers"] [data-dead-letters]`, "0", 10*time.Second)
	overview := b.screenshot("overview")
	b.open("/ui/alerts")
	b.screenshot("alerts")
	b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	b.open("/")
	b.screenshot("overview-phone")
	b.do("laptop viewport", chromedp.EmulateViewport(1280, 900))

	// A viewer: no action anywhere, and a forged action is refused.
	b.do("sign out", chromedp.Click(chromedp.CSS(".who button")), chromedp.WaitVisible(chromedp.CSS("#token")))
	b.screenshot("sign-in")
	b.signIn(viewerToken)
	for _, page := range []string{"/", "/ui/pipelines/crm-contacts", "/ui/dead-letters?status=all"} {
		b.open(page)
		if n := b.count(`main form[method="post"], input[name="id"], #trigger, #pause, #resume, #replay, #discard`); n != 0 {
			t.Errorf("a viewer sees %d action controls on %s", n, page)
		}
	}
	b.open("/")
	b.screenshot("overview-viewer")
	csrf := eval[string](b, `document.querySelector('input[name="csrf"]').value`)
	cookies, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{a.base}})
	if err != nil {
		t.Fatal(err)
	}
	var session *http.Cookie
	for _, c := range cookies.Cookies {
		if c.Name == "cxhub_session" {
			if !c.HTTPOnly || c.SameSite != network.CookieSameSiteStrict {
				t.Errorf("session cookie: HttpOnly %v, SameSite %q; want HttpOnly, Strict", c.HTTPOnly, c.SameSite)
			}
			session = &http.Cookie{Name: c.Name, Value: c.Value}
		}
	}
	if session == nil {
		t.Fatal("no session cookie in the browser")
	}
	runs := func() int {
		return strings.Count(a.must("GET", "/api/v1/runs?pipeline=crm-contacts", viewerToken, nil, 200), `"started_at"`)
	}
	runsBefore := runs()
	for _, path := range []string{"/ui/pipelines/crm-contacts/trigger", "/ui/dead-letters/discard"} {
		req, _ := http.NewRequest("POST", a.base+path, strings.NewReader(url.Values{"csrf": {csrf}, "id": {"1"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(session)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("a viewer's forged POST %s = %d, want 403", path, resp.StatusCode)
		}
	}
	time.Sleep(500 * time.Millisecond)
	if after := runs(); after != runsBefore {
		t.Errorf("a viewer's forged trigger ran the pipeline (%d runs, then %d)", runsBefore, after)
	}

	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("the pages logged %d console errors:\n%s", len(errs), strings.Join(errs, "\n"))
	}
	if os.Getenv("CXHUB_UPDATE_SCREENSHOT") == "1" {
		png, err := os.ReadFile(overview)
		if err == nil {
			err = os.WriteFile(filepath.Join("..", "..", "docs", "dashboard.png"), png, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if res := srv.stop(syscall.SIGTERM, 10*time.Second); res.code != 0 {
		t.Errorf("serve exited %d after SIGTERM:\n%s", res.code, res)
	}
}
