package server

import (
	"context"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/internal/testhttp"
	"github.com/cxhub/cxhub/core/state"
)

// uiClient is a signed-in dashboard session: a cookie jar, redirects
// followed, so a POST answers with the page showing its outcome.
type uiClient struct {
	t    *testing.T
	base string
	http *http.Client
	csrf string
}

var uiCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func signInUI(t *testing.T, base, token string) *uiClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &uiClient{t: t, base: base, http: &http.Client{Jar: jar}}
	_, body := c.do("POST", "/ui/login", url.Values{"token": {token}, "next": {"/ui/dead-letters"}})
	m := uiCSRF.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF field after signing in:\n%s", body)
	}
	c.csrf = m[1]
	return c
}

func (c *uiClient) do(method, path string, form url.Values) (int, string) {
	c.t.Helper()
	resp, body := testhttp.Form(c.t, c.http, method, c.base+path, form)
	return resp.StatusCode, html.UnescapeString(body)
}

var uiFlash = regexp.MustCompile(`(?s)class="flash (good|bad)"[^>]*>(.*?)</`)

// post submits the dead-letters form and returns the flash it shows.
func (c *uiClient) post(action, query string, ids ...int64) (ok bool, msg string) {
	c.t.Helper()
	form := url.Values{"csrf": {c.csrf}, "query": {query}}
	for _, id := range ids {
		form.Add("id", strconv.FormatInt(id, 10))
	}
	status, body := c.do("POST", "/ui/dead-letters/"+action, form)
	if status != http.StatusOK {
		c.t.Fatalf("POST /ui/dead-letters/%s %v = %d:\n%s", action, ids, status, body)
	}
	m := uiFlash.FindStringSubmatch(body)
	if m == nil {
		c.t.Fatalf("POST /ui/dead-letters/%s %v shows no outcome:\n%s", action, ids, body)
	}
	return m[1] == "good", strings.Join(strings.Fields(m[2]), " ")
}

// TestDashboardDeadLetterActionsMakeTheAPIsChecks: the dashboard's replay
// and discard refuse, as the API does, ids of no dead letter, of one no
// longer pending, and (on a page filtered to one pipeline) another
// pipeline's: nothing is done, and the page says which ids and why. The
// dashboard discarded a replayed dead letter (its history rewritten to
// "discarded"), replayed the rest of a selection with unknown ids, and
// replayed another pipeline's dead letter from a page filtered to p.
func TestDashboardDeadLetterActionsMakeTheAPIsChecks(t *testing.T) {
	e := startErrorsServer(t, nil)
	ctx := context.Background()
	p1, p2, p3, q1 := e.deadLetter("p", "contacts", "a"), e.deadLetter("p", "contacts", "b"),
		e.deadLetter("p", "contacts", "c"), e.deadLetter("q", "companies", "d")
	if _, err := e.st.SetDeadLetterStatus(ctx, []int64{p2}, state.DeadLetterReplayed); err != nil {
		t.Fatal(err)
	}
	status := func(id int64) state.DeadLetterStatus {
		t.Helper()
		dls, err := e.st.DeadLetters(ctx, state.DeadLetterFilter{IDs: []int64{id}})
		if err != nil || len(dls) != 1 {
			t.Fatalf("dead letter %d: %v %v", id, dls, err)
		}
		return dls[0].Status
	}
	ui := signInUI(t, e.base, operatorToken)
	id := strconv.FormatInt
	for _, tc := range []struct {
		name, action, query string
		ids                 []int64
		want                []string
	}{
		{"discard, a replayed one", "discard", "status=all", []int64{p1, p2},
			[]string{"Nothing was discarded: 1 of the 2 selected", id(p2, 10) + ": already replayed, no longer pending"}},
		{"discard, an unknown id", "discard", "", []int64{p1, 999},
			[]string{"Nothing was discarded", "999: no dead letter has this id"}},
		{"replay, an unknown id", "replay", "", []int64{p1, 999},
			[]string{"Nothing was replayed: 1 of the 2 selected", "999: no dead letter has this id"}},
		{"replay, a replayed one", "replay", "", []int64{p2},
			[]string{"Nothing was replayed", id(p2, 10) + ": already replayed"}},
		{"replay, another pipeline's on p's page", "replay", "pipeline=p", []int64{p1, q1},
			[]string{"cannot be replayed through p", id(q1, 10) + ": a dead letter of pipeline q"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, msg := ui.post(tc.action, tc.query, tc.ids...)
			if ok {
				t.Errorf("the page shows %q as a success", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("the page says %q, want it to hold %q", msg, w)
				}
			}
			if s := status(p2); s != state.DeadLetterReplayed {
				t.Errorf("the replayed dead letter %d is now %s", p2, s)
			}
			if n := e.pending(); n != 3 {
				t.Errorf("%d dead letters pending after a refused action, want 3 (nothing done)", n)
			}
		})
	}
	// What can be done still is.
	if ok, msg := ui.post("discard", "pipeline=p", p3); !ok || !strings.Contains(msg, "Discarded 1 of 1") {
		t.Errorf("discard of a pending dead letter shows ok=%v %q", ok, msg)
	}
	if s := status(p3); s != state.DeadLetterDiscarded {
		t.Errorf("dead letter %d is %s after its discard", p3, s)
	}
}

