package sandbox

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

func TestCreateTicketIdempotency(t *testing.T) {
	e := startSandbox(t, Options{Seed: 7, Users: 5, Tickets: -1})
	body := map[string]any{"ticket": map[string]any{"subject": "Broken", "comment": map[string]any{"body": "It broke", "public": true},
		"requester": map[string]any{"email": "  New.Person@Example.org ", "name": "New Person"}, "external_id": "X1"}}
	key := http.Header{"Idempotency-Key": {"k-1"}}
	first := e.do("POST", "/api/v2/tickets.json", body, key)
	if first.status != 201 || first.header.Get("x-idempotency-lookup") != "miss" {
		t.Fatalf("first create: %d, lookup %q: %s", first.status, first.header.Get("x-idempotency-lookup"), first.body)
	}
	ticket := first.json(t)["ticket"].(map[string]any)
	id := int64(ticket["id"].(float64))
	if ticket["status"] != "new" || ticket["external_id"] != "X1" || ticket["description"] != "It broke" {
		t.Errorf("created ticket %v", ticket)
	}
	requester, _ := e.sb.User(int64(ticket["requester_id"].(float64)))
	if requester.Email != "new.person@example.org" || requester.Name != "New Person" {
		t.Errorf("requester made from the email: %+v", requester)
	}
	// The same key and parameters (in another key order) replay the first answer.
	again := e.do("POST", "/api/v2/tickets.json", `{"ticket":{"external_id":"X1","requester":{"name":"New Person","email":"  New.Person@Example.org "},"comment":{"public":true,"body":"It broke"},"subject":"Broken"}}`, key)
	if again.status != 201 || again.header.Get("x-idempotency-lookup") != "hit" || string(again.body) != string(first.body) {
		t.Errorf("replay: %d, lookup %q, same body %v", again.status, again.header.Get("x-idempotency-lookup"), string(again.body) == string(first.body))
	}
	// The same key with other parameters is refused.
	body["ticket"].(map[string]any)["subject"] = "Other"
	if r := e.do("POST", "/api/v2/tickets.json", body, key); r.status != 400 || r.json(t)["error"] != "IdempotentRequestError" {
		t.Errorf("same key, other body: %d %s, want 400 IdempotentRequestError", r.status, r.body)
	}
	// A dropped answer: the ticket is made, the client hears nothing; its retry hits.
	if err := e.sb.Kit().SetFaults(kit.Faults{DropAfterRate: 1}); err != nil {
		t.Fatal(err)
	}
	body["ticket"].(map[string]any)["external_id"] = "X2"
	key2 := http.Header{"Idempotency-Key": {"k-2"}}
	if _, err := e.try("POST", "/api/v2/tickets.json", body, key2, DefaultEmail+"/token", DefaultToken); err == nil {
		t.Fatal("the kit did not drop the answer")
	}
	if err := e.sb.Kit().SetFaults(kit.Faults{}); err != nil {
		t.Fatal(err)
	}
	retry := e.do("POST", "/api/v2/tickets.json", body, key2)
	if retry.status != 201 || retry.header.Get("x-idempotency-lookup") != "hit" {
		t.Errorf("retry after the drop: %d, lookup %q", retry.status, retry.header.Get("x-idempotency-lookup"))
	}
	if n := len(e.sb.TicketsByExternalID("X2")); n != 1 {
		t.Errorf("%d tickets with external_id X2 after a dropped answer and a retry, want 1", n)
	}
	if n := len(e.sb.Tickets()); n != 2 || id == 0 {
		t.Errorf("%d tickets, want 2", n)
	}
}

func TestCreateTicketValidation(t *testing.T) {
	e := startSandbox(t, Options{Seed: 8, Users: 2, Tickets: -1})
	tests := []struct {
		name  string
		body  string
		want  int
		field string
	}{
		{"no ticket", `{}`, 400, ""},
		{"not json", `{`, 400, ""},
		{"no comment", `{"ticket":{"subject":"x"}}`, 422, "base"},
		{"bad status", `{"ticket":{"comment":{"body":"x"},"status":"done"}}`, 422, "status"},
		{"bad requester email", `{"ticket":{"comment":{"body":"x"},"requester":{"email":"nope"}}}`, 422, "requester"},
		{"unknown requester id", `{"ticket":{"comment":{"body":"x"},"requester_id":5}}`, 422, "requester_id"},
		{"ok, admin requests", `{"ticket":{"comment":{"body":"Line one\nline two"}}}`, 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("POST", "/api/v2/tickets.json", tt.body, nil)
			if r.status != tt.want {
				t.Fatalf("%d %s, want %d", r.status, r.body, tt.want)
			}
			if tt.field != "" {
				if _, ok := r.json(t)["details"].(map[string]any)[tt.field]; !ok {
					t.Errorf("details %s do not name %q", r.body, tt.field)
				}
			}
			if tt.want == 201 && r.json(t)["ticket"].(map[string]any)["subject"] != "Line one" {
				t.Errorf("subject from the comment: %s", r.body)
			}
		})
	}
}

