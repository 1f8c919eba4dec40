package sandbox

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// maxExportPage is the most items an incremental export page holds.
const maxExportPage = 1000

// exported is one item of an incremental export.
type exported struct {
	pos  position
	item any
}

func (s *Sandbox) serveIncrementalUsers(w http.ResponseWriter, r *http.Request) {
	s.serveIncremental(w, r, "users", func(base string) []exported {
		out := make([]exported, 0, len(s.users))
		for _, u := range s.users {
			out = append(out, exported{position{u.UpdatedAt.Unix(), u.ID}, u.render(base)})
		}
		return out
	})
}

func (s *Sandbox) serveIncrementalTickets(w http.ResponseWriter, r *http.Request) {
	s.serveIncremental(w, r, "tickets", func(base string) []exported {
		out := make([]exported, 0, len(s.tickets))
		for _, t := range s.tickets {
			out = append(out, exported{position{t.UpdatedAt.Unix(), t.ID}, t.render(base)})
		}
		return out
	})
}

// serveIncremental answers a cursor-based incremental export: the items
// after the cursor (or updated at or after start_time), in (updated_at, id)
// order, leaving out those updated in the last minute; after_cursor is the
// position of the last item returned, and end_of_stream says whether more
// items before the exclusion horizon remain.
func (s *Sandbox) serveIncremental(w http.ResponseWriter, r *http.Request, kind string, all func(base string) []exported) {
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
	s.mu.Lock()
	now := s.nowLocked()
	horizon := now.Add(-ExclusionWindow).Unix()
	var from position
	switch {
	case q.Get("cursor") != "":
		p, err := decodePosition(q.Get("cursor"))
		if err != nil {
			s.mu.Unlock()
			writeError(w, http.StatusBadRequest, "InvalidCursor", err.Error())
			return
		}
		from = p
	case q.Get("start_time") != "":
		start, err := strconv.ParseInt(q.Get("start_time"), 10, 64)
		if err != nil || start < 0 {
			s.mu.Unlock()
			writeError(w, http.StatusBadRequest, "InvalidValue", "start_time must be a Unix time in seconds")
			return
		}
		if start > horizon {
			s.mu.Unlock()
			writeError(w, http.StatusBadRequest, "InvalidValue", "Too recent start_time. Use a start_time older than one minute.")
			return
		}
		from = position{At: start, ID: 0} // every item updated at or after start
	default:
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, "InvalidValue", "start_time or cursor is required")
		return
	}
	base := baseURL(r)
	items := all(base)
	s.mu.Unlock()

	visible := items[:0]
	for _, it := range items {
		if from.before(it.pos) && it.pos.At <= horizon {
			visible = append(visible, it)
		}
	}
	slices.SortFunc(visible, func(a, b exported) int {
		switch {
		case a.pos.before(b.pos):
			return -1
		case b.pos.before(a.pos):
			return 1
		}
		return 0
	})
	page := visible[:min(perPage, len(visible))]
	last := from
	out := make([]any, len(page))
	for i, it := range page {
		out[i] = it.item
		last = it.pos
	}
	next := url.Values{"cursor": {last.encode()}}
	if q.Get("per_page") != "" {
		next.Set("per_page", strconv.Itoa(perPage))
	}
	body := map[string]any{
		"after_url":     base + "/incremental/" + kind + "/cursor.json?" + next.Encode(),
		"after_cursor":  last.encode(),
		"before_url":    nil,
		"before_cursor": nil,
		"end_of_stream": len(visible) <= perPage,
	}
	body[kind] = out
	if kind == "tickets" && q.Get("include") == "users" {
		body["users"] = s.sideloadRequesters(page, base)
	}
	writeJSON(w, http.StatusOK, body)
}

// sideloadRequesters renders the requesters of a page of tickets, once
// each, as include=users side-loads them.
func (s *Sandbox) sideloadRequesters(page []exported, base string) []any {
	s.mu.Lock()
	defer s.mu.Unlock()
	users, seen := []any{}, map[int64]bool{}
	for _, it := range page {
		t, ok := it.item.(ticketJSON)
		if !ok || seen[t.RequesterID] {
			continue
		}
		seen[t.RequesterID] = true
		if u := s.users[t.RequesterID]; u != nil {
			users = append(users, u.render(base))
		}
	}
	return users
}
