package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/core/state"
)

// TestPipelineFilterOfNoPipelineIsA404: GET /api/v1/runs and
// /api/v1/dead-letters with ?pipeline= naming a pipeline that neither the
// config nor the state's history has answer 404 naming it and listing the
// pipelines there are (they answered 200 [], so a typo looked like "no
// runs, no dead letters"). A pipeline removed from the config whose runs
// and dead letters are still in the state keeps its history listable; one
// of the config that never ran is an empty list.
func TestPipelineFilterOfNoPipelineIsA404(t *testing.T) {
	h, _ := newTestHub(t, errorsConfig)
	s := New(h, Options{NoListen: true})
	s.cfg = mustConfig(t, h)
	st, err := h.Store()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// "gone" ran and dead-lettered a record, then left the config.
	run, err := st.StartRun(ctx, "gone")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Commit(ctx, state.Commit{RunID: run, Pipeline: "gone", DeadLetters: []state.DeadLetter{{
		Stream: "contacts", Key: "a", Op: "upsert", Data: []byte(`{"id":"a"}`), ErrorKind: "bad_record", Error: "refused"}}}); err != nil {
		t.Fatal(err)
	}
	if err := st.FinishRun(ctx, run, state.RunSucceeded, ""); err != nil {
		t.Fatal(err)
	}
	routes := s.routes()
	for _, tc := range []struct {
		path   string
		status int
		want   []string // in the error, for a 404; the count of items, for a 200
		items  int
	}{
		{"/api/v1/runs?pipeline=typo", 404, []string{`no pipeline named "typo"`, "pipelines: p, q, z"}, 0},
		{"/api/v1/dead-letters?pipeline=typo", 404, []string{`no pipeline named "typo"`, "pipelines: p, q, z"}, 0},
		{"/api/v1/dead-letters?pipeline=typo&status=all", 404, []string{`no pipeline named "typo"`}, 0},
		{"/api/v1/runs?pipeline=gone", 200, nil, 1},
		{"/api/v1/dead-letters?pipeline=gone", 200, nil, 1},
		{"/api/v1/runs?pipeline=p", 200, nil, 0},
		{"/api/v1/dead-letters?pipeline=p", 200, nil, 0},
		{"/api/v1/runs", 200, nil, 1},
	} {
		req := httptest.NewRequest("GET", tc.path, nil)
		req.Header.Set("Authorization", "Bearer "+operatorToken)
		rec := httptest.NewRecorder()
		routes.ServeHTTP(rec, req)
		if rec.Code != tc.status || rec.Header().Get("Content-Type") != "application/json" {
			t.Errorf("GET %s = %d %s, want %d application/json", tc.path, rec.Code, rec.Body.String(), tc.status)
			continue
		}
		if tc.status != 200 {
			var body struct{ Error string }
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Errorf("GET %s: %v: %s", tc.path, err, rec.Body.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(body.Error, w) {
					t.Errorf("GET %s: error %q, want it to hold %q", tc.path, body.Error, w)
				}
			}
			continue
		}
		var items []json.RawMessage
		if err := json.Unmarshal(rec.Body.Bytes(), &items); err != nil || len(items) != tc.items {
			t.Errorf("GET %s = %s, want %d items", tc.path, rec.Body.String(), tc.items)
		}
	}
}

