package shopify

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/cxhub/cxhub/connectors/shopify/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// deliver hands one delivery to the connector.
func (e *env) deliver(cfg sdk.Config, h http.Header, body []byte) (sdk.WebhookResponse, error) {
	return e.conn.HandleWebhook(context.Background(), sdk.WebhookRequest{Config: cfg, Method: "POST", URL: "/webhooks/shopify", Header: h, Body: body})
}

func TestWebhooksAreVerifiedAndDeduplicated(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 14, Customers: 5, Orders: 30})
	o := e.sb.Orders()[0]
	h, body, err := e.sb.Delivery("orders/updated", o.ID)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.deliver(e.config(), h, body)
	if err != nil || len(resp.Records) != 1 || resp.Records[0].Stream != StreamOrders || resp.Records[0].Key != strconv.FormatInt(o.ID, 10) {
		t.Fatalf("orders/updated: %+v, %v", resp, err)
	}
	// Shopify sends the same delivery again: no records the second time.
	if resp, err = e.deliver(e.config(), h, body); err != nil || len(resp.Records) != 0 {
		t.Errorf("the same delivery again: %+v, %v; want no records", resp, err)
	}
	// A forged or altered delivery is refused.
	forged := h.Clone()
	forged.Set(sandbox.WebhookIDHeader, "another-id")
	if _, err := e.deliver(e.config(), forged, append([]byte{}, append(body[:len(body)-1], []byte(`,"x":1}`)...)...)); sdk.KindOf(err) != sdk.KindAuth {
		t.Errorf("altered body: %v, want an auth error", err)
	}
	unsigned := h.Clone()
	unsigned.Del(sandbox.HmacHeader)
	if _, err := e.deliver(e.config(), unsigned, body); sdk.KindOf(err) != sdk.KindAuth {
		t.Errorf("unsigned: %v, want an auth error", err)
	}
	if _, err := e.deliver(e.config("webhook_secret", "other-secret"), forged, body); sdk.KindOf(err) != sdk.KindAuth {
		t.Errorf("another secret: %v, want an auth error", err)
	}
	if _, err := e.deliver(e.config("webhook_secret", nil), forged, body); sdk.KindOf(err) != sdk.KindConfig {
		t.Errorf("no secret configured: %v, want a config error", err)
	}
}

func TestWebhookTopics(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 15, Customers: 5, Orders: 30})
	f := e.sb.Fulfillments()[0]
	o, _ := e.sb.Order(f.OrderID)
	c := e.sb.Customers()[1]
	for _, tt := range []struct {
		topic  string
		id     int64
		stream string
	}{
		{"orders/create", o.ID, StreamOrders},
		{"fulfillments/update", f.ID, StreamFulfillments},
		{"fulfillments/create", f.ID, StreamFulfillments},
		{"customers/update", c.ID, StreamCustomers},
	} {
		h, body, err := e.sb.Delivery(tt.topic, tt.id)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := e.deliver(e.config(), h, body)
		if err != nil || len(resp.Records) != 1 || resp.Records[0].Stream != tt.stream || resp.Records[0].Key != strconv.FormatInt(tt.id, 10) {
			t.Errorf("%s: %+v, %v", tt.topic, resp, err)
			continue
		}
		if tt.stream == StreamFulfillments {
			d := gjson.ParseBytes(resp.Records[0].Data)
			if d.Get("order.email").String() != o.Email || d.Get("delivery_status").String() == "" || !d.Get("late").Exists() {
				t.Errorf("%s: record %s, want the order's email, delivery_status and late", tt.topic, d.Raw)
			}
		}
	}
	h, body, _ := e.sb.Delivery("orders/updated", o.ID)
	h.Set(sandbox.TopicHeader, "products/update")
	h.Set(sandbox.WebhookIDHeader, "other")
	if resp, err := e.deliver(e.config(), h, body); err != nil || len(resp.Records) != 0 {
		t.Errorf("another topic: %+v, %v; want no records", resp, err)
	}
}

// TestWebhookDeletes: customers/delete and orders/delete, whose body is
// little more than the id, give a delete of that customer or order, so
// that a deleted customer leaves the customer index and a two-way sync.
// Shopify's reads never show deleted objects.
func TestWebhookDeletes(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 16, Customers: 3, Orders: 5})
	for i, tt := range []struct {
		topic, body, stream, key string
	}{
		{"customers/delete", `{"id":706405506930370084,"phone":null,"addresses":[],"tax_exemptions":[],"email_marketing_consent":null,"sms_marketing_consent":null,"admin_graphql_api_id":"gid://shopify/Customer/706405506930370084"}`, StreamCustomers, "706405506930370084"},
		{"orders/delete", `{"id":820982911946154508}`, StreamOrders, "820982911946154508"},
	} {
		body := []byte(tt.body)
		h := http.Header{}
		h.Set(sandbox.TopicHeader, tt.topic)
		h.Set(sandbox.HmacHeader, e.sb.SignWebhook(body))
		h.Set(sandbox.WebhookIDHeader, "delete-"+strconv.Itoa(i))
		resp, err := e.deliver(e.config(), h, body)
		if err != nil || len(resp.Records) != 1 {
			t.Errorf("%s: %+v, %v; want one delete", tt.topic, resp, err)
			continue
		}
		if r := resp.Records[0]; r.Op != sdk.Delete || r.Stream != tt.stream || r.Key != tt.key {
			t.Errorf("%s: %s %s/%s, want a delete of %s/%s", tt.topic, r.Op, r.Stream, r.Key, tt.stream, tt.key)
		}
	}
	body := []byte(`{"name":"no id"}`)
	h := http.Header{}
	h.Set(sandbox.TopicHeader, "customers/delete")
	h.Set(sandbox.HmacHeader, e.sb.SignWebhook(body))
	if _, err := e.deliver(e.config(), h, body); sdk.KindOf(err) != sdk.KindBadRecord {
		t.Errorf("a delete without an id: %v, want a bad record", err)
	}
}

// TestAWebhookSecretWithATrailingNewlineStillVerifies: a secret put in an
// environment variable from a file often ends in a newline. Shopify's
// client secrets hold no spaces, so webhook_secret is trimmed as
// access_token is; before, every genuine delivery was refused as forged.
func TestAWebhookSecretWithATrailingNewlineStillVerifies(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 14, Customers: 5, Orders: 30})
	o := e.sb.Orders()[0]
	h, body, err := e.sb.Delivery("orders/updated", o.ID)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.deliver(e.config("webhook_secret", sandbox.DefaultWebhookSecret+"\n"), h, body)
	if err != nil || len(resp.Records) != 1 {
		t.Errorf("delivery with webhook_secret ending in a newline: %+v, %v; want its order", resp, err)
	}
	if _, err := e.deliver(e.config("webhook_secret", " \n"), h, body); sdk.KindOf(err) != sdk.KindConfig {
		t.Errorf("blank webhook_secret: %v, want a config error", err)
	}
}
