package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk/sdktest"
)

// start serves a sandbox for one test.
func start(t *testing.T, opts Options) (*Sandbox, string) {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := sdktest.StartSandbox(t, s)
	return s, srv.URL + "/admin/api/2025-01"
}

// call sends one request with the default token.
func call(t *testing.T, method, u, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	req.Header.Set("X-Shopify-Access-Token", DefaultToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp, m
}

var nextLink = regexp.MustCompile(`<([^>]+)>; rel="next"`)

func TestPagesFollowLinksAndRefuseFiltersBesidePageInfo(t *testing.T) {
	s, base := start(t, Options{Seed: 3, Customers: 120, Orders: -1, NoRateLimit: true})
	seen := map[float64]bool{}
	u := base + "/customers.json?limit=50&updated_at_min=2000-01-01T00:00:00-00:00&fields=id,email"
	pages := 0
	for u != "" {
		resp, body := call(t, "GET", u, "")
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v", u, resp.StatusCode, body)
		}
		pages++
		for _, c := range body["customers"].([]any) {
			m := c.(map[string]any)
			if len(m) != 2 {
				t.Errorf("fields=id,email gave %v", m)
			}
			id := m["id"].(float64)
			if seen[id] {
				t.Errorf("customer %v twice", id)
			}
			seen[id] = true
		}
		u = ""
		if m := nextLink.FindStringSubmatch(resp.Header.Get("Link")); m != nil {
			u = m[1]
			q, _ := url.ParseQuery(strings.SplitN(u, "?", 2)[1])
			if len(q) != 3 || q.Get("page_info") == "" || q.Get("limit") != "50" || q.Get("fields") != "id,email" {
				t.Errorf("next link %s: want limit, fields and page_info only", u)
			}
			// A filter beside page_info is refused, as Shopify does.
			if resp, body := call(t, "GET", u+"&updated_at_min=2000-01-01T00:00:00Z", ""); resp.StatusCode != 400 ||
				!strings.Contains(strings.ToLower(jsonText(body)), "page_info") {
				t.Errorf("page_info with updated_at_min: %d %v, want 400", resp.StatusCode, body)
			}
		}
	}
	if len(seen) != 120 || pages != 3 {
		t.Errorf("%d customers in %d pages, want 120 in 3", len(seen), pages)
	}
	if got := s.Kit().Count("GET", "/admin/api/2025-01/customers.json"); got != 5 {
		t.Errorf("%d list requests counted, want 5", got)
	}
}

func jsonText(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestLeakyBucketRefusesWithCallLimitAndFloatRetryAfter(t *testing.T) {
	_, base := start(t, Options{Seed: 1, Customers: 2, Orders: -1, BucketSize: 4, LeakRate: 1})
	var last *http.Response
	for i := range 5 {
		resp, _ := call(t, "GET", base+"/shop.json", "")
		if i < 4 && (resp.StatusCode != 200 || resp.Header.Get(CallLimitHeader) != []string{"1/4", "2/4", "3/4", "4/4"}[i]) {
			t.Errorf("request %d: %d, %s %q", i+1, resp.StatusCode, CallLimitHeader, resp.Header.Get(CallLimitHeader))
		}
		last = resp
	}
	if last.StatusCode != 429 || !regexp.MustCompile(`^\d+\.\d$`).MatchString(last.Header.Get("Retry-After")) ||
		last.Header.Get(CallLimitHeader) != "4/4" {
		t.Errorf("fifth request: %d, Retry-After %q, %s", last.StatusCode, last.Header.Get("Retry-After"), last.Header.Get(CallLimitHeader))
	}
	time.Sleep(1100 * time.Millisecond)
	if resp, _ := call(t, "GET", base+"/shop.json", ""); resp.StatusCode != 200 {
		t.Errorf("after a place drained: %d", resp.StatusCode)
	}
}

func TestCreateCustomerRefusesATakenEmailAndPhone(t *testing.T) {
	s, base := start(t, Options{Seed: 2, Customers: 3, Orders: -1, NoRateLimit: true})
	resp, body := call(t, "POST", base+"/customers.json", `{"customer":{"email":"Ann@Example.org","first_name":"Ann","phone":"0044 20 7946 0999"}}`)
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %v", resp.StatusCode, body)
	}
	c := body["customer"].(map[string]any)
	if c["email"] != "ann@example.org" || c["phone"] != "+442079460999" {
		t.Errorf("created %v, want the email lower-cased and the phone in E.164", c)
	}
	resp, body = call(t, "POST", base+"/customers.json", `{"customer":{"email":"ann@example.org "}}`)
	if resp.StatusCode != 422 || jsonText(body) != `{"errors":{"email":["has already been taken"]}}` {
		t.Errorf("second create: %d %s", resp.StatusCode, jsonText(body))
	}
	if n := len(s.CustomersByEmail("ann@example.org")); n != 1 {
		t.Errorf("%d customers with the email", n)
	}
	resp, body = call(t, "GET", base+"/customers/search.json?query=email:ANN@example.org", "")
	if resp.StatusCode != 200 || len(body["customers"].([]any)) != 1 {
		t.Errorf("search: %d %v", resp.StatusCode, body)
	}
}

