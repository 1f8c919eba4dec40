package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/hub"
	"github.com/cxhub/cxhub/core/identity"
	"github.com/cxhub/cxhub/core/internal/testfiles"
	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

const customersViewerToken = "viewer-token-0123456789"

// customersConfig indexes 30 generated customers and their interactions,
// joined on email, phone and links.
const customersConfig = `version: 1
state: {path: state.db}
server:
  tokens:
    - {name: grafana, token: ` + customersViewerToken + `, role: viewer}
connections:
  gen: {connector: generator, config: {count: 30, record_size: 300, seed: 7}}
customers: {match: [email, phone, links]}
pipelines:
  - name: people
    from: {connection: gen, stream: customers}
    to:   {profiles: true}
  - name: events
    from: {connection: gen, stream: interactions}
    to:   {profiles: true}
`

// customersAPI is a running cxhub serve (Server.Run over a real hub)
// whose customer index holds the generator's customers.
type customersAPI struct {
	t    *testing.T
	base string
}

// startCustomersAPI builds the generator plugin, indexes its customers
// and interactions, and serves the API on a free port until the test ends.
func startCustomersAPI(t *testing.T) *customersAPI {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the generator plugin")
	}
	plugins := t.TempDir()
	bin := sdktest.BuildPlugin(t, "../../connectors/generator/cmd/cxhub-connector-generator")
	testfiles.CopyExecutable(t, bin, filepath.Join(plugins, "cxhub-connector-generator"))
	cfgPath := filepath.Join(t.TempDir(), "cxhub.yaml")
	if err := os.WriteFile(cfgPath, []byte(customersConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	h := hub.New(hub.Options{ConfigPath: cfgPath, PluginsDir: plugins, LogOutput: io.Discard})
	for _, p := range []string{"people", "events"} {
		if res := h.Sync(context.Background(), p); res.Err != nil || res.Status != state.RunSucceeded {
			t.Fatalf("sync %s: %v %v", p, res.Status, res.Err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- New(h, Options{Listener: ln, ShutdownGrace: time.Second}).Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("serve: %v", err)
		}
		h.Close()
	})
	a := &customersAPI{t: t, base: "http://" + ln.Addr().String()}
	a.waitReady(done)
	return a
}

// waitReady waits for /readyz to answer 200, or fails if serve ended.
func (a *customersAPI) waitReady(done chan error) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			done <- err
			a.t.Fatalf("serve ended before it was ready: %v", err)
		default:
		}
		if resp, err := http.Get(a.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	a.t.Fatal("serve was not ready within 30s")
}

