package sandbox

import (
	"fmt"
	"slices"
	"time"
)

// Users returns a copy of every user, agents included, by id.
func (s *Sandbox) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runDueJobsLocked()
	out := make([]User, 0, len(s.users))
	for _, u := range s.users {
		out = append(out, u.clone())
	}
	slices.SortFunc(out, func(a, b User) int { return cmpID(a.ID, b.ID) })
	return out
}

// User returns a copy of the user with this id.
func (s *Sandbox) User(id int64) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runDueJobsLocked()
	u, ok := s.users[id]
	if !ok {
		return User{}, false
	}
	return u.clone(), true
}

// UsersByEmail returns the users whose email is email, ignoring case and
// surrounding spaces (at most one, unless seeded data collides).
func (s *Sandbox) UsersByEmail(email string) []User {
	var out []User
	for _, u := range s.Users() {
		if normalEmail(u.Email) == normalEmail(email) {
			out = append(out, u)
		}
	}
	return out
}

// Tickets returns a copy of every ticket, by id.
func (s *Sandbox) Tickets() []Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Ticket, 0, len(s.tickets))
	for _, t := range s.tickets {
		out = append(out, t.clone())
	}
	slices.SortFunc(out, func(a, b Ticket) int { return cmpID(a.ID, b.ID) })
	return out
}

// Ticket returns a copy of the ticket with this id.
func (s *Sandbox) Ticket(id int64) (Ticket, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tickets[id]
	if !ok {
		return Ticket{}, false
	}
	return t.clone(), true
}

// TicketsByExternalID returns the tickets whose external_id is ext.
func (s *Sandbox) TicketsByExternalID(ext string) []Ticket {
	var out []Ticket
	for _, t := range s.Tickets() {
		if t.ExternalID == ext {
			out = append(out, t)
		}
	}
	return out
}

// Comments returns a copy of a ticket's comments, oldest first.
func (s *Sandbox) Comments(ticketID int64) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Comment, 0, len(s.comments[ticketID]))
	for _, c := range s.comments[ticketID] {
		out = append(out, *c)
	}
	return out
}

// TouchUsers changes the users with these ids (their notes) and sets their
// updated_at to the clock's now, as an agent's edit would.
func (s *Sandbox) TouchUsers(ids ...int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if _, ok := s.users[id]; !ok {
			return fmt.Errorf("touch users: no user %d", id)
		}
	}
	now := s.nowLocked().Truncate(time.Second)
	for _, id := range ids {
		u := s.users[id]
		u.Notes = fmt.Sprintf("Edited at %s", formatTime(now))
		u.UpdatedAt = now
	}
	return nil
}

// TouchTickets changes the tickets with these ids (a tag, and the status of
// a new ticket to open) and sets their updated_at to the clock's now.
func (s *Sandbox) TouchTickets(ids ...int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if _, ok := s.tickets[id]; !ok {
			return fmt.Errorf("touch tickets: no ticket %d", id)
		}
	}
	now := s.nowLocked().Truncate(time.Second)
	for _, id := range ids {
		t := s.tickets[id]
		before := t.clone()
		if !slices.Contains(t.Tags, "touched") {
			t.Tags = append(t.Tags, "touched")
		}
		if t.Status == "new" {
			t.Status = "open"
		}
		t.UpdatedAt = now
		s.recordAuditLocked(t.ID, s.adminIDLocked(), now, "Web form", changeEvents(before, *t)...)
	}
	return nil
}

// AddUsers makes n new end users, dated now, and returns them.
func (s *Sandbox) AddUsers(n int) []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.nowLocked().Truncate(time.Second)
	out := make([]User, 0, n)
	for range n {
		id := s.nextUserID
		s.nextUserID++
		u := &User{ID: id, Name: fmt.Sprintf("New Customer %d", id-firstUserID), Email: fmt.Sprintf("new.customer.%d@example.org", id),
			Role: "end-user", TimeZone: "London", Locale: "en-US", CreatedAt: now, UpdatedAt: now, PersonIndex: -1}
		s.putUser(u)
		out = append(out, u.clone())
	}
	return out
}

// AddTickets makes n new tickets, each with one comment, requested by
// existing end users in turn, dated now, and returns them.
func (s *Sandbox) AddTickets(n int) ([]Ticket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var requesters []int64
	for _, u := range s.users {
		if u.Role == "end-user" {
			requesters = append(requesters, u.ID)
		}
	}
	if len(requesters) == 0 && n > 0 {
		return nil, fmt.Errorf("add tickets: the sandbox has no end user to request them")
	}
	slices.Sort(requesters)
	now := s.nowLocked().Truncate(time.Second)
	out := make([]Ticket, 0, n)
	for i := range n {
		topic := ticketTopics[int(s.nextTicketID)%len(ticketTopics)]
		req := requesters[(int(s.nextTicketID)+i)%len(requesters)]
		t := &Ticket{ID: s.nextTicketID, Subject: topic.subject, Description: topic.body, Status: "new",
			RequesterID: req, SubmitterID: req, Channel: "web", CreatedAt: now, UpdatedAt: now}
		s.nextTicketID++
		first := &Comment{ID: s.nextCommentID, TicketID: t.ID, AuthorID: req, Body: topic.body, Public: true, CreatedAt: now}
		s.comments[t.ID] = append(s.comments[t.ID], first)
		s.nextCommentID++
		s.tickets[t.ID] = t
		s.recordAuditLocked(t.ID, req, now, viaName(t.Channel), creationEvents(t, first)...)
		out = append(out, t.clone())
	}
	return out, nil
}

// AddComment adds a comment to a ticket, by author (0: the admin), and
// sets the ticket's updated_at to now, as Zendesk does.
func (s *Sandbox) AddComment(ticketID, author int64, body string, public bool) (Comment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tickets[ticketID]
	if !ok {
		return Comment{}, fmt.Errorf("add comment: no ticket %d", ticketID)
	}
	if author == 0 {
		author = s.adminIDLocked()
	}
	if _, ok := s.users[author]; !ok {
		return Comment{}, fmt.Errorf("add comment: no user %d", author)
	}
	now := s.nowLocked().Truncate(time.Second)
	c := &Comment{ID: s.nextCommentID, TicketID: ticketID, AuthorID: author, Body: body, Public: public, CreatedAt: now}
	s.nextCommentID++
	s.comments[ticketID] = append(s.comments[ticketID], c)
	t.UpdatedAt = now
	s.recordAuditLocked(ticketID, author, now, "Web form", auditEvent{kind: eventComment, comment: c})
	return *c, nil
}
