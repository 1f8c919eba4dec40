package hubspot

import (
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/hubspot/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/host"
)

// TestWebhookThroughTheProtocol hands a delivery to the connector served
// over the real plugin protocol, as the core's webhook receiver does.
func TestWebhookThroughTheProtocol(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	p, err := host.LaunchInProcess(t.Context(), e.conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Kill()
	id := e.ids(streamContacts)[4]
	events, err := e.sb.Events(streamContacts, id)
	if err != nil {
		t.Fatal(err)
	}
	req := delivery(e, "/hooks/hubspot", events, time.Now())
	resp, err := p.HandleWebhook(t.Context(), req)
	if err != nil || len(resp.Records) != 1 || resp.Records[0].Key != id {
		t.Fatalf("webhook over the protocol: %+v, %v", resp.Records, err)
	}
	req.Body = append(req.Body[:len(req.Body)-1], ' ', ']')
	if _, err := p.HandleWebhook(t.Context(), req); sdk.KindOf(err) != sdk.KindAuth {
		t.Errorf("a changed body over the protocol: %v, want an auth error", err)
	}
}
