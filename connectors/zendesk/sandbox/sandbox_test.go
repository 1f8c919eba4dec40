package sandbox

import (
	"net/http"
	"strings"
	"testing"
	"time"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

func TestDefaultSeed(t *testing.T) {
	sb, err := New(Options{Seed: 1, Now: newFakeClock().Now})
	if err != nil {
		t.Fatal(err)
	}
	users, tickets := sb.Users(), sb.Tickets()
	endUsers := map[int64]User{}
	for _, u := range users {
		if u.Role == "end-user" {
			endUsers[u.ID] = u
		}
	}
	if len(endUsers) != DefaultUsers || len(users) != DefaultUsers+len(agents) || len(tickets) != DefaultTickets {
		t.Fatalf("seeded %d users (%d end users), %d tickets; want %d end users + %d agents, %d tickets",
			len(users), len(endUsers), len(tickets), DefaultUsers, len(agents), DefaultTickets)
	}
	// Even users are the HubSpot sandbox's contacts, with their email spelled otherwise.
	people := kit.People(1, hubspotPeople)
	shared, respelled := 0, 0
	for _, u := range endUsers {
		if u.PersonIndex < 0 || u.PersonIndex >= hubspotPeople {
			continue
		}
		shared++
		p := people[u.PersonIndex]
		if normalEmail(u.Email) != p.Email {
			t.Errorf("user %d is person %d but has email %q, want a spelling of %q", u.ID, p.Index, u.Email, p.Email)
		}
		if u.Email != p.Email {
			respelled++
		}
	}
	if shared != DefaultUsers/2 || respelled < shared/2 {
		t.Errorf("%d users shared with HubSpot (%d spelled differently); want %d, most respelled", shared, respelled, DefaultUsers/2)
	}
	horizon := sb.Now().Add(-ExclusionWindow)
	for _, tk := range tickets {
		if _, ok := endUsers[tk.RequesterID]; !ok {
			t.Fatalf("ticket %d requested by %d, who is not an end user", tk.ID, tk.RequesterID)
		}
		cs := sb.Comments(tk.ID)
		if len(cs) < 1 || len(cs) > 4 {
			t.Fatalf("ticket %d has %d comments, want 1 to 4", tk.ID, len(cs))
		}
		if !cs[len(cs)-1].CreatedAt.Equal(tk.UpdatedAt) || tk.UpdatedAt.Before(tk.CreatedAt) || tk.UpdatedAt.After(horizon) {
			t.Fatalf("ticket %d: created %v, updated %v, last comment %v: want updated = last comment, before the exclusion horizon",
				tk.ID, tk.CreatedAt, tk.UpdatedAt, cs[len(cs)-1].CreatedAt)
		}
	}
	again, _ := New(Options{Seed: 1, Now: newFakeClock().Now})
	if a, b := again.Tickets(), tickets; a[100].Subject != b[100].Subject || a[100].RequesterID != b[100].RequesterID {
		t.Error("the same seed gave other tickets")
	}
}

func TestAuthentication(t *testing.T) {
	e := startSandbox(t, Options{Users: 3, Tickets: 2})
	tests := []struct {
		name       string
		user, pass string
		bearer     string
		want       int
	}{
		{"basic token", DefaultEmail + "/token", DefaultToken, "", 200},
		{"email in other case", "OPS@example.com/token", DefaultToken, "", 200},
		{"bearer", "", "", DefaultToken, 200},
		{"wrong token", DefaultEmail + "/token", "nope", "", 401},
		{"password, not token", DefaultEmail, DefaultToken, "", 401},
		{"other email", "someone@example.com/token", DefaultToken, "", 401},
		{"wrong bearer", "", "", "nope", 401},
		{"nothing", "", "", "", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.bearer != "" {
				h.Set("Authorization", "Bearer "+tt.bearer)
			}
			r := e.doAs("GET", "/api/v2/users/me.json", nil, h, tt.user, tt.pass)
			if r.status != tt.want {
				t.Fatalf("status %d, want %d: %s", r.status, tt.want, r.body)
			}
			if tt.want == 401 && r.json(t)["error"] != "Couldn't authenticate you" {
				t.Errorf("401 body %s, want Zendesk's", r.body)
			}
			if tt.want == 200 && r.json(t)["user"].(map[string]any)["email"] != DefaultEmail {
				t.Errorf("me = %s, want the admin", r.body)
			}
		})
	}
}

