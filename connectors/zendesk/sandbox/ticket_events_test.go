package sandbox

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// eventsPage is one page of the ticket events export.
type eventsPage struct {
	events  []map[string]any
	end     any // end_time: a number, or nil
	done    bool
	nextURL any
}

func (e *env) eventsPage(query string) eventsPage {
	e.t.Helper()
	r := e.do("GET", "/api/v2/incremental/ticket_events.json?"+query, nil, nil)
	if r.status != 200 {
		e.t.Fatalf("GET ticket_events?%s: %d %s", query, r.status, r.body)
	}
	body := r.json(e.t)
	var p eventsPage
	for _, ev := range body["ticket_events"].([]any) {
		p.events = append(p.events, ev.(map[string]any))
	}
	if int(body["count"].(float64)) != len(p.events) {
		e.t.Fatalf("count %v for %d events", body["count"], len(p.events))
	}
	p.end, p.done, p.nextURL = body["end_time"], body["end_of_stream"] == true, body["next_page"]
	return p
}

func TestTicketEventsExportCarriesEveryCommentInOrder(t *testing.T) {
	clock := newFakeClock()
	e := startSandbox(t, Options{Seed: 8, Users: 10, Tickets: 30, Now: clock.Now, NoRateLimits: true})
	want := map[float64]int64{} // comment id → ticket id
	for _, tk := range e.sb.Tickets() {
		for _, c := range e.sb.Comments(tk.ID) {
			want[float64(c.ID)] = tk.ID
		}
	}
	got := map[float64]bool{}
	start, lastTS, lastID := "0", 0.0, 0.0
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("the export does not end")
		}
		p := e.eventsPage("start_time=" + start + "&include=comment_events&per_page=9")
		for _, ev := range p.events {
			ts, id := ev["timestamp"].(float64), ev["id"].(float64)
			if ts < lastTS || (ts == lastTS && id < lastID) {
				t.Fatalf("event %v at %v after %v at %v: not in (time, id) order", id, ts, lastID, lastTS)
			}
			lastTS, lastID = ts, id
			if ev["event_type"] != "Audit" || ev["ticket_id"] == nil || ev["created_at"] == nil {
				t.Fatalf("event without the audit's fields: %v", ev)
			}
			for _, ch := range ev["child_events"].([]any) {
				c := ch.(map[string]any)
				if c["event_type"] != "Comment" {
					continue
				}
				if c["body"] == nil || c["author_id"] == nil || c["audit_id"] != ev["id"] {
					t.Fatalf("comment event without the comment: %v", c)
				}
				if want[c["id"].(float64)] != int64(ev["ticket_id"].(float64)) {
					t.Fatalf("comment %v under ticket %v", c["id"], ev["ticket_id"])
				}
				got[c["id"].(float64)] = true
			}
		}
		if p.done {
			break
		}
		if len(p.events) < 9 {
			t.Fatalf("a short page (%d) before the end of the stream", len(p.events))
		}
		u, err := url.Parse(p.nextURL.(string))
		if err != nil || u.Query().Get("start_time") != fmt.Sprint(int64(p.end.(float64))) || u.Query().Get("include") != "comment_events" {
			t.Fatalf("next_page %v does not ask from end_time %v with the include", p.nextURL, p.end)
		}
		start = u.Query().Get("start_time")
		lastTS, lastID = 0, 0 // the next page repeats the boundary second
	}
	if len(got) != len(want) {
		t.Fatalf("the export carried %d comments, the sandbox holds %d", len(got), len(want))
	}
}

