package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Webhook headers, as Shopify sends them.
const (
	HmacHeader      = "X-Shopify-Hmac-Sha256"
	TopicHeader     = "X-Shopify-Topic"
	WebhookIDHeader = "X-Shopify-Webhook-Id"
)

// SignWebhook returns Shopify's signature of a delivery's body:
// base64(HMAC-SHA256(secret, body)).
func (s *Sandbox) SignWebhook(body []byte) string {
	mac := hmac.New(sha256.New, []byte(s.opts.WebhookSecret))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Delivery builds a signed delivery of topic ("orders/create",
// "orders/updated", "fulfillments/create", "fulfillments/update",
// "customers/create", "customers/update") about the object with this id:
// the headers and the body (the object's JSON, as the API renders it) that
// Shopify would POST to a webhook subscription's address. Each delivery
// has its own X-Shopify-Webhook-Id; send the same one twice to test
// deduplication.
func (s *Sandbox) Delivery(topic string, id int64) (http.Header, []byte, error) {
	s.mu.Lock()
	var obj map[string]any
	switch topic {
	case "orders/create", "orders/updated", "orders/paid", "orders/fulfilled", "orders/cancelled":
		if o := s.orders[id]; o != nil {
			obj = o.render(s.customers[o.CustomerID])
		}
	case "fulfillments/create", "fulfillments/update":
		if o := s.orders[s.fulfillments[id]]; o != nil {
			for i, f := range o.Fulfillments {
				if f.ID == id {
					obj = f.render(o, i+1)
				}
			}
		}
	case "customers/create", "customers/update":
		if c := s.customers[id]; c != nil {
			obj = c.render()
		}
	default:
		s.mu.Unlock()
		return nil, nil, fmt.Errorf("webhook: topic %q is not one the sandbox sends", topic)
	}
	s.deliveries++
	n, now := s.deliveries, s.nowLocked()
	s.mu.Unlock()
	if obj == nil {
		return nil, nil, fmt.Errorf("webhook %s: no object %d", topic, id)
	}
	body, err := json.Marshal(obj)
	if err != nil {
		return nil, nil, fmt.Errorf("webhook %s: encode: %w", topic, err)
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(TopicHeader, topic)
	h.Set(HmacHeader, s.SignWebhook(body))
	h.Set("X-Shopify-Shop-Domain", s.opts.Shop+".myshopify.com")
	h.Set("X-Shopify-API-Version", s.opts.OldestVersion)
	h.Set(WebhookIDHeader, fmt.Sprintf("b54557e4-bdd9-4b37-8a5f-%012d", n))
	h.Set("X-Shopify-Event-Id", fmt.Sprintf("98880550-7158-44d4-b7cd-%012d", n))
	h.Set("X-Shopify-Triggered-At", now.UTC().Format(time.RFC3339Nano))
	return h, body, nil
}
