package sandbox

import (
	"strconv"
	"testing"
	"time"
)

func TestRateLimits(t *testing.T) {
	_, c := testSandbox(t, Options{RateLimit: 3, RateInterval: time.Minute, SearchLimit: 2, SearchInterval: time.Minute, DailyLimit: 1000})
	for i := range 3 {
		r := c.must(200, "GET", "/crm/v3/objects/contacts?limit=1", nil)
		if got := r.header.Get("X-HubSpot-RateLimit-Remaining"); got != strconv.Itoa(2-i) {
			t.Errorf("request %d: remaining %q, want %d", i, got, 2-i)
		}
		if r.header.Get("X-HubSpot-RateLimit-Max") != "3" || r.header.Get("X-HubSpot-RateLimit-Interval-Milliseconds") != "60000" ||
			r.header.Get("X-HubSpot-RateLimit-Daily") != "1000" || r.header.Get("X-HubSpot-RateLimit-Daily-Remaining") != strconv.Itoa(999-i) {
			t.Errorf("request %d: headers %v", i, r.header)
		}
	}
	r := c.must(429, "GET", "/crm/v3/objects/contacts?limit=1", nil)
	if r.get("policyName").String() != "TEN_SECONDLY_ROLLING" || r.get("errorType").String() != "RATE_LIMIT" ||
		r.header.Get("X-HubSpot-RateLimit-Remaining") != "0" {
		t.Errorf("429: %s %v", r.body, r.header)
	}
	// Search has its own limit, and answers without the ten-second headers.
	for range 2 {
		r := c.must(200, "POST", "/crm/v3/objects/contacts/search", []byte(`{}`))
		if r.header.Get("X-HubSpot-RateLimit-Max") != "" {
			t.Errorf("search answer has rate-limit headers: %v", r.header)
		}
	}
	if r := c.must(429, "POST", "/crm/v3/objects/contacts/search", []byte(`{}`)); r.get("policyName").String() != "SECONDLY" {
		t.Errorf("search 429: %s", r.body)
	}
	// Another token has its own windows.
	_, c2 := testSandbox(t, Options{Tokens: []string{"a", "b"}, RateLimit: 1, RateInterval: time.Minute})
	c2.token = "a"
	c2.must(200, "GET", "/crm/v3/objects/contacts", nil)
	c2.must(429, "GET", "/crm/v3/objects/contacts", nil)
	c2.token = "b"
	c2.must(200, "GET", "/crm/v3/objects/contacts", nil)
}

func TestInjectedFaultsSpeakHubSpot(t *testing.T) {
	s, c := testSandbox(t, Options{})
	s.Kit().FailNext(429, 1)
	r := c.must(429, "GET", "/crm/v3/objects/contacts", nil)
	if r.get("policyName").String() != "TEN_SECONDLY_ROLLING" || r.header.Get("X-HubSpot-RateLimit-Remaining") != "0" {
		t.Errorf("injected 429: %s %v", r.body, r.header)
	}
	s.Kit().FailNext(503, 1)
	if r := c.must(503, "GET", "/crm/v3/objects/contacts", nil); r.get("status").String() != "error" {
		t.Errorf("injected 503: %s", r.body)
	}
	s.Kit().FailNext(401, 1)
	if r := c.must(401, "GET", "/crm/v3/objects/contacts", nil); r.get("category").String() != "INVALID_AUTHENTICATION" {
		t.Errorf("injected 401: %s", r.body)
	}
	if got := s.Kit().Count("GET", "/crm/v3/objects/contacts"); got != 3 {
		t.Errorf("counted %d requests, want 3", got)
	}
}

func TestDailyLimit(t *testing.T) {
	_, c := testSandbox(t, Options{DailyLimit: 2, RateLimit: 100})
	c.must(200, "GET", "/crm/v3/objects/contacts", nil)
	r := c.must(200, "GET", "/crm/v3/objects/contacts", nil)
	if r.header.Get("X-HubSpot-RateLimit-Daily-Remaining") != "0" {
		t.Errorf("daily remaining %q, want 0", r.header.Get("X-HubSpot-RateLimit-Daily-Remaining"))
	}
	if r := c.must(429, "GET", "/crm/v3/objects/contacts", nil); r.get("policyName").String() != "DAILY" {
		t.Errorf("past the daily limit: %s", r.body)
	}
}
