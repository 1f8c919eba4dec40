package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// serveIncrementalTicketEvents answers the time-based incremental ticket
// event export, GET /api/v2/incremental/ticket_events.json?start_time=:
// the audits made at or after start_time, oldest first (by time, then id),
// leaving out the last minute's, up to per_page (1000 at most) a page. A
// page never splits a second: it takes every further audit of its last
// audit's second, so that the next page, asked from end_time (that
// second), cannot loop; it repeats that second's audits instead, as
// Zendesk's time-based exports do. end_of_stream says whether the page
// reached the newest audit before the exclusion horizon. With
// include=comment_events, comment events are whole comments; without,
// they only say comment_present and comment_public.
//
// An empty page has end_time and next_page null (unverified: Zendesk's
// documentation shows only non-empty pages).
func (s *Sandbox) serveIncrementalTicketEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	perPage := maxExportPage
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "InvalidValue", "per_page must be a positive integer")
			return
		}
		perPage = min(n, maxExportPage)
	}
	if q.Get("start_time") == "" {
		writeError(w, http.StatusBadRequest, "InvalidValue", "start_time is required")
		return
	}
	start, err := strconv.ParseInt(q.Get("start_time"), 10, 64)
	if err != nil || start < 0 {
		writeError(w, http.StatusBadRequest, "InvalidValue", "start_time must be a Unix time in seconds")
		return
	}
	withComments := slices.Contains(strings.Split(q.Get("include"), ","), "comment_events")
	s.mu.Lock()
	horizon := s.nowLocked().Add(-ExclusionWindow).Unix()
	if start > horizon {
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, "InvalidValue", "Too recent start_time. Use a start_time older than one minute.")
		return
	}
	var visible []*ticketAudit
	for _, a := range s.audits {
		if at := a.at.Unix(); at >= start && at <= horizon {
			visible = append(visible, a)
		}
	}
	slices.SortFunc(visible, func(a, b *ticketAudit) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return cmpID(a.id, b.id)
	})
	n := min(perPage, len(visible))
	for n > 0 && n < len(visible) && visible[n].at.Equal(visible[n-1].at) {
		n++
	}
	events := make([]any, n)
	for i, a := range visible[:n] {
		events[i] = a.render(withComments)
	}
	s.mu.Unlock()

	body := map[string]any{"ticket_events": events, "count": n, "end_of_stream": n == len(visible),
		"end_time": nil, "next_page": nil}
	if n > 0 {
		end := visible[n-1].at.Unix()
		next := url.Values{"start_time": {strconv.FormatInt(end, 10)}}
		if q.Get("include") != "" {
			next.Set("include", q.Get("include"))
		}
		if q.Get("per_page") != "" {
			next.Set("per_page", strconv.Itoa(perPage))
		}
		body["end_time"] = end
		body["next_page"] = baseURL(r) + "/incremental/ticket_events.json?" + next.Encode()
	}
	writeJSON(w, http.StatusOK, body)
}

// serveRedact is Zendesk's "Redact String in Comment":
// PUT /api/v2/tickets/{ticket}/comments/{id}/redact.json {"text": ".."}.
func (s *Sandbox) serveRedact(w http.ResponseWriter, r *http.Request) {
	ticketID, ok1 := pathID(r, "ticket")
	commentID, ok2 := pathID(r, "id")
	var req struct {
		Text string `json:"text"`
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil || json.Unmarshal(raw, &req) != nil || req.Text == "" {
		writeError(w, http.StatusBadRequest, "InvalidValue", "Parameter text is required")
		return
	}
	if !ok1 || !ok2 {
		writeError(w, http.StatusNotFound, "RecordNotFound", "Not found")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, found := s.tickets[ticketID]; !found {
		writeError(w, http.StatusNotFound, "RecordNotFound", "Not found")
		return
	}
	c, err := s.redactLocked(ticketID, commentID, req.Text)
	if err != nil {
		writeInvalid(w, "text", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"comment": c.render()})
}