func TestOrdersStatusAndSearchLag(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s, base := start(t, Options{Seed: 4, Customers: 20, Orders: 200, NoRateLimit: true, SearchLag: time.Minute, Now: func() time.Time { return now }})
	count := func(u string) int {
		t.Helper()
		resp, body := call(t, "GET", u, "")
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v", u, resp.StatusCode, body)
		}
		for _, k := range []string{"orders", "customers"} {
			if v, ok := body[k]; ok {
				return len(v.([]any))
			}
		}
		return -1
	}
	open, closed := 0, 0
	for _, o := range s.Orders() {
		if o.ClosedAt.IsZero() && o.CancelledAt.IsZero() {
			open++
		} else {
			closed++
		}
	}
	if got := count(base + "/orders.json?limit=250"); got != open || closed == 0 {
		t.Errorf("default status: %d orders, want the %d open ones (%d are closed or cancelled)", got, open, closed)
	}
	if got := count(base + "/orders.json?limit=250&status=any"); got != 200 {
		t.Errorf("status=any: %d orders, want 200", got)
	}
	c := s.AddCustomers(1)[0] // made now: search does not see it for a minute
	q := base + "/customers/search.json?query=" + url.QueryEscape(`email:"`+c.Email+`"`)
	if got := count(q); got != 0 {
		t.Errorf("search right after the create: %d, want 0 (the index lags)", got)
	}
	s.Advance(2 * time.Minute)
	if got := count(q); got != 1 {
		t.Errorf("search after the lag: %d, want 1", got)
	}
}

func TestSeedStampsNothingInTheFuture(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s, err := New(Options{Seed: 1, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	late, failed := 0, 0
	for _, o := range s.Orders() {
		if o.UpdatedAt.After(now) || o.CreatedAt.After(o.UpdatedAt) || o.ClosedAt.After(now) {
			t.Fatalf("order %d: created %s, updated %s, closed %s, now %s", o.ID, o.CreatedAt, o.UpdatedAt, o.ClosedAt, now)
		}
		for _, f := range o.Fulfillments {
			if f.UpdatedAt.After(o.UpdatedAt) || f.CreatedAt.After(f.UpdatedAt) {
				t.Fatalf("fulfillment %d: shipped %s, updated %s; its order updated %s", f.ID, f.CreatedAt, f.UpdatedAt, o.UpdatedAt)
			}
			switch {
			case f.ShipmentStatus == "failure":
				failed++
			case f.ShipmentStatus != "delivered" && now.Sub(f.CreatedAt) > LateAfter:
				late++
			}
		}
	}
	for _, c := range s.Customers() {
		if c.UpdatedAt.After(now) {
			t.Fatalf("customer %d updated %s, after now", c.ID, c.UpdatedAt)
		}
	}
	if late < 5 || failed < 5 || late+failed > 100 {
		t.Errorf("%d late and %d failed shipments of 3000 orders: want a few of each", late, failed)
	}
}
