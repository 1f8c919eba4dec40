package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Webhook headers, as Zendesk sends them.
const (
	SignatureHeader          = "X-Zendesk-Webhook-Signature"
	SignatureTimestampHeader = "X-Zendesk-Webhook-Signature-Timestamp"
)

// SignWebhook returns Zendesk's signature of a delivery:
// base64(HMAC-SHA256(secret, timestamp + body)).
func (s *Sandbox) SignWebhook(timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(s.opts.WebhookSecret))
	mac.Write([]byte(timestamp))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// TicketEvent builds a signed delivery of a ticket event (eventType such as
// "zen:event-type:ticket.created"; "" means ticket.status_changed) for the
// ticket with this id, timestamped with the sandbox's clock: the headers
// and the body as Zendesk would POST them to a webhook's endpoint.
func (s *Sandbox) TicketEvent(ticketID int64, eventType string) (http.Header, []byte, error) {
	t, ok := s.Ticket(ticketID)
	if !ok {
		return nil, nil, fmt.Errorf("ticket event: no ticket %d", ticketID)
	}
	if eventType == "" {
		eventType = "zen:event-type:ticket.status_changed"
	}
	detail := map[string]any{
		"id": strconv.FormatInt(t.ID, 10), "subject": t.Subject, "status": strings.ToUpper(t.Status),
		"requester_id": strconv.FormatInt(t.RequesterID, 10), "submitter_id": strconv.FormatInt(t.SubmitterID, 10),
		"priority": nullString(strings.ToUpper(t.Priority)), "type": nullString(strings.ToUpper(t.Type)),
		"external_id": nullString(t.ExternalID), "tags": t.Tags, "is_public": true,
		"created_at": formatTime(t.CreatedAt), "updated_at": formatTime(t.UpdatedAt),
		"via": map[string]any{"channel": "web_service"},
	}
	return s.event(eventType, "zen:ticket:"+strconv.FormatInt(t.ID, 10), detail)
}

// UserEvent builds a signed delivery of a user event ("" means
// "zen:event-type:user.created") for the user with this id.
func (s *Sandbox) UserEvent(userID int64, eventType string) (http.Header, []byte, error) {
	u, ok := s.User(userID)
	if !ok {
		return nil, nil, fmt.Errorf("user event: no user %d", userID)
	}
	if eventType == "" {
		eventType = "zen:event-type:user.created"
	}
	detail := map[string]any{"id": strconv.FormatInt(u.ID, 10), "email": u.Email, "role": u.Role,
		"external_id": nullString(u.ExternalID), "created_at": formatTime(u.CreatedAt), "updated_at": formatTime(u.UpdatedAt)}
	return s.event(eventType, "zen:user:"+strconv.FormatInt(u.ID, 10), detail)
}

func (s *Sandbox) event(eventType, subject string, detail map[string]any) (http.Header, []byte, error) {
	now := s.Now()
	s.mu.Lock()
	s.nextJob++ // one counter for job and event ids
	n := s.nextJob
	s.mu.Unlock()
	body, err := json.Marshal(map[string]any{
		"type": eventType, "account_id": 10000000 + int64(s.opts.Seed%1000), "id": fmt.Sprintf("01HZSANDBOX%015d", n),
		"time": formatTime(now), "zendesk_event_version": "2022-11-06", "subject": subject,
		"detail": detail, "event": map[string]any{},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("encode event: %w", err)
	}
	ts := formatTime(now)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(SignatureTimestampHeader, ts)
	h.Set(SignatureHeader, s.SignWebhook(ts, body))
	return h, body, nil
}
