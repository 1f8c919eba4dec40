package dashboard

import (
	"context"
	"fmt"
	"github.com/cxhub/cxhub/core/identity"
	"github.com/cxhub/cxhub/core/internal/testhttp"
	"github.com/cxhub/cxhub/core/state"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// client is a browser stand-in: a cookie jar, no redirects followed.
type client struct {
	t    *testing.T
	srv  *httptest.Server
	http *http.Client
}

func newClient(t *testing.T, b Backend) *client {
	t.Helper()
	d, err := New(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(d)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return &client{t: t, srv: srv, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (c *client) do(method, path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	return testhttp.Form(c.t, c.http, method, c.srv.URL+path, form)
}

func (c *client) login(token string) {
	c.t.Helper()
	resp, body := c.do("POST", "/ui/login", url.Values{"token": {token}, "next": {"/"}})
	if resp.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("login = %d: %s", resp.StatusCode, body)
	}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the session's CSRF token from a page.
func (c *client) csrf() string {
	c.t.Helper()
	_, body := c.do("GET", "/", nil)
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		c.t.Fatalf("no csrf field on the overview:\n%s", body)
	}
	return m[1]
}

func TestSignInSessionCookie(t *testing.T) {
	c := newClient(t, newFake())
	resp, _ := c.do("GET", "/ui/pipelines/contacts", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/login?next=%2Fui%2Fpipelines%2Fcontacts" {
		t.Fatalf("signed out: %d to %q, want 303 to the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := c.do("POST", "/ui/login", url.Values{"token": {"wrong-token-0123456789"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Unknown token") {
		t.Fatalf("a wrong token: %d", resp.StatusCode)
	}
	resp, _ = c.do("POST", "/ui/login", url.Values{"token": {"view-token-0123456789"}, "next": {"//evil.example/"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("login: %d to %q, want 303 to / (never off the site)", resp.StatusCode, resp.Header.Get("Location"))
	}
	cookie := resp.Header.Get("Set-Cookie")
	for _, want := range []string{cookieName + "=", "HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("session cookie %q lacks %s", cookie, want)
		}
	}
	if strings.Contains(cookie, "view-token") {
		t.Errorf("the cookie holds the token: %q", cookie)
	}
	resp, body = c.do("GET", "/", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "contacts") {
		t.Fatalf("overview after sign-in: %d", resp.StatusCode)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP = %q", csp)
	}
}

func TestTokenRemovedEndsSession(t *testing.T) {
	f := newFake()
	c := newClient(t, f)
	c.login("view-token-0123456789")
	f.mu.Lock()
	delete(f.tokens, "view-token-0123456789")
	f.mu.Unlock()
	if resp, _ := c.do("GET", "/", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a session of a removed token still sees the overview: %d", resp.StatusCode)
	}
}

func TestViewerSeesNoActionsAndIsRefused(t *testing.T) {
	f := newFake()
	c := newClient(t, f)
	c.login("view-token-0123456789")
	for _, page := range []string{"/", "/ui/pipelines/contacts", "/ui/dead-letters"} {
		_, body := c.do("GET", page, nil)
		for _, action := range []string{"/trigger", "/pause", "/resume", "/replay", "/discard", `name="id"`} {
			if strings.Contains(body, action) {
				t.Errorf("a viewer's %s offers %s", page, action)
			}
		}
	}
	token := c.csrf()
	for _, path := range []string{"/ui/pipelines/contacts/trigger", "/ui/pipelines/contacts/pause", "/ui/dead-letters/replay", "/ui/dead-letters/discard"} {
		resp, body := c.do("POST", path, url.Values{"csrf": {token}, "id": {"7"}})
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "operator") {
			t.Errorf("a viewer's POST %s = %d, want 403 naming the operator role", path, resp.StatusCode)
		}
	}
	if calls := f.done(); len(calls) != 0 {
		t.Errorf("a viewer's actions reached the backend: %v", calls)
	}
}

func TestActionsNeedCSRF(t *testing.T) {
	f := newFake()
	c := newClient(t, f)
	c.login("op-token-0123456789")
	for _, form := range []url.Values{{}, {"csrf": {"forged"}}} {
		resp, _ := c.do("POST", "/ui/pipelines/contacts/trigger", form)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("trigger with csrf %q = %d, want 403", form.Get("csrf"), resp.StatusCode)
		}
	}
	if calls := f.done(); len(calls) != 0 {
		t.Fatalf("actions without the CSRF token reached the backend: %v", calls)
	}
	// Signed out: no action either.
	anon := newClient(t, f)
	if resp, _ := anon.do("POST", "/ui/pipelines/contacts/trigger", url.Values{"csrf": {"x"}}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a signed-out trigger = %d, want 401", resp.StatusCode)
	}
}

func TestOperatorActions(t *testing.T) {
	f := newFake()
	c := newClient(t, f)
	c.login("op-token-0123456789")
	token := c.csrf()
	_, body := c.do("GET", "/", nil)
	if !strings.Contains(body, `action="/ui/pipelines/contacts/trigger"`) {
		t.Fatal("an operator's overview has no Sync now for contacts")
	}
	resp, _ := c.do("POST", "/ui/pipelines/contacts/trigger", url.Values{"csrf": {token}, "back": {"overview"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("trigger = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := c.do("GET", "/", nil); !strings.Contains(body, "Sync of contacts requested") {
		t.Error("the overview does not say the sync was requested")
	}
	// A paused pipeline's trigger: its reason, shown once.
	c.do("POST", "/ui/pipelines/tickets/trigger", url.Values{"csrf": {token}})
	if _, body := c.do("GET", "/ui/pipelines/tickets", nil); !strings.Contains(body, "paused") || !strings.Contains(body, `class="flash bad"`) {
		t.Error("a refused trigger is not shown as a failure")
	}
	if _, body := c.do("GET", "/ui/pipelines/tickets", nil); strings.Contains(body, `class="flash`) {
		t.Error("the outcome is shown twice")
	}
	// Replay of two dead letters of two pipelines: one replay each.
	resp, _ = c.do("POST", "/ui/dead-letters/replay", url.Values{"csrf": {token}, "id": {"8", "7"}, "query": {"status=all"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/dead-letters?status=all" {
		t.Fatalf("replay = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = c.do("GET", "/ui/dead-letters?status=all", nil)
	if !strings.Contains(body, "Replay of 1 from contacts (run 9): succeeded: written 1") {
		t.Errorf("the replay's outcome is not shown:\n%s", body)
	}
	c.do("POST", "/ui/dead-letters/discard", url.Values{"csrf": {token}, "id": {"7"}})
	want := []string{"trigger contacts", "replay contacts [7]", "replay tickets [8]", "discard [7]"}
	if calls := f.done(); !slices.Equal(calls, want) {
		t.Errorf("backend calls %v, want %v", calls, want)
	}
}

func TestPagesRender(t *testing.T) {
	c := newClient(t, newFake())
	c.login("op-token-0123456789")
	for page, wants := range map[string][]string{
		"/":                                {"connection_failing", "crm check failed", "<svg class=\"spark\"", "failing", "on demand"},
		"/ui/pipelines/contacts":           {"crm.contacts", "[redacted]", `data-run="3"`},
		"/ui/dead-letters?kind=bad_record": {`data-key="c3"`, "no email"},
		"/ui/alerts":                       {"connection_failing", "Resolved"},
	} {
		resp, body := c.do("GET", page, nil)
		if resp.StatusCode != 200 {
			t.Errorf("%s = %d", page, resp.StatusCode)
			continue
		}
		for _, w := range wants {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q", page, w)
			}
		}
	}
	if _, body := c.do("GET", "/ui/dead-letters?kind=bad_record", nil); strings.Contains(body, `data-key="t1"`) {
		t.Error("the reason filter lets another kind through")
	}
	if resp, _ := c.do("GET", "/ui/pipelines/nope", nil); resp.StatusCode != 404 {
		t.Errorf("an unknown pipeline = %d, want 404", resp.StatusCode)
	}
	if resp, body := c.do("GET", "/ui/static/app.js", nil); resp.StatusCode != 200 || !strings.Contains(body, "DOMParser") {
		t.Errorf("app.js = %d", resp.StatusCode)
	}
	if _, body := c.do("GET", "/", nil); strings.Contains(body, "/ui/customers/") {
		t.Error("the customers entry shows without a customers backend")
	}
}

// withCustomers is a Backend with the customer 360.
type withCustomers struct{ *fakeBackend }

func (withCustomers) CustomerSearch(_ context.Context, text string, _ int) ([]identity.Summary, error) {
	if strings.Contains("anita rhodes anita@example.com", text) {
		return []identity.Summary{{ID: "cx-7", Name: "Anita Rhodes", Email: "anita@example.com", Records: 3, Systems: []string{"crm", "shop"}}}, nil
	}
	return nil, nil
}

func (withCustomers) Customer(_ context.Context, query string) (identity.Profile, error) {
	if query != "cx-7" {
		return identity.Profile{}, fmt.Errorf("no customer %q: %w", query, identity.ErrNotFound)
	}
	return identity.Profile{ID: "cx-7", Records: 3, Emails: []string{"anita@example.com"},
		Fields:      map[string]identity.FieldValue{"name": {Value: "Anita Rhodes", Source: identity.Ref{Connection: "crm", Stream: "contacts", Key: "1007"}}},
		ExternalIDs: map[string][]string{"crm.contacts": {"1007"}, "shop.customers": {"694"}},
		Timeline: []identity.Interaction{
			{System: "shop", Kind: "order", Summary: "#1349", Amount: "59.98", Source: identity.Ref{Connection: "shop", Stream: "orders", Key: "562"}},
			{System: "helpdesk", Kind: "ticket", Summary: "Cannot log in", Status: "open", Source: identity.Ref{Connection: "helpdesk", Stream: "tickets", Key: "364"}},
		}}, nil
}

func (withCustomers) CustomerExplain(_ context.Context, query string) (identity.Explanation, error) {
	if query != "cx-7" {
		return identity.Explanation{}, fmt.Errorf("no customer %q: %w", query, identity.ErrNotFound)
	}
	contact := identity.Ref{Connection: "crm", Stream: "contacts", Key: "1007"}
	shopper := identity.Ref{Connection: "shop", Stream: "customers", Key: "694"}
	order := identity.Ref{Connection: "shop", Stream: "orders", Key: "562"}
	return identity.Explanation{ID: "cx-7",
		Records: []identity.RecordEntry{{Ref: contact, Kind: "customer"}, {Ref: shopper, Kind: "customer"}, {Ref: order, Kind: "interaction"}},
		Joins: []identity.Join{
			{Type: "email", Value: "anita@example.com", Rules: []string{"email"}, Records: []identity.Ref{contact, shopper}},
			{Type: "ref", Value: "shop/customers/694", Rules: []string{"links: shop.orders.customer_id"}, Records: []identity.Ref{shopper, order}},
		},
		Refused: []identity.Refusal{{Type: "phone", Value: "+15550000000", Why: "carried by more than 5 customers", Records: 12}},
	}, nil
}

// TestCustomerExplainPage: the profile links to the explain view, which
// shows the customer's records, each identifier joining them with its rule
// and the records carrying it, and the shared values refused; an unknown
// customer is a 404; signed out, it redirects to the sign-in.
func TestCustomerExplainPage(t *testing.T) {
	c := newClient(t, withCustomers{newFake()})
	if resp, _ := c.do("GET", "/ui/customers/cx-7/explain", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("explain signed out = %d, want 303 to sign in", resp.StatusCode)
	}
	c.login("view-token-0123456789")
	if _, body := c.do("GET", "/ui/customers/cx-7", nil); !strings.Contains(body, `href="/ui/customers/cx-7/explain"`) {
		t.Error("the profile page does not link to the explain view")
	}
	resp, body := c.do("GET", "/ui/customers/cx-7/explain", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("explain = %d, want 200:\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{`data-record="crm/contacts/1007"`, `data-record="shop/orders/562"`, "interaction",
		"anita@example.com", "links: shop.orders.customer_id", "shop/customers/694, shop/orders/562",
		"15550000000", "carried by more than 5 customers", `href="/ui/customers/cx-7"`} {
		if !strings.Contains(body, want) {
			t.Errorf("explain page lacks %q", want)
		}
	}
	if resp, _ := c.do("GET", "/ui/customers/cx-99/explain", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("explain of an unknown customer = %d, want 404", resp.StatusCode)
	}
}

// TestCustomersPages: with a customer backend the nav has Customers; the
// search finds a customer and the profile page shows its fields, its ids
// in every system and the timeline; an unknown customer is a 404; signed
// out, the pages redirect to the sign-in.
func TestCustomersPages(t *testing.T) {
	c := newClient(t, withCustomers{newFake()})
	if resp, _ := c.do("GET", "/ui/customers/", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("customers signed out = %d, want 303 to sign in", resp.StatusCode)
	}
	c.login("view-token-0123456789")
	if _, body := c.do("GET", "/", nil); !strings.Contains(body, `href="/ui/customers/"`) {
		t.Error("no customers entry in the nav with a customers backend")
	}
	if _, body := c.do("GET", "/ui/customers/?q=anita", nil); !strings.Contains(body, `href="/ui/customers/cx-7"`) || !strings.Contains(body, "Anita Rhodes") {
		t.Errorf("search page lacks the result:\n%s", body)
	}
	_, body := c.do("GET", "/ui/customers/cx-7", nil)
	for _, want := range []string{"Anita Rhodes", "crm/contacts/1007", "shop.customers", "694", "#1349", "59.98", "Cannot log in"} {
		if !strings.Contains(body, want) {
			t.Errorf("profile page lacks %q", want)
		}
	}
	if strings.Index(body, "Cannot log in") > strings.Index(body, "#1349") {
		t.Error("the timeline is not newest first")
	}
	if resp, _ := c.do("GET", "/ui/customers/cx-99", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown customer = %d, want 404", resp.StatusCode)
	}
}

// TestUnknownPipelinePages: a misspelt pipeline in a page's URL is a 404
// that names it and suggests the pipeline meant, not an empty page; a
// pipeline gone from the config whose runs or dead letters the state still
// holds keeps its pages (its runs, no actions), as the API's rule has it.
func TestUnknownPipelinePages(t *testing.T) {
	c := newClient(t, newFake())
	c.login("op-token-0123456789")
	for _, page := range []string{"/ui/dead-letters?pipeline=contcts", "/ui/dead-letters?pipeline=contcts&status=all&kind=bad_record", "/ui/pipelines/contcts"} {
		resp, body := c.do("GET", page, nil)
		body = html.UnescapeString(body)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s = %d, want 404", page, resp.StatusCode)
		}
		for _, want := range []string{`No pipeline named "contcts"`, `did you mean "contacts"?`, "contacts, tickets"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s lacks %q", page, want)
			}
		}
	}
	resp, body := c.do("GET", "/ui/dead-letters?pipeline=legacy&status=all", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `data-key="l1"`) || !strings.Contains(body, `<option selected>legacy</option>`) {
		t.Errorf("the dead letters of a pipeline gone from the config = %d:\n%s", resp.StatusCode, body)
	}
	resp, body = c.do("GET", "/ui/pipelines/legacy", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "legacy went away") || !strings.Contains(body, "no longer in the config") {
		t.Errorf("the page of a pipeline gone from the config = %d:\n%s", resp.StatusCode, body)
	}
	for _, action := range []string{"/trigger", "/pause", "/resume"} {
		if strings.Contains(body, action) {
			t.Errorf("the page of a pipeline gone from the config offers %s", action)
		}
	}
}

// TestDeadLettersPagesReachEveryOne: the dead-letters page asks the
// backend for the reason it is filtered by (so the filter looks at every
// dead letter, not at the oldest page), and a full page links to the next
// one, after its last id, keeping the filter. With 201 pending dead
// letters, the newest a conflict, the page filtered by conflict showed
// none, and nothing led past the oldest 200.
func TestDeadLettersPagesReachEveryOne(t *testing.T) {
	f := newFake()
	f.letters = nil
	for i := range 201 {
		kind := "bad_record"
		if i == 200 {
			kind = "conflict"
		}
		f.letters = append(f.letters, DeadLetter{ID: int64(1000 + i), Pipeline: "contacts", Key: fmt.Sprintf("k%03d", i),
			ErrorKind: kind, Error: "refused", Status: state.DeadLetterPending, Payload: `{}`})
	}
	c := newClient(t, f)
	c.login("view-token-0123456789")
	nextLink := regexp.MustCompile(`href="(/ui/dead-letters\?[^"]*)" rel="next"`)
	get := func(path string) (string, string) {
		t.Helper()
		resp, body := c.do("GET", path, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s = %d:\n%s", path, resp.StatusCode, body)
		}
		next := ""
		if m := nextLink.FindStringSubmatch(body); m != nil {
			next = html.UnescapeString(m[1])
		}
		return body, next
	}

	body, next := get("/ui/dead-letters?pipeline=contacts&kind=conflict")
	if !strings.Contains(body, `data-key="k200"`) || strings.Count(body, "data-dead-letter=") != 1 || next != "" {
		t.Errorf("the page of conflicts shows %d dead letters (k200: %v), next page %q; want k200 alone, no next page",
			strings.Count(body, "data-dead-letter="), strings.Contains(body, `data-key="k200"`), next)
	}
	if !strings.Contains(body, `<option selected>conflict</option>`) || !strings.Contains(body, `<option >transient</option>`) &&
		!strings.Contains(body, `<option>transient</option>`) {
		t.Errorf("the reason filter does not offer conflict (chosen) and every error kind")
	}

	body, next = get("/ui/dead-letters?pipeline=contacts")
	if n := strings.Count(body, "data-dead-letter="); n != 200 || !strings.Contains(body, `data-key="k199"`) || strings.Contains(body, `data-key="k200"`) {
		t.Errorf("the first page shows %d dead letters, want the oldest 200, k000 to k199", n)
	}
	if text := strings.Join(strings.Fields(body), " "); !strings.Contains(text, "200 shown, oldest first, of 201 pending dead letters") {
		t.Errorf("the first page does not say what it shows of how many")
	}
	u, err := url.Parse(next)
	if err != nil || u.Query().Get("after") != "1199" || u.Query().Get("pipeline") != "contacts" || u.Query().Get("status") != "pending" {
		t.Fatalf("the first page's next page = %q, want the same filter after 1199 (k199's id)", next)
	}
	body, next = get(next)
	if n := strings.Count(body, "data-dead-letter="); n != 1 || !strings.Contains(body, `data-key="k200"`) || next != "" {
		t.Errorf("the second page shows %d dead letters (k200: %v), next page %q; want k200 alone, the last page", n, strings.Contains(body, `data-key="k200"`), next)
	}
	if !strings.Contains(body, "First page") {
		t.Errorf("the second page does not lead back to the first")
	}
	if resp, body := c.do("GET", "/ui/dead-letters?after=soon", nil); resp.StatusCode != 400 || !strings.Contains(body, "after: expected") {
		t.Errorf("GET /ui/dead-letters?after=soon = %d, want 400 saying what after takes:\n%s", resp.StatusCode, body)
	}
}
