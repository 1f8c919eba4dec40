package sandbox

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// maxListPage is the most items a list page holds.
const maxListPage = 100

// listed is one item of a list, by id.
type listed struct {
	id   int64
	item any
}

func (s *Sandbox) serveListUsers(w http.ResponseWriter, r *http.Request) {
	ext := r.URL.Query().Get("external_id")
	s.mu.Lock()
	var items []listed
	for _, u := range s.users {
		if ext == "" || u.ExternalID == ext {
			items = append(items, listed{u.ID, u.render(baseURL(r))})
		}
	}
	s.mu.Unlock()
	serveList(w, r, "users", items)
}

func (s *Sandbox) serveListTickets(w http.ResponseWriter, r *http.Request) {
	ext := r.URL.Query().Get("external_id")
	s.mu.Lock()
	var items []listed
	for _, t := range s.tickets {
		if ext == "" || t.ExternalID == ext {
			items = append(items, listed{t.ID, t.render(baseURL(r))})
		}
	}
	s.mu.Unlock()
	serveList(w, r, "tickets", items)
}

// serveList answers a list by id, with cursor paging (page[size],
// page[after]) when asked, else offset paging (page, per_page).
func serveList(w http.ResponseWriter, r *http.Request, kind string, items []listed) {
	slices.SortFunc(items, func(a, b listed) int { return cmpID(a.id, b.id) })
	q := r.URL.Query()
	if q.Has("page[size]") || q.Has("page[after]") {
		serveCursorList(w, r, kind, items)
		return
	}
	serveOffsetList(w, r, kind, items)
}

func cmpID(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func serveCursorList(w http.ResponseWriter, r *http.Request, kind string, items []listed) {
	q := r.URL.Query()
	size, ok := pageSize(q.Get("page[size]"))
	if !ok {
		writeError(w, http.StatusBadRequest, "InvalidPaginationParameter", "page[size] must be an integer from 1 to 100")
		return
	}
	if after := q.Get("page[after]"); after != "" {
		id, err := decodeID(after)
		if err != nil {
			writeError(w, http.StatusBadRequest, "InvalidPaginationParameter", err.Error())
			return
		}
		i, _ := slices.BinarySearchFunc(items, id, func(it listed, id int64) int { return cmpID(it.id, id) })
		if i < len(items) && items[i].id == id {
			i++
		}
		items = items[i:]
	}
	page := items[:min(size, len(items))]
	out := make([]any, len(page))
	for i, it := range page {
		out[i] = it.item
	}
	meta := map[string]any{"has_more": len(items) > size, "after_cursor": nil, "before_cursor": nil}
	links := map[string]any{"next": nil, "prev": nil}
	if len(page) > 0 {
		meta["after_cursor"] = encodeID(page[len(page)-1].id)
		meta["before_cursor"] = encodeID(page[0].id)
		if len(items) > size {
			next := cloneQuery(q)
			next.Set("page[after]", encodeID(page[len(page)-1].id))
			next.Set("page[size]", strconv.Itoa(size))
			links["next"] = baseURL(r) + strings.TrimPrefix(r.URL.Path, "/api/v2") + "?" + next.Encode()
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{kind: out, "meta": meta, "links": links})
}

func serveOffsetList(w http.ResponseWriter, r *http.Request, kind string, items []listed) {
	q := r.URL.Query()
	per, ok := pageSize(q.Get("per_page"))
	page := 1
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			ok = false
		}
		page = n
	}
	if !ok {
		writeError(w, http.StatusBadRequest, "InvalidPaginationParameter", "page and per_page must be positive integers (per_page at most 100)")
		return
	}
	from := min((page-1)*per, len(items))
	to := min(from+per, len(items))
	out := make([]any, 0, to-from)
	for _, it := range items[from:to] {
		out = append(out, it.item)
	}
	link := func(p int) any {
		if p < 1 || (p-1)*per >= len(items) {
			return nil
		}
		next := cloneQuery(q)
		next.Set("page", strconv.Itoa(p))
		next.Set("per_page", strconv.Itoa(per))
		return baseURL(r) + strings.TrimPrefix(r.URL.Path, "/api/v2") + "?" + next.Encode()
	}
	writeJSON(w, http.StatusOK, map[string]any{kind: out, "next_page": link(page + 1), "previous_page": link(page - 1), "count": len(items)})
}

// pageSize reads a page size: empty means 100.
func pageSize(v string) (int, bool) {
	if v == "" {
		return maxListPage, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxListPage {
		return 0, false
	}
	return n, true
}

func cloneQuery(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = slices.Clone(v)
	}
	return out
}

func (s *Sandbox) serveMe(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if u.Role == "admin" && strings.EqualFold(u.Email, s.opts.Email) {
			writeJSON(w, http.StatusOK, map[string]any{"user": u.render(baseURL(r))})
			return
		}
	}
	writeError(w, http.StatusNotFound, "RecordNotFound", "Not found")
}

func (s *Sandbox) serveShowUser(w http.ResponseWriter, r *http.Request) {
	s.serveShow(w, r, func(id int64) (map[string]any, bool) {
		u, found := s.users[id]
		if !found {
			return nil, false
		}
		return map[string]any{"user": u.render(baseURL(r))}, true
	})
}

func (s *Sandbox) serveShowTicket(w http.ResponseWriter, r *http.Request) {
	s.serveShow(w, r, func(id int64) (map[string]any, bool) {
		t, found := s.tickets[id]
		if !found {
			return nil, false
		}
		out := map[string]any{"ticket": t.render(baseURL(r))}
		if slices.Contains(strings.Split(r.URL.Query().Get("include"), ","), "users") {
			// The users the ticket names, once each, as Zendesk side-loads them.
			users, seen := []any{}, map[int64]bool{}
			for _, id := range []int64{t.RequesterID, t.SubmitterID, t.AssigneeID} {
				if u := s.users[id]; u != nil && !seen[id] {
					seen[id] = true
					users = append(users, u.render(baseURL(r)))
				}
			}
			out["users"] = users
		}
		return out, true
	})
}

// serveShow answers GET of one object by the id in the path: body builds
// the answer under the lock, or says there is no such object (404).
func (s *Sandbox) serveShow(w http.ResponseWriter, r *http.Request, body func(id int64) (map[string]any, bool)) {
	id, ok := pathID(r, "id")
	var out map[string]any
	found := false
	if ok {
		s.mu.Lock()
		out, found = body(id)
		s.mu.Unlock()
	}
	if !found {
		writeError(w, http.StatusNotFound, "RecordNotFound", "Not found")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// serveComments lists a ticket's comments, oldest first (sort_order=desc
// for newest first), with offset paging.
func (s *Sandbox) serveComments(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	s.mu.Lock()
	_, found := s.tickets[id]
	var items []listed
	for i, c := range s.comments[id] {
		items = append(items, listed{int64(i), c.render()})
	}
	s.mu.Unlock()
	if !ok || !found {
		writeError(w, http.StatusNotFound, "RecordNotFound", "Not found")
		return
	}
	if r.URL.Query().Get("sort_order") == "desc" {
		slices.Reverse(items)
	}
	serveOffsetList(w, r, "comments", items)
}
