package server

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/core/state"
)

// seedDeadLetterPages stores 201 pending dead letters of pipeline p in
// one run, k000 to k199 of kind bad_record and the newest, k200, of kind
// auth: one more than a page of 200.
func seedDeadLetterPages(t *testing.T, st state.Store) {
	t.Helper()
	ctx := context.Background()
	run, err := st.StartRun(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	var dls []state.DeadLetter
	for i := range 201 {
		kind := "bad_record"
		if i == 200 {
			kind = "auth" // the newest, past the first page
		}
		dls = append(dls, state.DeadLetter{Stream: "contacts", Key: fmt.Sprintf("k%03d", i), Op: "upsert",
			Data: []byte(`{}`), ErrorKind: kind, Error: "refused"})
	}
	if err := st.Commit(ctx, state.Commit{RunID: run, Pipeline: "p", DeadLetters: dls}); err != nil {
		t.Fatal(err)
	}
	if err := st.FinishRun(ctx, run, state.RunSucceeded, ""); err != nil {
		t.Fatal(err)
	}
}

var linkNext = regexp.MustCompile(`^<([^>]+)>; rel="next"$`)

// TestAPIDeadLettersFilterByKindAndPage: GET /api/v1/dead-letters filters
// by kind in the state, before the limit, and a page that stops at its
// limit with more to come says where the next one is (a Link header with
// rel="next", after the page's last id). With 201 pending dead letters,
// the newest an auth failure, ?kind=auth&limit=200 answered [] (the kind
// was looked for among the oldest 200 only), and nothing led past them.
func TestAPIDeadLettersFilterByKindAndPage(t *testing.T) {
	h, _ := newTestHub(t, errorsConfig)
	s := New(h, Options{NoListen: true})
	s.cfg = mustConfig(t, h)
	st, err := h.Store()
	if err != nil {
		t.Fatal(err)
	}
	seedDeadLetterPages(t, st)
	routes := s.routes()
	get := func(path string) (int, []DeadLetter, string, string) {
		t.Helper()
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+operatorToken)
		rec := httptest.NewRecorder()
		routes.ServeHTTP(rec, req)
		var dls []DeadLetter
		if rec.Code == 200 {
			if err := json.Unmarshal(rec.Body.Bytes(), &dls); err != nil {
				t.Fatalf("GET %s: %v: %s", path, err, rec.Body.String())
			}
		}
		next := ""
		if l := rec.Header().Get("Link"); l != "" {
			m := linkNext.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("GET %s: Link %q, want <url>; rel=\"next\"", path, l)
			}
			next = m[1]
		}
		return rec.Code, dls, next, rec.Body.String()
	}
	keys := func(dls []DeadLetter) string {
		var k []string
		for _, d := range dls {
			k = append(k, d.Key)
		}
		return strings.Join(k, ",")
	}

	for _, path := range []string{"/api/v1/dead-letters?kind=auth&limit=200", "/api/v1/dead-letters?kind=auth",
		"/api/v1/dead-letters?pipeline=p&kind=auth&limit=1"} {
		status, dls, next, body := get(path)
		if status != 200 || keys(dls) != "k200" || dls[0].ErrorKind != "auth" {
			t.Errorf("GET %s = %d %s, want the one auth failure, k200", path, status, body)
		}
		if next != "" {
			t.Errorf("GET %s: Link to a next page %q, with none to come", path, next)
		}
	}

	// Pages of 200, then of 1, each led to by the one before.
	for _, tc := range []struct {
		first string
		pages []int
	}{
		{"/api/v1/dead-letters?pipeline=p&limit=200", []int{200, 1}},
		{"/api/v1/dead-letters?limit=100&kind=bad_record", []int{100, 100}},
	} {
		path, seen := tc.first, map[string]bool{}
		var sizes []int
		for path != "" && len(sizes) < 5 {
			status, dls, next, body := get(path)
			if status != 200 {
				t.Fatalf("GET %s = %d %s", path, status, body)
			}
			sizes = append(sizes, len(dls))
			for _, d := range dls {
				if seen[d.Key] {
					t.Errorf("GET %s lists %s again", path, d.Key)
				}
				seen[d.Key] = true
			}
			if next != "" {
				u, err := url.Parse(next)
				if err != nil || u.Path != "/api/v1/dead-letters" || u.Query().Get("after") == "" {
					t.Fatalf("GET %s: next page %q, want /api/v1/dead-letters?...after=<id>", path, next)
				}
				orig, _ := url.Parse(tc.first)
				for _, k := range []string{"pipeline", "kind", "limit"} {
					if u.Query().Get(k) != orig.Query().Get(k) {
						t.Errorf("GET %s: next page %q drops or changes %s", path, next, k)
					}
				}
			}
			path = next
		}
		if fmt.Sprint(sizes) != fmt.Sprint(tc.pages) {
			t.Errorf("paging from %s gave pages of %v, want %v", tc.first, sizes, tc.pages)
		}
	}

	// A limit past any count is every one of them, on one page.
	if status, dls, next, body := get(fmt.Sprintf("/api/v1/dead-letters?limit=%d", math.MaxInt)); status != 200 || len(dls) != 201 || next != "" {
		t.Errorf("GET ?limit=MaxInt = %d with %d dead letters, next %q, want 200 with all 201: %.200s", status, len(dls), next, body)
	}
	// A kind that is no error kind is refused with the kinds there are,
	// not answered with an empty list.
	if status, _, _, body := get("/api/v1/dead-letters?kind=bad-record"); status != 400 ||
		!strings.Contains(body, `did you mean \"bad_record\"?`) || !strings.Contains(body, "expected one of: unknown, transient") {
		t.Errorf("GET ?kind=bad-record = %d %s, want 400 naming the kinds", status, body)
	}
	for _, path := range []string{"/api/v1/dead-letters?after=x", "/api/v1/dead-letters?after=-3"} {
		if status, _, _, body := get(path); status != 400 || !strings.Contains(body, "after: expected") {
			t.Errorf("GET %s = %d %s, want 400 saying what after takes", path, status, body)
		}
	}
}