// get requests path with token ("" for none) and returns the status and body.
func (a *customersAPI) get(path, token string) (int, []byte) {
	a.t.Helper()
	req, err := http.NewRequest("GET", a.base+path, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return resp.StatusCode, body
}

// getJSON requests path as a viewer, wants 200 and decodes the body into v.
func (a *customersAPI) getJSON(path string, v any) {
	a.t.Helper()
	status, body := a.get(path, customersViewerToken)
	if status != http.StatusOK {
		a.t.Fatalf("GET %s = %d, want 200: %s", path, status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		a.t.Fatalf("GET %s: %v: %s", path, err, body)
	}
}

// TestCustomersAPI: over a real index, the search honours its limit (a
// default of 20, at most 200, a bad limit is a 400), a customer is found
// by id and by email with its profile and timeline, explain lists its
// records and what joins them, an unknown customer is a 404, and every
// endpoint needs a token, a viewer's being enough.
func TestCustomersAPI(t *testing.T) {
	a := startCustomersAPI(t)

	var found []identity.Summary
	a.getJSON("/api/v1/customers?q=example&limit=5", &found)
	if len(found) != 5 {
		t.Errorf("search with limit=5 found %d customers, want 5", len(found))
	}
	a.getJSON("/api/v1/customers?q=example", &found)
	if len(found) != 20 {
		t.Errorf("search without a limit found %d customers, want the default 20", len(found))
	}
	a.getJSON("/api/v1/customers?q=example&limit=1000", &found)
	if len(found) != 30 {
		t.Fatalf("search with limit=1000 found %d customers, want all 30", len(found))
	}
	for _, bad := range []string{"0", "-3", "ten"} {
		status, body := a.get("/api/v1/customers?q=example&limit="+bad, customersViewerToken)
		if status != http.StatusBadRequest || !strings.Contains(string(body), "limit") {
			t.Errorf("limit=%s = %d %s, want 400 naming limit", bad, status, body)
		}
	}

	// A customer with interactions on its timeline, found by id and by email.
	p, ok := withTimeline(a, found)
	if !ok {
		t.Fatal("no customer has an interaction on its timeline")
	}
	var byEmail identity.Profile
	a.getJSON("/api/v1/customers/"+url.PathEscape(p.Emails[0]), &byEmail)
	if byEmail.ID != p.ID || len(byEmail.Timeline) != len(p.Timeline) {
		t.Errorf("by email %s: customer %s with %d interactions, want %s with %d",
			p.Emails[0], byEmail.ID, len(byEmail.Timeline), p.ID, len(p.Timeline))
	}
	if p.Fields["email"].Value == "" || p.ExternalIDs["gen.customers"] == nil {
		t.Errorf("profile %s lacks its email field or its gen.customers id: %+v", p.ID, p)
	}

	checkExplain(t, a, p)
	checkDashboardExplain(t, a, p)

	status, body := a.get("/api/v1/customers/cx-999999", customersViewerToken)
	if status != http.StatusNotFound {
		t.Errorf("an unknown customer = %d %s, want 404", status, body)
	}
	if status, _ := a.get("/api/v1/customers/nobody@example.invalid/explain", customersViewerToken); status != http.StatusNotFound {
		t.Errorf("explain of an unknown customer = %d, want 404", status)
	}

	for _, path := range []string{"/api/v1/customers?q=example", "/api/v1/customers/" + p.ID, "/api/v1/customers/" + p.ID + "/explain"} {
		if status, _ := a.get(path, ""); status != http.StatusUnauthorized {
			t.Errorf("GET %s without a token = %d, want 401", path, status)
		}
		if status, _ := a.get(path, "not-a-token-of-this-server"); status != http.StatusUnauthorized {
			t.Errorf("GET %s with an unknown token = %d, want 401", path, status)
		}
	}
}

// withTimeline returns the profile (by id) of the first of found whose
// timeline holds an interaction.
func withTimeline(a *customersAPI, found []identity.Summary) (identity.Profile, bool) {
	for _, s := range found {
		var p identity.Profile
		a.getJSON("/api/v1/customers/"+s.ID, &p)
		if p.ID != s.ID {
			a.t.Errorf("GET /api/v1/customers/%s answered customer %s", s.ID, p.ID)
		}
		if len(p.Timeline) > 0 && len(p.Emails) > 0 {
			return p, true
		}
	}
	return identity.Profile{}, false
}

// checkExplain wants explain of p to list p's customer record and its
// interactions, and a join of them through a rule.
func checkExplain(t *testing.T, a *customersAPI, p identity.Profile) {
	t.Helper()
	var ex identity.Explanation
	a.getJSON("/api/v1/customers/"+p.ID+"/explain", &ex)
	if ex.ID != p.ID {
		t.Errorf("explain of %s is of %s", p.ID, ex.ID)
	}
	kinds := map[string]int{}
	for _, r := range ex.Records {
		kinds[r.Kind]++
	}
	if kinds[identity.KindCustomer] == 0 || kinds[identity.KindInteraction] != len(p.Timeline) {
		t.Errorf("explain of %s lists records %v, want its customer record and its %d interactions", p.ID, kinds, len(p.Timeline))
	}
	joined := false
	for _, j := range ex.Joins {
		joined = joined || (len(j.Rules) > 0 && len(j.Records) >= 2)
	}
	if !joined {
		t.Errorf("explain of %s shows no join of two records through a rule: %+v", p.ID, ex.Joins)
	}
}

// checkDashboardExplain signs in to the dashboard as a viewer and follows
// the profile's link to the explain view, which lists p's records.
func checkDashboardExplain(t *testing.T, a *customersAPI, p identity.Profile) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar}
	page := func(path string) string {
		t.Helper()
		resp, err := c.Get(a.base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("dashboard %s = %d:\n%s", path, resp.StatusCode, body)
		}
		return string(body)
	}
	resp, err := c.PostForm(a.base+"/ui/login", url.Values{"token": {customersViewerToken}, "next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	explain := "/ui/customers/" + p.ID + "/explain"
	if body := page("/ui/customers/" + p.ID); !strings.Contains(body, `href="`+explain+`"`) {
		t.Errorf("the dashboard's profile of %s does not link to %s", p.ID, explain)
	}
	body := page(explain)
	for _, want := range append([]string{"Why " + p.ID}, refsOf(p)...) {
		if !strings.Contains(body, want) {
			t.Errorf("the dashboard's explain view of %s lacks %q", p.ID, want)
		}
	}
}

// refsOf are the data-record attributes of p's customer records and
// interactions, as the explain view writes them.
func refsOf(p identity.Profile) []string {
	var out []string
	for _, key := range p.ExternalIDs["gen.customers"] {
		out = append(out, `data-record="gen/customers/`+key+`"`)
	}
	for _, i := range p.Timeline {
		out = append(out, `data-record="`+i.Source.String()+`"`)
	}
	return out
}

// TestSearchLimit: the search's limit is 20 when absent, the number given
// otherwise up to 200, and a 400's message for anything but a positive number.
func TestSearchLimit(t *testing.T) {
	for v, want := range map[string]int{"": 20, "5": 5, "20": 20, "200": 200, "5000": 200} {
		got, err := searchLimit(httptest.NewRequest("GET", "/api/v1/customers?q=a&limit="+v, nil))
		if err != nil || got != want {
			t.Errorf("limit=%q: %d, %v; want %d", v, got, err, want)
		}
	}
	for _, v := range []string{"0", "-1", "ten", "1.5"} {
		if _, err := searchLimit(httptest.NewRequest("GET", "/api/v1/customers?q=a&limit="+v, nil)); err == nil || !strings.Contains(err.Error(), "limit") {
			t.Errorf("limit=%q: %v, want an error naming limit", v, err)
		}
	}
}