// uiAction posts a pipeline action (trigger, pause, resume) from the
// pipeline's page and returns the flash it shows.
func (c *uiClient) uiAction(pipeline, action string) (ok bool, msg string) {
	c.t.Helper()
	status, body := c.do("POST", "/ui/pipelines/"+pipeline+"/"+action, url.Values{"csrf": {c.csrf}})
	if status != http.StatusOK {
		c.t.Fatalf("POST %s %s = %d:\n%s", pipeline, action, status, body)
	}
	m := uiFlash.FindStringSubmatch(body)
	if m == nil {
		c.t.Fatalf("POST %s %s shows no outcome:\n%s", pipeline, action, body)
	}
	return m[1] == "good", strings.Join(strings.Fields(m[2]), " ")
}

// TestDashboardActionsOnAPipelineHeldElsewhere: a Sync now or a replay
// from the dashboard of a worker that does not hold the pipeline's lease
// is refused, naming the worker that does, as the API refuses it (409).
// The dashboard said "Sync of p requested" and the sync never ran: this
// worker waits for a lease another worker holds.
func TestDashboardActionsOnAPipelineHeldElsewhere(t *testing.T) {
	e := startErrorsServer(t, func(st state.Store) {
		if _, err := st.AcquireLease(context.Background(), "p", "w2#0123", time.Hour); err != nil {
			t.Fatal(err)
		}
	})
	dl := e.deadLetter("p", "contacts", "a")
	if status, body := e.post("/api/v1/pipelines/p/trigger", ""); status != http.StatusConflict {
		t.Fatalf("the API's trigger of p, held by w2 = %d %s, want 409", status, body)
	}
	ui := signInUI(t, e.base, operatorToken)
	ok, msg := ui.uiAction("p", "trigger")
	if ok || !strings.Contains(msg, "pipeline p runs on worker w2") {
		t.Errorf("Sync now of p, held by w2, shows ok=%v %q; want a refusal naming w2", ok, msg)
	}
	ok, msg = ui.post("replay", "", dl)
	if ok || !strings.Contains(msg, "pipeline p runs on worker w2") {
		t.Errorf("a replay of p's dead letter, p held by w2, shows ok=%v %q; want a refusal naming w2", ok, msg)
	}
	if n := e.pending(); n != 1 {
		t.Errorf("%d dead letters pending, want 1 (nothing replayed)", n)
	}
	// q is held here: its Sync now is taken.
	if ok, msg := ui.uiAction("q", "trigger"); !ok || !strings.Contains(msg, "Sync of q requested") {
		t.Errorf("Sync now of q shows ok=%v %q", ok, msg)
	}
}