func TestTicketEventsExportPagesNeverSplitASecond(t *testing.T) {
	clock := newFakeClock()
	e := startSandbox(t, Options{Seed: 9, Users: 3, Tickets: 2, Now: clock.Now, NoRateLimits: true})
	tk := e.sb.Tickets()[0]
	for i := range 5 { // five audits in one second
		if _, err := e.sb.AddComment(tk.ID, 0, fmt.Sprint("burst ", i), true); err != nil {
			t.Fatal(err)
		}
	}
	burst := clock.Now().Unix()
	e.sb.Advance(2 * time.Minute)
	p := e.eventsPage(fmt.Sprintf("start_time=%d&per_page=2", burst))
	if len(p.events) != 5 || p.end != float64(burst) || !p.done {
		t.Fatalf("page from the burst: %d events, end_time %v, end_of_stream %v; want all 5, %d, true", len(p.events), p.end, p.done, burst)
	}
	for _, ch := range p.events[0]["child_events"].([]any) {
		c := ch.(map[string]any)
		if c["event_type"] == "Comment" && (c["body"] != nil || c["comment_present"] != true) {
			t.Fatalf("without include=comment_events a comment event carries %v", c)
		}
	}
	empty := e.eventsPage(fmt.Sprintf("start_time=%d", burst+1))
	if len(empty.events) != 0 || !empty.done || empty.end != nil || empty.nextURL != nil {
		t.Fatalf("empty page: %+v", empty)
	}
}

func TestTicketEventsExportExclusionAndRedaction(t *testing.T) {
	clock := newFakeClock()
	e := startSandbox(t, Options{Seed: 10, Users: 3, Tickets: 2, Now: clock.Now, NoRateLimits: true})
	tk := e.sb.Tickets()[0]
	c, err := e.sb.AddComment(tk.ID, 0, "my card is 4111 1111", true)
	if err != nil {
		t.Fatal(err)
	}
	at := clock.Now().Unix()
	if r := e.do("GET", fmt.Sprintf("/api/v2/incremental/ticket_events.json?start_time=%d", at), nil, nil); r.status != 400 ||
		!strings.Contains(string(r.body), "Too recent start_time") {
		t.Fatalf("start_time inside the last minute: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/api/v2/incremental/ticket_events.json", nil, nil); r.status != 400 {
		t.Fatalf("no start_time: %d %s", r.status, r.body)
	}
	e.sb.Advance(30 * time.Second)
	if p := e.eventsPage(fmt.Sprintf("start_time=%d", at-60)); len(p.events) != 0 {
		t.Fatalf("an audit of 30s ago is exported: %v", p.events)
	}
	r := e.do("PUT", fmt.Sprintf("/api/v2/tickets/%d/comments/%d/redact.json", tk.ID, c.ID), map[string]string{"text": "4111 1111"}, nil)
	if r.status != 200 || !strings.Contains(string(r.body), "▇▇▇▇▇▇▇▇▇") {
		t.Fatalf("redact: %d %s", r.status, r.body)
	}
	e.sb.Advance(2 * time.Minute)
	p := e.eventsPage(fmt.Sprintf("start_time=%d&include=comment_events", at))
	if len(p.events) != 2 {
		t.Fatalf("want the comment's audit and the redaction's, got %d events", len(p.events))
	}
	comment := p.events[0]["child_events"].([]any)[0].(map[string]any)
	if strings.Contains(comment["body"].(string), "4111") {
		t.Errorf("the exported comment still shows the redacted text: %v", comment["body"])
	}
	redaction := p.events[1]["child_events"].([]any)[0].(map[string]any)
	if redaction["event_type"] != "CommentRedactionEvent" || redaction["comment_id"] != float64(c.ID) {
		t.Errorf("redaction event %v, want CommentRedactionEvent of comment %d", redaction, c.ID)
	}
}

func TestTicketEventsExportCountsAgainstTheIncrementalLimit(t *testing.T) {
	e := startSandbox(t, Options{Users: 3, Tickets: 2, RateLimit: 100, IncrementalLimit: 2})
	for i := range 3 {
		r := e.do("GET", "/api/v2/incremental/ticket_events.json?start_time=0", nil, nil)
		if want := map[bool]int{true: 429, false: 200}[i == 2]; r.status != want {
			t.Fatalf("export request %d: %d, want %d", i+1, r.status, want)
		}
	}
}