// TestDashboardPagesOfNoPipelineAre404s: the dashboard has the API's rule.
// Its dead-letters page filtered to a pipeline that neither the config nor
// the state's history has, and the page of one, answer 404 naming it with
// the pipeline likely meant (the dead-letters page answered 200 with an
// empty list); a pipeline removed from the config keeps its pages.
func TestDashboardPagesOfNoPipelineAre404s(t *testing.T) {
	h, _ := newTestHub(t, errorsConfig)
	s := New(h, Options{NoListen: true})
	s.cfg = mustConfig(t, h)
	st, err := h.Store()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	run, err := st.StartRun(ctx, "gone")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Commit(ctx, state.Commit{RunID: run, Pipeline: "gone", DeadLetters: []state.DeadLetter{{
		Stream: "contacts", Key: "a", Op: "upsert", Data: []byte(`{"id":"a"}`), ErrorKind: "bad_record", Error: "refused"}}}); err != nil {
		t.Fatal(err)
	}
	if err := st.FinishRun(ctx, run, state.RunSucceeded, ""); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.routes())
	t.Cleanup(srv.Close)
	c := signInUI(t, srv.URL, operatorToken)
	for _, tc := range []struct {
		path   string
		status int
		want   []string
	}{
		{"/ui/dead-letters?pipeline=qq", 404, []string{`No pipeline named "qq"`, `(did you mean "q"? pipelines: p, q, z)`}},
		{"/ui/dead-letters?pipeline=qq&status=all", 404, []string{`No pipeline named "qq"`}},
		{"/ui/pipelines/qq", 404, []string{`No pipeline named "qq"`, `did you mean "q"?`}},
		{"/ui/dead-letters?pipeline=gone", 200, []string{`data-key="a"`}},
		{"/ui/pipelines/gone", 200, []string{"no longer in the config", "1 pending"}},
		{"/ui/dead-letters?pipeline=p", 200, []string{"No dead letters match."}},
		{"/ui/pipelines/p", 200, []string{"No runs yet."}},
	} {
		status, body := c.do("GET", tc.path, nil)
		if status != tc.status {
			t.Errorf("GET %s = %d, want %d:\n%s", tc.path, status, tc.status, body)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s lacks %q:\n%s", tc.path, w, body)
			}
		}
	}
}

// TestDashboardDeadLettersPageSaysWhichItShows: with more dead letters
// than one page holds, the dead-letters page shows the oldest (as the state
// lists them), says how many there are and links to the next page, which
// shows the rest; a reason filter is the state's, so it finds a dead
// letter past the first page. It said "(the newest 200)" over the oldest;
// then, filtered by the reason of the 201st, it showed none, and nothing
// led past the oldest 200.
func TestDashboardDeadLettersPageSaysWhichItShows(t *testing.T) {
	h, _ := newTestHub(t, errorsConfig)
	s := New(h, Options{NoListen: true})
	s.cfg = mustConfig(t, h)
	st, err := h.Store()
	if err != nil {
		t.Fatal(err)
	}
	seedDeadLetterPages(t, st)
	srv := httptest.NewServer(s.routes())
	t.Cleanup(srv.Close)
	c := signInUI(t, srv.URL, operatorToken)
	nextLink := regexp.MustCompile(`href="(/ui/dead-letters\?[^"]*)" rel="next"`)
	for _, tc := range []struct {
		path      string
		want      []string
		wantShown int
		wantNext  bool
	}{
		{"/ui/dead-letters?pipeline=p", []string{`data-key="k000"`, `data-key="k199"`, "200 shown, oldest first, of 201 pending dead letters"}, 200, true},
		{"/ui/dead-letters", []string{"200 shown, oldest first, of 201 pending dead letters"}, 200, true},
		{"/ui/dead-letters?pipeline=p&kind=auth", []string{`data-key="k200"`, "1 shown, oldest first."}, 1, false},
		{"/ui/dead-letters?kind=auth&status=all", []string{`data-key="k200"`}, 1, false},
		{"/ui/dead-letters?pipeline=p&status=all", []string{"200 shown, oldest first, of 201 dead letters"}, 200, true},
	} {
		status, body := c.do("GET", tc.path, nil)
		text := strings.Join(strings.Fields(body), " ")
		if status != 200 {
			t.Errorf("GET %s = %d", tc.path, status)
			continue
		}
		if strings.Contains(text, "newest") {
			t.Errorf("GET %s calls what it shows the newest:\n%s", tc.path, text)
		}
		for _, w := range tc.want {
			if !strings.Contains(text, w) {
				t.Errorf("GET %s lacks %q", tc.path, w)
			}
		}
		if n := strings.Count(body, "data-dead-letter="); n != tc.wantShown {
			t.Errorf("GET %s shows %d dead letters, want %d", tc.path, n, tc.wantShown)
		}
		m := nextLink.FindStringSubmatch(body)
		if (m != nil) != tc.wantNext {
			t.Errorf("GET %s: a next page link: %v, want %v", tc.path, m != nil, tc.wantNext)
		}
		if m == nil {
			continue
		}
		// The next page: the newest, k200, alone, with a way back.
		status, body = c.do("GET", m[1], nil)
		if status != 200 || strings.Count(body, "data-dead-letter=") != 1 || !strings.Contains(body, `data-key="k200"`) ||
			nextLink.MatchString(body) || !strings.Contains(body, "First page") {
			t.Errorf("GET %s (next after %s) = %d with %d dead letters, want k200 alone, no next page, a first page link",
				m[1], tc.path, status, strings.Count(body, "data-dead-letter="))
		}
	}
}