func TestRateLimits(t *testing.T) {
	e := startSandbox(t, Options{Users: 3, Tickets: 2, RateLimit: 5, IncrementalLimit: 2})
	for i := range 2 {
		r := e.do("GET", "/api/v2/incremental/users/cursor.json?start_time=0", nil, nil)
		if r.status != 200 || r.header.Get("X-Rate-Limit") != "5" || r.header.Get("X-Rate-Limit-Remaining") != []string{"4", "3"}[i] {
			t.Fatalf("export %d: %d, X-Rate-Limit %q, remaining %q", i, r.status, r.header.Get("X-Rate-Limit"), r.header.Get("X-Rate-Limit-Remaining"))
		}
	}
	r := e.do("GET", "/api/v2/incremental/tickets/cursor.json?start_time=0", nil, nil)
	if r.status != 429 || string(r.body) != "Too many requests" || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
		t.Fatalf("third export in the window: %d %q (%s), want 429 Too many requests as text", r.status, r.body, r.header.Get("Content-Type"))
	}
	if after := r.header.Get("Retry-After"); after == "" || after == "0" {
		t.Errorf("Retry-After %q, want whole seconds until the window frees", after)
	}
	r = e.do("GET", "/api/v2/users.json?page[size]=2", nil, nil)
	if r.status != 200 || r.header.Get("ratelimit-limit") != "5" || r.header.Get("ratelimit-remaining") != "1" || r.header.Get("ratelimit-reset") == "" {
		t.Errorf("list: %d, ratelimit-limit %q, -remaining %q, -reset %q; want 5, 1 and a reset",
			r.status, r.header.Get("ratelimit-limit"), r.header.Get("ratelimit-remaining"), r.header.Get("ratelimit-reset"))
	}
	e.do("GET", "/api/v2/users/me.json", nil, nil)
	if r := e.do("GET", "/api/v2/users/me.json", nil, nil); r.status != 429 || r.header.Get("X-Rate-Limit-Remaining") != "0" {
		t.Errorf("sixth request in the window: %d, remaining %q; want 429 and 0", r.status, r.header.Get("X-Rate-Limit-Remaining"))
	}
}

func TestRateWindowSlides(t *testing.T) {
	e := startSandbox(t, Options{Users: 1, Tickets: -1, RateLimit: 100, IncrementalLimit: 1, RateWindow: 50 * time.Millisecond})
	if r := e.do("GET", "/api/v2/incremental/users/cursor.json?start_time=0", nil, nil); r.status != 200 {
		t.Fatalf("first export: %d", r.status)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := e.do("GET", "/api/v2/incremental/users/cursor.json?start_time=0", nil, nil)
		if r.status == 200 {
			break
		}
		if r.status != 429 || time.Now().After(deadline) {
			t.Fatalf("export after the window: %d, want 200 within a few windows", r.status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestNoRateLimits(t *testing.T) {
	e := startSandbox(t, Options{Users: 1, Tickets: -1, IncrementalLimit: 1, NoRateLimits: true})
	for range 3 {
		if r := e.do("GET", "/api/v2/incremental/users/cursor.json?start_time=0", nil, nil); r.status != 200 {
			t.Fatalf("export with NoRateLimits: %d", r.status)
		}
	}
}

func TestFaults(t *testing.T) {
	e := startSandbox(t, Options{Users: 1, Tickets: 1, FaultRetryAfter: 3 * time.Second})
	tests := []struct {
		status int
		check  func(response) bool
	}{
		{503, func(r response) bool { return strings.Contains(string(r.body), `"error":"ServiceUnavailable"`) }},
		{429, func(r response) bool {
			return r.header.Get("Retry-After") == "3" && string(r.body) == "Too many requests"
		}},
		{401, func(r response) bool { return strings.Contains(string(r.body), "Couldn't authenticate you") }},
	}
	for _, tt := range tests {
		e.sb.Kit().FailNext(tt.status, 1)
		r := e.do("GET", "/api/v2/users/me.json", nil, nil)
		if r.status != tt.status || !tt.check(r) {
			t.Errorf("injected %d: got %d %s %v", tt.status, r.status, r.body, r.header)
		}
	}
	if r := e.do("GET", "/api/v2/users/me.json", nil, nil); r.status != 200 {
		t.Errorf("after the faults: %d", r.status)
	}
	if n := e.sb.Kit().Count("GET", "/api/v2/users/me.json"); n != 4 {
		t.Errorf("kit counted %d requests, want 4", n)
	}
}

func TestUnknownEndpointAndLoopback(t *testing.T) {
	e := startSandbox(t, Options{Users: 1, Tickets: 1})
	if r := e.do("GET", "/api/v2/organizations.json", nil, nil); r.status != 404 || r.json(t)["error"] != "InvalidEndpoint" {
		t.Errorf("unknown endpoint: %d %s", r.status, r.body)
	}
	if _, err := e.sb.Start("0.0.0.0:0"); err == nil {
		t.Error("Start on 0.0.0.0 succeeded, want loopback only")
	}
	if _, err := New(Options{RateLimit: -1}); err == nil {
		t.Error("New with a negative rate limit succeeded")
	}
}
