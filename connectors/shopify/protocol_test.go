package shopify

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/shopify/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/host"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// TestProtocolWebhook sends webhook deliveries through the built plugin,
// as the core does: the record, the deduplication kept in the plugin
// process, and the kind of a refusal survive the trip.
func TestProtocolWebhook(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin binary")
	}
	e := newEnv(t, sandbox.Options{Seed: 22, Customers: 3, Orders: 10})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := host.Launch(ctx, host.Options{Path: sdktest.BuildPlugin(t, "./cmd/cxhub-connector-shopify")})
	if err != nil {
		t.Fatalf("launch: %v", err)
	}
	defer p.Kill()
	f := e.sb.Fulfillments()[0]
	h, body, err := e.sb.Delivery("fulfillments/update", f.ID)
	if err != nil {
		t.Fatal(err)
	}
	req := sdk.WebhookRequest{Config: e.config(), Method: "POST", URL: "/hooks/shopify", Header: h, Body: body}
	resp, err := p.HandleWebhook(ctx, req)
	if err != nil || len(resp.Records) != 1 || resp.Records[0].Key != fmt.Sprint(f.ID) || resp.Records[0].Stream != StreamFulfillments {
		t.Fatalf("webhook through the plugin: %+v, %v", resp, err)
	}
	if resp, err = p.HandleWebhook(ctx, req); err != nil || len(resp.Records) != 0 {
		t.Errorf("the same delivery again through the plugin: %+v, %v; want no records", resp, err)
	}
	req.Header = http.Header{}
	if _, err := p.HandleWebhook(ctx, req); sdk.KindOf(err) != sdk.KindAuth {
		t.Errorf("no signature through the plugin: %v (kind %s), want auth", err, sdk.KindOf(err))
	}
}