func TestUpdateTicket(t *testing.T) {
	e := startSandbox(t, Options{Seed: 9, Users: 3, Tickets: 3})
	var tk Ticket
	for _, c := range e.sb.Tickets() {
		if c.Status != "closed" {
			tk = c
		}
	}
	before := len(e.sb.Comments(tk.ID))
	e.sb.Advance(3600e9)
	r := e.do("PUT", fmt.Sprintf("/api/v2/tickets/%d.json", tk.ID), `{"ticket":{"status":"pending","comment":{"body":"We are on it","public":false}}}`, nil)
	if r.status != 200 || r.json(t)["ticket"].(map[string]any)["status"] != "pending" {
		t.Fatalf("update: %d %s", r.status, r.body)
	}
	got, _ := e.sb.Ticket(tk.ID)
	cs := e.sb.Comments(tk.ID)
	if len(cs) != before+1 || cs[len(cs)-1].Public || !got.UpdatedAt.After(tk.UpdatedAt) {
		t.Errorf("after update: %d comments (want %d), last public %v, updated %v (was %v)", len(cs), before+1, cs[len(cs)-1].Public, got.UpdatedAt, tk.UpdatedAt)
	}
	if r := e.do("PUT", "/api/v2/tickets/1.json", `{"ticket":{"status":"open"}}`, nil); r.status != 404 {
		t.Errorf("update of a missing ticket: %d", r.status)
	}
	e.do("PUT", fmt.Sprintf("/api/v2/tickets/%d.json", tk.ID), `{"ticket":{"status":"closed"}}`, nil)
	if r := e.do("PUT", fmt.Sprintf("/api/v2/tickets/%d.json", tk.ID), `{"ticket":{"status":"open"}}`, nil); r.status != 422 {
		t.Errorf("update of a closed ticket: %d, want 422", r.status)
	}
}

func TestCreateOrUpdateManyJob(t *testing.T) {
	e := startSandbox(t, Options{Seed: 10, Users: 4, Tickets: -1, JobPolls: 2})
	existing := e.sb.Users()[len(agents)]
	users := []map[string]any{
		{"email": "fresh@example.org", "name": "Fresh"},
		{"email": "not an email", "name": "Bad"},
		{"email": strings.ToUpper(strings.TrimSpace(existing.Email)), "phone": "+100"},
		{"external_id": "ext-9", "name": "By External"},
		{"email": "nameless@example.org"},
	}
	r := e.do("POST", "/api/v2/users/create_or_update_many.json", map[string]any{"users": users}, nil)
	job := r.json(t)["job_status"].(map[string]any)
	if r.status != 200 || job["status"] != "queued" || job["results"] != nil {
		t.Fatalf("job: %d %s", r.status, r.body)
	}
	var statuses []string
	var results []any
	for range 5 {
		js := e.do("GET", "/api/v2/job_statuses/"+job["id"].(string)+".json", nil, nil).json(t)["job_status"].(map[string]any)
		statuses = append(statuses, js["status"].(string))
		if js["status"] == "completed" {
			results = js["results"].([]any)
			break
		}
	}
	if strings.Join(statuses, ",") != "queued,working,completed" {
		t.Errorf("polls saw %v, want queued, working, completed", statuses)
	}
	want := []string{"Created", "Failed", "Updated", "Created", "Failed"}
	if len(results) != len(want) {
		t.Fatalf("results %v, want %d", results, len(want))
	}
	for i, res := range results {
		m := res.(map[string]any)
		if m["status"] != want[i] {
			t.Errorf("result %d: %v, want %s", i, m, want[i])
		}
		if m["status"] == "Failed" && (m["index"].(float64) != float64(i) || m["details"] == "" || m["error"] == "") {
			t.Errorf("failed result %d lacks index/error/details: %v", i, m)
		}
	}
	if u, _ := e.sb.User(existing.ID); u.Phone != "+100" || u.Email != existing.Email {
		t.Errorf("matched user by email: phone %q, email %q (want +100, the stored spelling kept)", u.Phone, u.Email)
	}
	if r := e.do("POST", "/api/v2/users/create_or_update_many.json", map[string]any{"users": make([]map[string]any, 101)}, nil); r.status != 400 {
		t.Errorf("101 users: %d, want 400", r.status)
	}
	e.sb.FailNextJobs(1)
	before := len(e.sb.Users())
	job = e.do("POST", "/api/v2/users/create_or_update_many.json", map[string]any{"users": users[:1]}, nil).json(t)["job_status"].(map[string]any)
	var last string
	for range 4 {
		last = e.do("GET", "/api/v2/job_statuses/"+job["id"].(string)+".json", nil, nil).json(t)["job_status"].(map[string]any)["status"].(string)
	}
	if last != "failed" || len(e.sb.Users()) != before {
		t.Errorf("failed job: status %q, %d users (was %d)", last, len(e.sb.Users()), before)
	}
	if r := e.do("GET", "/api/v2/job_statuses/V3-nope.json", nil, nil); r.status != 404 {
		t.Errorf("unknown job: %d", r.status)
	}
}

func TestCreateOrUpdateOne(t *testing.T) {
	e := startSandbox(t, Options{Seed: 11, Users: 2, Tickets: -1})
	r := e.do("POST", "/api/v2/users/create_or_update.json", `{"user":{"email":"one@example.org","name":"One","external_id":"E1"}}`, nil)
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	r = e.do("POST", "/api/v2/users/create_or_update.json", `{"user":{"external_id":"E1","email":"two@example.org"}}`, nil)
	if r.status != 200 || r.json(t)["user"].(map[string]any)["email"] != "two@example.org" {
		t.Errorf("update by external_id: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/api/v2/users/create_or_update.json", `{"user":{"email":"x@example.org"}}`, nil); r.status != 422 {
		t.Errorf("create without a name: %d, want 422", r.status)
	}
}
