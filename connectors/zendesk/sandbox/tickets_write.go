package sandbox

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"strings"
	"time"
)

// ticketInput is the "ticket" object of a create or update.
type ticketInput struct {
	Subject *string `json:"subject"`
	Comment *struct {
		Body     string `json:"body"`
		HTMLBody string `json:"html_body"`
		Public   *bool  `json:"public"`
		AuthorID int64  `json:"author_id"`
	} `json:"comment"`
	Requester *struct {
		Email string `json:"email"`
		Name  string `json:"name"`
	} `json:"requester"`
	RequesterID *int64    `json:"requester_id"`
	AssigneeID  *int64    `json:"assignee_id"`
	ExternalID  *string   `json:"external_id"`
	Status      *string   `json:"status"`
	Priority    *string   `json:"priority"`
	Type        *string   `json:"type"`
	Tags        *[]string `json:"tags"`
}

// idempotent is the remembered answer of a ticket create.
type idempotent struct {
	bodyHash [32]byte
	status   int
	body     []byte
	expires  time.Time
}

// readTicket decodes {"ticket": {...}}; it answers 400 and returns false
// when it cannot.
func readTicket(w http.ResponseWriter, raw []byte) (ticketInput, bool) {
	var req struct {
		Ticket *ticketInput `json:"ticket"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidValue", "the body is not a JSON object of the expected shape")
		return ticketInput{}, false
	}
	if req.Ticket == nil {
		writeError(w, http.StatusBadRequest, "InvalidValue", "Parameter ticket is required")
		return ticketInput{}, false
	}
	return *req.Ticket, true
}

// canonicalHash hashes the JSON body with keys sorted, so that two bodies
// with the same parameters compare equal whatever their key order.
func canonicalHash(raw []byte) [32]byte {
	var v any
	if json.Unmarshal(raw, &v) == nil {
		if b, err := json.Marshal(v); err == nil {
			raw = b
		}
	}
	return sha256.Sum256(raw)
}

func (s *Sandbox) serveCreateTicket(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidValue", "could not read the body")
		return
	}
	key := r.Header.Get("Idempotency-Key")
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.nowLocked()
	hash := canonicalHash(raw)
	if key != "" {
		if prev, ok := s.idempotency[key]; ok && now.Before(prev.expires) {
			if prev.bodyHash != hash {
				w.Header().Set("x-idempotency-lookup", "hit")
				writeError(w, http.StatusBadRequest, "IdempotentRequestError",
					"Request parameters do not match those of the original request with this Idempotency-Key")
				return
			}
			w.Header().Set("x-idempotency-lookup", "hit")
			w.Header().Set("Content-Type", "application/json;charset=utf-8")
			w.WriteHeader(prev.status)
			_, _ = w.Write(prev.body)
			return
		}
		w.Header().Set("x-idempotency-lookup", "miss")
	}
	in, ok := readTicket(w, raw)
	if !ok {
		return
	}
	t, problem := s.createTicketLocked(in, now)
	if problem != nil {
		writeInvalid(w, problem.field, problem.description)
		return
	}
	body, _ := json.Marshal(map[string]any{"ticket": t.render(baseURL(r)), "audit": audit(t, now)})
	if key != "" {
		s.idempotency[key] = idempotent{bodyHash: hash, status: http.StatusCreated, body: body, expires: now.Add(IdempotencyTTL)}
	}
	w.Header().Set("Location", fmt.Sprintf("%s/tickets/%d.json", baseURL(r), t.ID))
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(body)
}

// invalid is a validation failure of one field.
type invalid struct{ field, description string }

// createTicketLocked validates in and adds the ticket; the caller holds s.mu.
func (s *Sandbox) createTicketLocked(in ticketInput, now time.Time) (*Ticket, *invalid) {
	if in.Comment == nil || strings.TrimSpace(in.Comment.Body+in.Comment.HTMLBody) == "" {
		return nil, &invalid{"base", "Description: cannot be blank"}
	}
	if p := s.checkTicketFields(in); p != nil {
		return nil, p
	}
	requester := s.adminIDLocked()
	switch {
	case in.RequesterID != nil:
		if _, ok := s.users[*in.RequesterID]; !ok {
			return nil, &invalid{"requester_id", "Requester: is invalid"}
		}
		requester = *in.RequesterID
	case in.Requester != nil:
		u, p := s.findOrCreateRequesterLocked(in.Requester.Email, in.Requester.Name, now)
		if p != nil {
			return nil, p
		}
		requester = u.ID
	}
	now = now.Truncate(time.Second)
	body := in.Comment.Body
	if body == "" {
		body = in.Comment.HTMLBody
	}
	t := &Ticket{ID: s.nextTicketID, Description: body, Status: "new", RequesterID: requester,
		SubmitterID: requester, Channel: "api", CreatedAt: now, UpdatedAt: now}
	s.nextTicketID++
	subject := deref(in.Subject)
	if subject == "" {
		subject = firstLine(body)
	}
	t.Subject = subject
	s.applyTicketFields(t, in)
	if in.Status == nil && t.AssigneeID != 0 {
		t.Status = "open"
	}
	public := in.Comment.Public == nil || *in.Comment.Public
	first := &Comment{ID: s.nextCommentID, TicketID: t.ID, AuthorID: requester, Body: body, Public: public, CreatedAt: now}
	s.comments[t.ID] = append(s.comments[t.ID], first)
	s.nextCommentID++
	s.tickets[t.ID] = t
	s.recordAuditLocked(t.ID, s.adminIDLocked(), now, "API", creationEvents(t, first)...)
	return t, nil
}

// checkTicketFields validates the fields create and update share.
func (s *Sandbox) checkTicketFields(in ticketInput) *invalid {
	if in.Status != nil && !validStatus(*in.Status) {
		return &invalid{"status", fmt.Sprintf("Status: %q is not a valid status", *in.Status)}
	}
	if in.Priority != nil && !validPriority(*in.Priority) {
		return &invalid{"priority", fmt.Sprintf("Priority: %q is not a valid priority", *in.Priority)}
	}
	if in.AssigneeID != nil && *in.AssigneeID != 0 {
		if u, ok := s.users[*in.AssigneeID]; !ok || u.Role == "end-user" {
			return &invalid{"assignee_id", "Assignee: is not an agent"}
		}
	}
	return nil
}

// applyTicketFields sets the optional fields of in on t.
func (s *Sandbox) applyTicketFields(t *Ticket, in ticketInput) {
	if in.Status != nil {
		t.Status = *in.Status
	}
	if in.Priority != nil {
		t.Priority = *in.Priority
	}
	if in.Type != nil {
		t.Type = *in.Type
	}
	if in.ExternalID != nil {
		t.ExternalID = *in.ExternalID
	}
	if in.AssigneeID != nil {
		t.AssigneeID = *in.AssigneeID
	}
	if in.Tags != nil {
		t.Tags = append([]string(nil), (*in.Tags)...)
	}
}

// findOrCreateRequesterLocked finds the user with this email (without
// regard to case or surrounding spaces) or makes an end user.
func (s *Sandbox) findOrCreateRequesterLocked(email, name string, now time.Time) (*User, *invalid) {
	email = strings.TrimSpace(email)
	if _, err := mail.ParseAddress(email); err != nil || !strings.Contains(email, "@") {
		return nil, &invalid{"requester", fmt.Sprintf("Requester: Email: %s is not properly formatted", email)}
	}
	if u := s.userByEmailLocked(email); u != nil {
		return u, nil
	}
	if name == "" {
		name = email[:strings.IndexByte(email, '@')]
	}
	now = now.Truncate(time.Second)
	u := &User{ID: s.nextUserID, Name: name, Email: strings.ToLower(email), Role: "end-user",
		TimeZone: "London", Locale: "en-US", CreatedAt: now, UpdatedAt: now, PersonIndex: -1}
	s.nextUserID++
	s.putUser(u)
	return u, nil
}

// userByEmailLocked finds a user by email, ignoring case and spaces.
func (s *Sandbox) userByEmailLocked(email string) *User {
	if id, ok := s.byEmail[normalEmail(email)]; ok {
		return s.users[id]
	}
	return nil
}

func normalEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

func (s *Sandbox) adminIDLocked() int64 { return firstAgentID }

func (s *Sandbox) serveUpdateTicket(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidValue", "could not read the body")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, found := s.tickets[id]
	if !ok || !found {
		writeError(w, http.StatusNotFound, "RecordNotFound", "Not found")
		return
	}
	in, ok := readTicket(w, raw)
	if !ok {
		return
	}
	if t.Status == "closed" {
		writeInvalid(w, "status", "Status: closed prevents ticket update")
		return
	}
	if p := s.checkTicketFields(in); p != nil {
		writeInvalid(w, p.field, p.description)
		return
	}
	before := t.clone()
	if in.RequesterID != nil {
		if _, ok := s.users[*in.RequesterID]; !ok {
			writeInvalid(w, "requester_id", "Requester: is invalid")
			return
		}
		t.RequesterID = *in.RequesterID
	}
	now := s.nowLocked().Truncate(time.Second)
	if in.Subject != nil {
		t.Subject = *in.Subject
	}
	s.applyTicketFields(t, in)
	events := changeEvents(before, *t)
	if in.Comment != nil && strings.TrimSpace(in.Comment.Body+in.Comment.HTMLBody) != "" {
		body := in.Comment.Body
		if body == "" {
			body = in.Comment.HTMLBody
		}
		author := s.adminIDLocked()
		if _, ok := s.users[in.Comment.AuthorID]; ok {
			author = in.Comment.AuthorID
		}
		public := in.Comment.Public == nil || *in.Comment.Public
		c := &Comment{ID: s.nextCommentID, TicketID: t.ID, AuthorID: author, Body: body, Public: public, CreatedAt: now}
		s.comments[t.ID] = append(s.comments[t.ID], c)
		s.nextCommentID++
		events = append(events, auditEvent{kind: eventComment, comment: c})
	}
	t.UpdatedAt = now
	s.recordAuditLocked(t.ID, s.adminIDLocked(), now, "API", events...)
	writeJSON(w, http.StatusOK, map[string]any{"ticket": t.render(baseURL(r)), "audit": audit(t, now)})
}

// audit is the (event-less) audit Zendesk returns beside a changed ticket.
func audit(t *Ticket, now time.Time) map[string]any {
	return map[string]any{"id": t.ID*1000 + now.Unix()%1000, "ticket_id": t.ID, "created_at": formatTime(now),
		"author_id": firstAgentID, "events": []any{}}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 80 {
		s = s[:80]
	}
	return s
}
