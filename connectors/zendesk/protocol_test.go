package zendesk

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/zendesk/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/host"
)

// TestProtocolWebhook sends webhook deliveries through the built plugin,
// as the core does: the fetched ticket, and the kind of a refusal, survive
// the trip.
func TestProtocolWebhook(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin binary")
	}
	e := newEnv(t, sandbox.Options{Seed: 22, Users: 3, Tickets: 3, Now: time.Now})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := host.Launch(ctx, host.Options{Path: pluginBinary(t)})
	if err != nil {
		t.Fatalf("launch: %v", err)
	}
	defer p.Kill()
	tk := e.sb.Tickets()[1]
	h, body, err := e.sb.TicketEvent(tk.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := p.HandleWebhook(ctx, sdk.WebhookRequest{Config: e.config(), Method: "POST", URL: "/hooks/zendesk", Header: h, Body: body})
	if err != nil || len(resp.Records) != 1 || resp.Records[0].Key != fmt.Sprint(tk.ID) {
		t.Fatalf("webhook through the plugin: %+v, %v", resp, err)
	}
	bad := h.Clone()
	bad.Set("X-Zendesk-Webhook-Signature", e.sb.SignWebhook("2020-01-01T00:00:00Z", body))
	_, err = p.HandleWebhook(ctx, sdk.WebhookRequest{Config: e.config(), Method: "POST", Header: bad, Body: body})
	if sdk.KindOf(err) != sdk.KindAuth {
		t.Errorf("a bad signature through the plugin: %v (kind %s), want auth", err, sdk.KindOf(err))
	}
	if _, err := p.HandleWebhook(ctx, sdk.WebhookRequest{Config: e.config(), Header: http.Header{}, Body: body}); sdk.KindOf(err) != sdk.KindAuth {
		t.Errorf("no signature through the plugin: %v, want auth", err)
	}
}
