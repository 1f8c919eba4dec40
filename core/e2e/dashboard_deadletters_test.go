package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// deadLettersUIConfig: two file pipelines whose destination is keyed by
// email, which some records lack: each run leaves dead letters.
const deadLettersUIConfig = `version: 1
state: {path: state/cxhub.db}
plugins: {dir: {{plugins}}}
server:
  listen: 127.0.0.1:%d
  tokens:
    - {name: ops, token: ` + operatorToken + `, role: operator}
connections:
  in:  {connector: file, config: {dir: in, streams: {customers: {key: id}, leads: {key: id}}}}
  out: {connector: file, config: {dir: out, streams: {customers: {key: email}, leads: {key: email}}}}
pipelines:
  - name: customers
    from: {connection: in, stream: customers}
    to:   {connection: out, stream: customers}
  - name: leads
    from: {connection: in, stream: leads}
    to:   {connection: out, stream: leads}
`

// TestDashboardRefusesDeadLettersItCannotTake: in headless Chromium, an
// operator's replay or discard of dead letters the API would refuse — one
// another operator discarded while the page was open, or another
// pipeline's on a page filtered to one — does nothing, and the page says
// which and why. The dashboard replayed the discarded one anyway (and
// discarded replayed ones), with a success message.
func TestDashboardRefusesDeadLettersItCannotTake(t *testing.T) {
	port := freePort(t)
	w := newWorkspace(t, fmt.Sprintf(deadLettersUIConfig, port))
	w.write("in/customers.jsonl", `{"id":"c1","email":"ann@example.com"}`+"\n"+`{"id":"c2"}`+"\n"+`{"id":"c3"}`+"\n")
	w.write("in/leads.jsonl", `{"id":"l1"}`+"\n")
	srv, a := serve(t, w, port)
	for _, p := range []string{"customers", "leads"} {
		a.must("POST", "/api/v1/pipelines/"+p+"/trigger", operatorToken, nil, 202)
	}
	type dl struct {
		ID       int64  `json:"id"`
		Pipeline string `json:"pipeline"`
		Key      string `json:"key"`
		Status   string `json:"status"`
	}
	letters := func() map[string]dl {
		var list []dl
		if err := json.Unmarshal([]byte(a.must("GET", "/api/v1/dead-letters?status=all", operatorToken, nil, 200)), &list); err != nil {
			t.Fatal(err)
		}
		out := map[string]dl{}
		for _, d := range list {
			out[d.Key] = d
		}
		return out
	}
	waitFor(t, "three dead letters", 30*time.Second, func() bool { return len(letters()) == 3 })
	before := letters()

	b := newBrowser(t, a.base)
	b.signIn(operatorToken)

	// Another operator discards c2 while this page has it ticked.
	b.open("/ui/dead-letters?pipeline=customers")
	b.do("tick c2 and c3", chromedp.Click(chromedp.CSS(`tr[data-key="c2"] input[name="id"]`)),
		chromedp.Click(chromedp.CSS(`tr[data-key="c3"] input[name="id"]`)))
	a.must("POST", "/api/v1/dead-letters/discard", operatorToken, map[string]any{"ids": []int64{before["c2"].ID}}, 200)
	b.do("replay", chromedp.Click(chromedp.CSS("#replay")), chromedp.WaitVisible(chromedp.CSS("#flash")))
	got := b.text("#flash")
	for _, want := range []string{"Nothing was replayed", fmt.Sprintf("%d: already discarded, no longer pending", before["c2"].ID)} {
		if !strings.Contains(got, want) {
			t.Errorf("after replaying a dead letter discarded meanwhile, the page says %q, want %q", got, want)
		}
	}
	if n := b.count("#flash.bad"); n != 1 {
		t.Errorf("the refusal is not shown as a failure")
	}
	b.screenshot("dead-letters-refused")
	if d := letters()["c3"]; d.Status != "pending" {
		t.Errorf("c3 is %s after a refused replay, want pending (nothing done)", d.Status)
	}

	// A leads dead letter slipped into the customers page's form.
	b.open("/ui/dead-letters?pipeline=customers")
	b.do("tick c3", chromedp.Click(chromedp.CSS(`tr[data-key="c3"] input[name="id"]`)))
	eval[bool](b, fmt.Sprintf(`(function(){var i=document.createElement("input");i.type="hidden";i.name="id";i.value="%d";`+
		`document.getElementById("dead-letter-form").appendChild(i);return true})()`, before["l1"].ID))
	b.do("replay", chromedp.Click(chromedp.CSS("#replay")), chromedp.WaitVisible(chromedp.CSS("#flash")))
	if got := b.text("#flash"); !strings.Contains(got, fmt.Sprintf("%d: a dead letter of pipeline leads", before["l1"].ID)) ||
		!strings.Contains(got, "cannot be replayed through customers") {
		t.Errorf("after replaying a leads dead letter from the customers page, the page says %q", got)
	}

	// Discarding a dead letter no longer pending is refused too.
	b.open("/ui/dead-letters?pipeline=customers")
	b.do("tick c3", chromedp.Click(chromedp.CSS(`tr[data-key="c3"] input[name="id"]`)))
	eval[bool](b, fmt.Sprintf(`(function(){var i=document.createElement("input");i.type="hidden";i.name="id";i.value="%d";`+
		`document.getElementById("dead-letter-form").appendChild(i);return true})()`, before["c2"].ID))
	b.do("discard", chromedp.Click(chromedp.CSS("#discard")), chromedp.WaitVisible(chromedp.CSS("#flash")))
	if got := b.text("#flash"); !strings.Contains(got, "Nothing was discarded") {
		t.Errorf("after discarding a discarded dead letter, the page says %q", got)
	}
	after := letters()
	for _, k := range []string{"c3", "l1"} {
		if after[k].Status != "pending" {
			t.Errorf("%s is %s after refused actions, want pending", k, after[k].Status)
		}
	}

	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("the pages logged %d console errors:\n%s", len(errs), strings.Join(errs, "\n"))
	}
	if res := srv.stop(syscall.SIGTERM, 10*time.Second); res.code != 0 {
		t.Errorf("serve exited %d after SIGTERM:\n%s", res.code, res)
	}
}