// TestDashboardCountsEveryFiringAlert: the overview and the alerts page
// count every firing alert, and the alerts page lists them all (at most one fires per
// key, so they are as many as the config's pipelines and connections
// allow); the overview lists the newest 50 and says how many more. They
// stopped at 50 and 200, and counted those.
func TestDashboardCountsEveryFiringAlert(t *testing.T) {
	h, _ := newTestHub(t, errorsConfig)
	s := New(h, Options{NoListen: true})
	s.cfg = mustConfig(t, h)
	st, err := h.Store()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const n = 230
	for i := range n {
		subject := fmt.Sprintf("p%03d", i)
		if _, _, err := st.FireAlert(ctx, state.Alert{Key: "pipeline_stale:" + subject, Kind: "pipeline_stale", Subject: subject, Message: "stale " + subject}); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(s.routes())
	t.Cleanup(srv.Close)
	c := signInUI(t, srv.URL, operatorToken)
	_, body := c.do("GET", "/", nil)
	if !strings.Contains(body, fmt.Sprintf(`<span class="badge bad">%d</span>`, n)) || !strings.Contains(body, fmt.Sprintf("and %d more", n-50)) {
		t.Errorf("the overview does not count %d firing alerts, or does not say how many more there are than it lists:\n%s", n, body)
	}
	_, body = c.do("GET", "/ui/alerts", nil)
	if !strings.Contains(body, fmt.Sprintf(`Firing <span class="muted">(%d)</span>`, n)) || !strings.Contains(body, "stale p000") {
		t.Errorf("the alerts page does not count %d firing alerts, or lacks the oldest", n)
	}
}

// TestDashboardSaysItListsTheNewestResolvedAlerts: the alerts page lists
// the newest 200 resolved alerts and, when there are more, says so; its
// heading said "Resolved (200)" as if that were all of them.
func TestDashboardSaysItListsTheNewestResolvedAlerts(t *testing.T) {
	h, _ := newTestHub(t, errorsConfig)
	s := New(h, Options{NoListen: true})
	s.cfg = mustConfig(t, h)
	st, err := h.Store()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 201 {
		key := fmt.Sprintf("pipeline_stale:p%03d", i)
		if _, _, err := st.FireAlert(ctx, state.Alert{Key: key, Kind: "pipeline_stale", Subject: key[15:], Message: "stale"}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.ResolveAlert(ctx, key, "fresh again"); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(s.routes())
	t.Cleanup(srv.Close)
	c := signInUI(t, srv.URL, operatorToken)
	_, body := c.do("GET", "/ui/alerts", nil)
	text := strings.Join(strings.Fields(body), " ")
	if !strings.Contains(text, `Resolved <span class="muted">(the newest 200)</span>`) {
		t.Errorf("the alerts page does not say it lists the newest 200 resolved alerts of 201:\n%s", text)
	}
}
