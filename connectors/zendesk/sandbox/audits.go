package sandbox

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// firstEventID is the first id of audits and of their events other than
// comments (a comment event's id is the comment's).
const firstEventID int64 = 60000000001

// Kinds of audit events the sandbox records (Zendesk's event_type).
const (
	eventCreate          = "Create"
	eventChange          = "Change"
	eventComment         = "Comment"
	eventCommentRedacted = "CommentRedactionEvent"
)

// ticketAudit is one update of a ticket: Zendesk stores one per change,
// and the ticket events export lists them.
type ticketAudit struct {
	id       int64
	ticketID int64
	authorID int64
	at       time.Time
	via      string // "Web form", "Mail", "API"
	events   []auditEvent
}

// auditEvent is one child event of an audit.
type auditEvent struct {
	id        int64
	kind      string
	field     string // Create, Change: the ticket field
	value     any
	previous  any      // Change: the value before
	comment   *Comment // Comment: rendered as it is now (a redaction shows)
	commentID int64    // CommentRedactionEvent
}

// viaName is the audit's via of a ticket channel, as the export spells it.
func viaName(channel string) string {
	switch channel {
	case "email":
		return "Mail"
	case "api":
		return "API"
	}
	return "Web form"
}

// recordAuditLocked stores an audit of ticketID by author at at, giving ids
// to it and to its events; a comment event takes its comment's id, and the
// comment the audit's id. The caller holds s.mu.
func (s *Sandbox) recordAuditLocked(ticketID, author int64, at time.Time, via string, events ...auditEvent) {
	if len(events) == 0 {
		return
	}
	a := &ticketAudit{id: s.nextEventID, ticketID: ticketID, authorID: author, at: at.Truncate(time.Second), via: via}
	s.nextEventID++
	for _, ev := range events {
		if ev.kind == eventComment {
			ev.id = ev.comment.ID
			ev.comment.AuditID = a.id
		} else {
			ev.id = s.nextEventID
			s.nextEventID++
		}
		a.events = append(a.events, ev)
	}
	s.audits = append(s.audits, a)
}

// creationEvents are the events of a new ticket: its fields, then its first
// comment.
func creationEvents(t *Ticket, first *Comment) []auditEvent {
	evs := []auditEvent{{kind: eventCreate, field: "subject", value: t.Subject},
		{kind: eventCreate, field: "status", value: t.Status},
		{kind: eventCreate, field: "requester_id", value: t.RequesterID}}
	if t.Priority != "" {
		evs = append(evs, auditEvent{kind: eventCreate, field: "priority", value: t.Priority})
	}
	if len(t.Tags) > 0 {
		evs = append(evs, auditEvent{kind: eventCreate, field: "tags", value: slices.Clone(t.Tags)})
	}
	return append(evs, auditEvent{kind: eventComment, comment: first})
}

// changeEvents are the Change events from before to after.
func changeEvents(before, after Ticket) []auditEvent {
	var evs []auditEvent
	change := func(field string, old, new any) {
		evs = append(evs, auditEvent{kind: eventChange, field: field, value: new, previous: old})
	}
	if before.Subject != after.Subject {
		change("subject", before.Subject, after.Subject)
	}
	if before.Status != after.Status {
		change("status", before.Status, after.Status)
	}
	if before.Priority != after.Priority {
		change("priority", nullString(before.Priority), nullString(after.Priority))
	}
	if before.RequesterID != after.RequesterID {
		change("requester_id", before.RequesterID, after.RequesterID)
	}
	if !slices.Equal(before.Tags, after.Tags) {
		change("tags", slices.Clone(before.Tags), slices.Clone(after.Tags))
	}
	return evs
}

// render gives the audit as the ticket events export lists it; comments
// are whole objects only with include=comment_events.
func (a *ticketAudit) render(withComments bool) map[string]any {
	children := make([]any, 0, len(a.events))
	for _, ev := range a.events {
		children = append(children, ev.render(a.via, withComments))
	}
	return map[string]any{
		"id": a.id, "ticket_id": a.ticketID, "timestamp": a.at.Unix(), "created_at": formatTime(a.at),
		"updater_id": a.authorID, "via": a.via, "system": map[string]any{}, "metadata": map[string]any{},
		"merged_ticket_ids": []any{}, "event_type": "Audit", "child_events": children,
	}
}

func (ev auditEvent) render(via string, withComments bool) map[string]any {
	out := map[string]any{"id": ev.id, "via": via, "via_reference_id": nil, "event_type": ev.kind}
	switch ev.kind {
	case eventCreate:
		out[ev.field] = ev.value
	case eventChange:
		out[ev.field] = ev.value
		out["previous_value"] = ev.previous
	case eventComment:
		if !withComments {
			out["comment_present"] = true
			out["comment_public"] = ev.comment.Public
			break
		}
		c := ev.comment.render()
		out["type"], out["author_id"], out["body"], out["html_body"], out["plain_body"] = c.Type, c.AuthorID, c.Body, c.HTMLBody, c.PlainBody
		out["public"], out["attachments"], out["audit_id"], out["created_at"], out["via"] = c.Public, c.Attachments, c.AuditID, c.CreatedAt, c.Via
	case eventCommentRedacted:
		out["comment_id"] = ev.commentID
	}
	return out
}

// RedactComment removes text from a comment's body, as Zendesk's
// "Redact String in Comment" does (each character becomes ▇), and records
// the redaction in the ticket's audits. The ticket's updated_at moves to
// now.
func (s *Sandbox) RedactComment(ticketID, commentID int64, text string) (Comment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.redactLocked(ticketID, commentID, text)
	if err != nil {
		return Comment{}, err
	}
	return *c, nil
}

func (s *Sandbox) redactLocked(ticketID, commentID int64, text string) (*Comment, error) {
	t, ok := s.tickets[ticketID]
	if !ok {
		return nil, fmt.Errorf("redact: no ticket %d", ticketID)
	}
	var c *Comment
	for _, one := range s.comments[ticketID] {
		if one.ID == commentID {
			c = one
		}
	}
	if c == nil {
		return nil, fmt.Errorf("redact: ticket %d has no comment %d", ticketID, commentID)
	}
	if text == "" || !strings.Contains(c.Body, text) {
		return nil, fmt.Errorf("redact: comment %d does not contain %q", commentID, text)
	}
	c.Body = strings.ReplaceAll(c.Body, text, strings.Repeat("▇", len([]rune(text))))
	now := s.nowLocked().Truncate(time.Second)
	t.UpdatedAt = now
	s.recordAuditLocked(ticketID, s.adminIDLocked(), now, "Web form", auditEvent{kind: eventCommentRedacted, commentID: commentID})
	return c, nil
}
