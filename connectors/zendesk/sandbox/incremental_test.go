package sandbox

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"
)

// export reads an incremental export from query to end_of_stream, pages of
// perPage, and returns the ids in order and the last after_cursor.
func (e *env) export(kind, query string, perPage int) ([]int64, string) {
	e.t.Helper()
	var ids []int64
	next := fmt.Sprintf("/api/v2/incremental/%s/cursor.json?%s&per_page=%d", kind, query, perPage)
	for pages := 0; ; pages++ {
		if pages > 1000 {
			e.t.Fatal("export does not end")
		}
		r := e.do("GET", next, nil, nil)
		if r.status != 200 {
			e.t.Fatalf("GET %s: %d %s", next, r.status, r.body)
		}
		body := r.json(e.t)
		items := body[kind].([]any)
		if len(items) > perPage {
			e.t.Fatalf("page of %d items, asked %d", len(items), perPage)
		}
		for _, it := range items {
			ids = append(ids, int64(it.(map[string]any)["id"].(float64)))
		}
		cursor, _ := body["after_cursor"].(string)
		if cursor == "" || body["before_cursor"] != nil {
			e.t.Fatalf("page without after_cursor, or with a before_cursor: %s", r.body)
		}
		if body["end_of_stream"] == true {
			return ids, cursor
		}
		u, err := url.Parse(body["after_url"].(string))
		if err != nil || u.Query().Get("cursor") != cursor {
			e.t.Fatalf("after_url %v does not carry after_cursor %s", body["after_url"], cursor)
		}
		next = u.String()
	}
}

func TestIncrementalTicketsOrderAndResume(t *testing.T) {
	clock := newFakeClock()
	e := startSandbox(t, Options{Seed: 3, Users: 10, Tickets: 40, Now: clock.Now, NoRateLimits: true})
	ids, cursor := e.export("tickets", "start_time=0", 7)
	all := e.sb.Tickets()
	if len(ids) != len(all) {
		t.Fatalf("export gave %d tickets, sandbox holds %d", len(ids), len(all))
	}
	byID := map[int64]Ticket{}
	for _, tk := range all {
		byID[tk.ID] = tk
	}
	for i := 1; i < len(ids); i++ {
		a, b := byID[ids[i-1]], byID[ids[i]]
		if b.UpdatedAt.Before(a.UpdatedAt) || (b.UpdatedAt.Equal(a.UpdatedAt) && b.ID <= a.ID) {
			t.Fatalf("tickets %d then %d are not in (updated_at, id) order", a.ID, b.ID)
		}
	}
	if again, _ := e.export("tickets", "cursor="+cursor, 7); len(again) != 0 {
		t.Errorf("from the final cursor with no change: %v, want nothing", again)
	}
	// A change is left out for a minute, then exported once, after the cursor.
	changed := []int64{all[5].ID, all[20].ID, all[33].ID}
	if err := e.sb.TouchTickets(changed...); err != nil {
		t.Fatal(err)
	}
	added, err := e.sb.AddTickets(2)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := e.export("tickets", "cursor="+cursor, 7); len(got) != 0 {
		t.Errorf("changes inside the last minute were exported: %v", got)
	}
	e.sb.Advance(ExclusionWindow + time.Second)
	got, _ := e.export("tickets", "cursor="+cursor, 2)
	want := append(slices.Clone(changed), added[0].ID, added[1].ID)
	slices.Sort(want)
	sorted := slices.Sorted(slices.Values(got))
	if !slices.Equal(sorted, want) {
		t.Errorf("export after the changes: %v, want exactly %v", got, want)
	}
}

func TestIncrementalStartTime(t *testing.T) {
	clock := newFakeClock()
	e := startSandbox(t, Options{Seed: 4, Users: 30, Tickets: -1, Now: clock.Now, NoRateLimits: true})
	users := e.sb.Users()
	mid := users[len(users)/2].UpdatedAt.Unix()
	want := 0
	for _, u := range users {
		if u.UpdatedAt.Unix() >= mid {
			want++
		}
	}
	if got, _ := e.export("users", fmt.Sprintf("start_time=%d", mid), 1000); len(got) != want {
		t.Errorf("users from start_time %d: %d, want %d (updated at or after it)", mid, len(got), want)
	}
	tests := []struct {
		query string
		want  int
	}{
		{"", 400},
		{"start_time=abc", 400},
		{fmt.Sprintf("start_time=%d", clock.Now().Unix()-10), 400}, // too recent
		{"cursor=garbage", 400},
		{"start_time=0&per_page=0", 400},
		{"start_time=0&per_page=5000", 200}, // capped at 1000
	}
	for _, tt := range tests {
		if r := e.do("GET", "/api/v2/incremental/users/cursor.json?"+tt.query, nil, nil); r.status != tt.want {
			t.Errorf("?%s: %d %s, want %d", tt.query, r.status, r.body, tt.want)
		}
	}
}

