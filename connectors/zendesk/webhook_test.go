package zendesk

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/zendesk/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/webhook"
	"github.com/tidwall/gjson"
)

func TestHandleWebhook(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 16, Users: 4, Tickets: 5})
	tk := e.sb.Tickets()[2]
	user := e.sb.Users()[6]
	deliver := func(h http.Header, body []byte, cfg sdk.Config) (sdk.WebhookResponse, error) {
		return e.conn.HandleWebhook(context.Background(), sdk.WebhookRequest{Config: cfg, Method: "POST", URL: "/webhooks/zendesk", Header: h, Body: body})
	}
	h, body, err := e.sb.TicketEvent(tk.ID, "zen:event-type:ticket.created")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := deliver(h, body, e.config())
	if err != nil || len(resp.Records) != 1 {
		t.Fatalf("good delivery: %+v, %v", resp, err)
	}
	r := resp.Records[0]
	if r.Stream != StreamTickets || r.Key != fmt.Sprint(tk.ID) || gjson.GetBytes(r.Data, "subject").String() != tk.Subject || !r.UpdatedAt.Equal(tk.UpdatedAt) {
		t.Errorf("record %+v (%s), want ticket %d fetched whole", r, r.Data, tk.ID)
	}
	if again, err := deliver(h, body, e.config()); err != nil || len(again.Records) != 0 {
		t.Errorf("the same delivery again: %+v, %v; want no records", again, err)
	}

	uh, ubody, _ := e.sb.UserEvent(user.ID, "")
	if resp, err := deliver(uh, ubody, e.config()); err != nil || len(resp.Records) != 1 || resp.Records[0].Stream != StreamUsers {
		t.Errorf("user event: %+v, %v", resp, err)
	}
	// Only the deletion events give a Delete, without a fetch; an event
	// whose name merely ends in "deleted" (an identity, a membership) or
	// a restored ticket gives the object as it is now.
	events := []struct {
		typ     string
		stream  string
		op      sdk.Operation
		fetched bool
	}{
		{"zen:event-type:ticket.soft_deleted", StreamTickets, sdk.Delete, false},
		{"zen:event-type:ticket.permanently_deleted", StreamTickets, sdk.Delete, false},
		{"zen:event-type:user.deleted", StreamUsers, sdk.Delete, false},
		{"zen:event-type:ticket.undeleted", StreamTickets, sdk.Upsert, true},
		{"zen:event-type:user.identity_deleted", StreamUsers, sdk.Upsert, true},
		{"zen:event-type:user.group_membership_deleted", StreamUsers, sdk.Upsert, true},
		{"zen:event-type:user.organization_membership_deleted", StreamUsers, sdk.Upsert, true},
	}
	for _, ev := range events {
		t.Run(ev.typ, func(t *testing.T) {
			var h http.Header
			var body []byte
			var err error
			id, fetchPath := tk.ID, fmt.Sprintf("/api/v2/tickets/%d.json", tk.ID)
			if ev.stream == StreamUsers {
				id, fetchPath = user.ID, fmt.Sprintf("/api/v2/users/%d.json", user.ID)
				h, body, err = e.sb.UserEvent(user.ID, ev.typ)
			} else {
				h, body, err = e.sb.TicketEvent(tk.ID, ev.typ)
			}
			if err != nil {
				t.Fatal(err)
			}
			before := e.sb.Kit().Count("GET", fetchPath)
			resp, err := deliver(h, body, e.config())
			if err != nil || len(resp.Records) != 1 {
				t.Fatalf("%+v, %v; want one record", resp, err)
			}
			r := resp.Records[0]
			if r.Stream != ev.stream || r.Key != fmt.Sprint(id) || r.Op != ev.op {
				t.Errorf("record %s %s %s, want %s %d %s", r.Stream, r.Key, r.Op, ev.stream, id, ev.op)
			}
			if fetched := e.sb.Kit().Count("GET", fetchPath) > before; fetched != ev.fetched {
				t.Errorf("fetched the object: %v, want %v", fetched, ev.fetched)
			}
			if ev.fetched && gjson.GetBytes(r.Data, "url").String() == "" {
				t.Errorf("data %s, want the object fetched whole", r.Data)
			}
		})
	}

	h2, body2, _ := e.sb.TicketEvent(tk.ID, "")
	tampered := []byte(strings.Replace(string(body2), fmt.Sprint(tk.ID), "1", 1))
	sign := func(ts string, b []byte) http.Header {
		return http.Header{"X-Zendesk-Webhook-Signature": {e.sb.SignWebhook(ts, b)}, "X-Zendesk-Webhook-Signature-Timestamp": {ts}}
	}
	stale := e.clock.Now().Add(-6 * time.Minute).Format(time.RFC3339)
	tests := []struct {
		name   string
		header http.Header
		body   []byte
		config sdk.Config
		kind   sdk.ErrorKind
	}{
		{"tampered body", h2, tampered, e.config(), sdk.KindAuth},
		{"wrong secret", h2, body2, e.config("webhook_secret", "other"), sdk.KindAuth},
		{"no signature", http.Header{"X-Zendesk-Webhook-Signature-Timestamp": h2["X-Zendesk-Webhook-Signature-Timestamp"]}, body2, e.config(), sdk.KindAuth},
		{"garbled signature", http.Header{"X-Zendesk-Webhook-Signature": {"%%%"}, "X-Zendesk-Webhook-Signature-Timestamp": h2["X-Zendesk-Webhook-Signature-Timestamp"]}, body2, e.config(), sdk.KindAuth},
		{"stale, well signed", sign(stale, body2), body2, e.config(), sdk.KindAuth},
		{"no secret configured", h2, body2, e.config("webhook_secret", nil), sdk.KindConfig},
		{"not json, well signed", sign(h2.Get("X-Zendesk-Webhook-Signature-Timestamp"), []byte("hello")), []byte("hello"), e.config(), sdk.KindBadRecord},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := deliver(tt.header, tt.body, tt.config)
			if sdk.KindOf(err) != tt.kind || len(resp.Records) != 0 {
				t.Errorf("%+v, %v (kind %s); want kind %s", resp, err, sdk.KindOf(err), tt.kind)
			}
			if err != nil && strings.Contains(err.Error(), sandbox.DefaultWebhookSecret) {
				t.Errorf("the error shows the secret: %v", err)
			}
		})
	}
	other := sign(h2.Get("X-Zendesk-Webhook-Signature-Timestamp"), []byte(`{"type":"zen:event-type:organization.created","detail":{"id":"5"}}`))
	if resp, err := deliver(other, []byte(`{"type":"zen:event-type:organization.created","detail":{"id":"5"}}`), e.config()); err != nil || len(resp.Records) != 0 {
		t.Errorf("organization event: %+v, %v; want nothing", resp, err)
	}
	e.sb.Kit().FailNext(503, 50)
	h3, body3, _ := e.sb.TicketEvent(tk.ID, "zen:event-type:ticket.comment_added")
	if _, err := deliver(h3, body3, e.config()); sdk.KindOf(err) != sdk.KindTransient {
		t.Errorf("fetch during an outage: %v, want transient so Zendesk sends it again", err)
	}
	e.sb.Kit().FailNext(0, 0)
	if resp, err := deliver(h3, body3, e.config()); err != nil || len(resp.Records) != 1 {
		t.Errorf("the same delivery after the outage: %+v, %v; want the ticket", resp, err)
	}
}

