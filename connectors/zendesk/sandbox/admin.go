package sandbox

import (
	"fmt"
	"net/http"
	"time"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// adminPrefix is where the Zendesk sandbox's own admin endpoints live.
const adminPrefix = kit.AdminPrefix + "zendesk/"

// addAdmin registers the admin endpoints (record edits, the clock, jobs,
// webhook deliveries) beside the kit's.
func (s *Sandbox) addAdmin(mux *http.ServeMux) {
	mux.HandleFunc("GET "+adminPrefix+"summary", s.adminSummary)
	mux.HandleFunc("POST "+adminPrefix+"touch", s.adminTouch)
	mux.HandleFunc("POST "+adminPrefix+"add", s.adminAdd)
	mux.HandleFunc("POST "+adminPrefix+"comment", s.adminComment)
	mux.HandleFunc("GET "+adminPrefix+"clock", s.adminClock)
	mux.HandleFunc("POST "+adminPrefix+"clock", s.adminClock)
	mux.HandleFunc("POST "+adminPrefix+"reset", s.adminReset)
	mux.HandleFunc("POST "+adminPrefix+"fail-jobs", s.adminFailJobs)
	mux.HandleFunc("POST "+adminPrefix+"webhook", s.adminWebhook)
}

func (s *Sandbox) adminSummary(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	comments := 0
	for _, cs := range s.comments {
		comments += len(cs)
	}
	body := map[string]any{"users": len(s.users), "tickets": len(s.tickets), "comments": comments,
		"now": formatTime(s.nowLocked()), "subdomain": s.opts.Subdomain, "email": s.opts.Email}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}

// adminTouch: {"object":"users"|"tickets","ids":[..]} or {"object":..,"count":N}
// (the first N by id) → {"touched":[ids]}.
func (s *Sandbox) adminTouch(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Object string  `json:"object"`
		IDs    []int64 `json:"ids"`
		Count  int     `json:"count"`
	}
	if !kit.DecodeAdmin(w, r, &req) {
		return
	}
	ids := req.IDs
	var err error
	switch req.Object {
	case "users":
		if len(ids) == 0 {
			for _, u := range s.Users() {
				if len(ids) < req.Count && u.Role == "end-user" {
					ids = append(ids, u.ID)
				}
			}
		}
		err = s.TouchUsers(ids...)
	case "tickets":
		if len(ids) == 0 {
			for _, t := range s.Tickets() {
				if len(ids) < req.Count {
					ids = append(ids, t.ID)
				}
			}
		}
		err = s.TouchTickets(ids...)
	default:
		err = fmt.Errorf(`object %q: want "users" or "tickets"`, req.Object)
	}
	if err != nil {
		kit.AdminFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"touched": ids})
}

// adminAdd: {"object":"users"|"tickets","count":N} → {"added":[ids]}.
func (s *Sandbox) adminAdd(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Object string `json:"object"`
		Count  int    `json:"count"`
	}
	if !kit.DecodeAdmin(w, r, &req) {
		return
	}
	if req.Count < 0 || req.Count > 100000 {
		kit.AdminFail(w, fmt.Errorf("count %d: want 0 to 100000", req.Count))
		return
	}
	ids := []int64{}
	switch req.Object {
	case "users":
		for _, u := range s.AddUsers(req.Count) {
			ids = append(ids, u.ID)
		}
	case "tickets":
		ts, err := s.AddTickets(req.Count)
		if err != nil {
			kit.AdminFail(w, err)
			return
		}
		for _, t := range ts {
			ids = append(ids, t.ID)
		}
	default:
		kit.AdminFail(w, fmt.Errorf(`object %q: want "users" or "tickets"`, req.Object))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"added": ids})
}

// adminComment: {"ticket_id":N,"body":"..","public":true,"author_id":0} → the comment's id.
func (s *Sandbox) adminComment(w http.ResponseWriter, r *http.Request) {
	var req struct {
		TicketID int64  `json:"ticket_id"`
		AuthorID int64  `json:"author_id"`
		Body     string `json:"body"`
		Public   *bool  `json:"public"`
	}
	if !kit.DecodeAdmin(w, r, &req) {
		return
	}
	c, err := s.AddComment(req.TicketID, req.AuthorID, req.Body, req.Public == nil || *req.Public)
	if err != nil {
		kit.AdminFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": c.ID, "ticket_id": c.TicketID})
}

// adminClock: GET → {"now":..}; POST {"advance":"2m"} moves the clock first.
func (s *Sandbox) adminClock(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		var req struct {
			Advance kit.Duration `json:"advance"`
		}
		if !kit.DecodeAdmin(w, r, &req) {
			return
		}
		if req.Advance < 0 {
			kit.AdminFail(w, fmt.Errorf("advance: the clock only moves forward"))
			return
		}
		s.Advance(time.Duration(req.Advance))
	}
	writeJSON(w, http.StatusOK, map[string]string{"now": formatTime(s.Now())})
}

// adminReset: {"users":N,"tickets":M} reseeds the data.
func (s *Sandbox) adminReset(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Users   int `json:"users"`
		Tickets int `json:"tickets"`
	}
	if !kit.DecodeAdmin(w, r, &req) {
		return
	}
	if err := s.Reset(req.Users, req.Tickets); err != nil {
		kit.AdminFail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// adminFailJobs: {"count":N} makes the next N bulk jobs fail.
func (s *Sandbox) adminFailJobs(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Count int `json:"count"`
	}
	if !kit.DecodeAdmin(w, r, &req) {
		return
	}
	s.FailNextJobs(req.Count)
	w.WriteHeader(http.StatusNoContent)
}

// adminWebhook: {"ticket_id":N} or {"user_id":N}, with an optional "type",
// → {"headers":{..},"body":"<the exact body signed>"}: what Zendesk would
// POST, for a demo to send on to cxhub.
func (s *Sandbox) adminWebhook(w http.ResponseWriter, r *http.Request) {
	var req struct {
		TicketID int64  `json:"ticket_id"`
		UserID   int64  `json:"user_id"`
		Type     string `json:"type"`
	}
	if !kit.DecodeAdmin(w, r, &req) {
		return
	}
	var (
		h    http.Header
		body []byte
		err  error
	)
	if req.UserID != 0 {
		h, body, err = s.UserEvent(req.UserID, req.Type)
	} else {
		h, body, err = s.TicketEvent(req.TicketID, req.Type)
	}
	if err != nil {
		kit.AdminFail(w, err)
		return
	}
	headers := map[string]string{}
	for k := range h {
		headers[k] = h.Get(k)
	}
	writeJSON(w, http.StatusOK, map[string]any{"headers": headers, "body": string(body)})
}