func TestIncrementalUserShape(t *testing.T) {
	e := startSandbox(t, Options{Seed: 5, Users: 4, Tickets: -1})
	r := e.do("GET", "/api/v2/incremental/users/cursor.json?start_time=0", nil, nil)
	u := r.json(t)["users"].([]any)[0].(map[string]any)
	for _, field := range []string{"id", "url", "name", "email", "created_at", "updated_at", "role", "phone", "external_id", "tags", "active"} {
		if _, ok := u[field]; !ok {
			t.Errorf("user lacks %q: %v", field, u)
		}
	}
	if _, err := time.Parse(TimeFormat, u["updated_at"].(string)); err != nil {
		t.Errorf("updated_at %v is not Zendesk's format", u["updated_at"])
	}
}

func TestListsAndComments(t *testing.T) {
	e := startSandbox(t, Options{Seed: 6, Users: 25, Tickets: 12})
	// Cursor paging over users follows links.next.
	var seen []int64
	next := "/api/v2/users.json?page[size]=10"
	for next != "" {
		body := e.do("GET", next, nil, nil).json(t)
		for _, u := range body["users"].([]any) {
			seen = append(seen, int64(u.(map[string]any)["id"].(float64)))
		}
		more := body["meta"].(map[string]any)["has_more"].(bool)
		next, _ = body["links"].(map[string]any)["next"].(string)
		if more != (next != "") {
			t.Fatalf("has_more %v with links.next %q", more, next)
		}
	}
	if len(seen) != len(e.sb.Users()) || !slices.IsSorted(seen) {
		t.Errorf("cursor paging gave %d users (sorted: %v), want %d by id", len(seen), slices.IsSorted(seen), len(e.sb.Users()))
	}
	// Offset paging over tickets.
	body := e.do("GET", "/api/v2/tickets.json?per_page=5&page=3", nil, nil).json(t)
	if n := len(body["tickets"].([]any)); n != 2 || body["next_page"] != nil || body["previous_page"] == nil || body["count"].(float64) != 12 {
		t.Errorf("page 3 of 12 tickets by 5: %d tickets, next %v, previous %v, count %v", n, body["next_page"], body["previous_page"], body["count"])
	}
	if r := e.do("GET", "/api/v2/users.json?page[size]=101", nil, nil); r.status != 400 {
		t.Errorf("page[size]=101: %d, want 400", r.status)
	}
	// Show and comments.
	tk := e.sb.Tickets()[0]
	if got := e.do("GET", fmt.Sprintf("/api/v2/tickets/%d.json", tk.ID), nil, nil).json(t)["ticket"].(map[string]any); got["subject"] != tk.Subject {
		t.Errorf("show ticket: %v", got)
	}
	if r := e.do("GET", "/api/v2/tickets/999.json", nil, nil); r.status != 404 || r.json(t)["error"] != "RecordNotFound" {
		t.Errorf("missing ticket: %d %s", r.status, r.body)
	}
	if _, err := e.sb.AddComment(tk.ID, 0, "Latest word", false); err != nil {
		t.Fatal(err)
	}
	cs := e.do("GET", fmt.Sprintf("/api/v2/tickets/%d/comments.json", tk.ID), nil, nil).json(t)["comments"].([]any)
	last := cs[len(cs)-1].(map[string]any)
	if last["body"] != "Latest word" || last["public"] != false || last["type"] != "Comment" || last["author_id"].(float64) != float64(firstAgentID) {
		t.Errorf("last comment %v", last)
	}
	desc := e.do("GET", fmt.Sprintf("/api/v2/tickets/%d/comments.json?sort_order=desc", tk.ID), nil, nil).json(t)["comments"].([]any)
	if desc[0].(map[string]any)["body"] != "Latest word" {
		t.Errorf("sort_order=desc: first comment %v", desc[0])
	}
	if tick, _ := e.sb.Ticket(tk.ID); !tick.UpdatedAt.Equal(e.sb.Now().Truncate(time.Second)) {
		t.Errorf("a comment did not bump the ticket's updated_at: %v", tick.UpdatedAt)
	}
}