// Two webhooks of one account, each calling its own connection (two
// pipelines), get the same event, with the same id: each connection gets
// its record. A replay is only one to the connection that answered it.
func TestWebhookReplaysArePerConnection(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 16, Users: 4, Tickets: 5})
	tk := e.sb.Tickets()[1]
	h, body, err := e.sb.TicketEvent(tk.ID, "zen:event-type:ticket.status_changed")
	if err != nil {
		t.Fatal(err)
	}
	const otherSecret = "the-second-webhooks-signing-secret"
	ts := h.Get(sandbox.SignatureTimestampHeader)
	other := http.Header{}
	other.Set(sandbox.SignatureTimestampHeader, ts)
	other.Set(sandbox.SignatureHeader, webhook.Signer{Secret: []byte(otherSecret)}.Sign([]byte(ts), body))
	deliver := func(h http.Header, cfg sdk.Config) int {
		t.Helper()
		resp, err := e.conn.HandleWebhook(t.Context(), sdk.WebhookRequest{Config: cfg, Method: "POST", URL: "/webhooks/zendesk", Header: h, Body: body})
		if err != nil {
			t.Fatal(err)
		}
		return len(resp.Records)
	}
	if n := deliver(h, e.config()); n != 1 {
		t.Fatalf("first connection: %d records, want 1", n)
	}
	if n := deliver(other, e.config("webhook_secret", otherSecret)); n != 1 {
		t.Errorf("second connection, same event: %d records, want 1 (it was taken for a replay of the first's)", n)
	}
	if n := deliver(other, e.config("webhook_secret", otherSecret)); n != 0 {
		t.Errorf("second connection, its delivery again: %d records, want none", n)
	}
}

// TestWebhookWithRefusedCredentialsIsRetried: a delivery that verifies
// but whose ticket cannot be fetched because Zendesk refuses the
// connection's token is a transient failure (the server answers 503 and
// Zendesk retries once the token is mended), saying so — not an auth
// error, answered 401 "signature did not verify", which Zendesk drops.
func TestWebhookWithRefusedCredentialsIsRetried(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 16, Users: 4, Tickets: 5})
	h, body, err := e.sb.TicketEvent(e.sb.Tickets()[0].ID, "zen:event-type:ticket.created")
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.conn.HandleWebhook(context.Background(), sdk.WebhookRequest{Config: e.config("token", "revoked"),
		Method: "POST", URL: "/webhooks/zendesk", Header: h, Body: body})
	if sdk.KindOf(err) != sdk.KindTransient || !strings.Contains(err.Error(), "refused the connection's credentials") {
		t.Fatalf("delivery with a revoked token: %v (kind %s), want a transient error saying the credentials were refused", err, sdk.KindOf(err))
	}
}
