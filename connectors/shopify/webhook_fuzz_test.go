package shopify

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/internal/webhookfuzz"
	"github.com/cxhub/cxhub/connectors/shopify/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
	"github.com/tidwall/gjson"
)

// fuzzConfig is a config whose shop is a closed port: a fuzzed delivery
// must never need it.
func fuzzConfig(f *testing.F) sdk.Config {
	cfg, err := json.Marshal(map[string]any{"base_url": sdktest.UnreachableURL(f), "access_token": sandbox.DefaultToken,
		"webhook_secret": sandbox.DefaultWebhookSecret})
	if err != nil {
		f.Fatal(err)
	}
	return cfg
}

// FuzzWebhookUnsigned hands HandleWebhook deliveries whose headers and
// body are made up: none is signed with the webhook secret, so every one
// must be refused with an AuthError that does not show the secret.
func FuzzWebhookUnsigned(f *testing.F) {
	body := `{"id":450789469,"name":"#1001","updated_at":"2026-05-01T10:00:00-04:00"}`
	other, err := sandbox.New(sandbox.Options{Customers: -1, Orders: -1, WebhookSecret: "other-secret"})
	if err != nil {
		f.Fatal(err)
	}
	mine, err := sandbox.New(sandbox.Options{Customers: -1, Orders: -1})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []struct{ headers, body string }{
		{"", body},
		{"X-Shopify-Hmac-Sha256: \nX-Shopify-Topic: orders/updated", body},
		{"x-shopify-hmac-sha256: " + other.SignWebhook([]byte(body)) + "\nX-Shopify-Topic: orders/updated", body},
		{"X-Shopify-Hmac-Sha256: " + mine.SignWebhook([]byte(body)) + "\nX-Shopify-Topic: orders/updated", body + " "},
		{"X-Shopify-Hmac-Sha256: %%%\nX-Shopify-Topic: fulfillments/update", "not json"},
		{"X-Shopify-Hmac-Sha256: a\nX-Shopify-Hmac-Sha256: b", ""},
	} {
		f.Add(seed.headers, []byte(seed.body))
	}
	conn := New()
	cfg := fuzzConfig(f)
	f.Fuzz(func(t *testing.T, headers string, body []byte) {
		h := webhookfuzz.HeaderLines(headers)
		if h.Get(hmacHeader) == mine.SignWebhook(body) {
			t.Skip("the fuzzer found the signature")
		}
		resp, err := conn.HandleWebhook(t.Context(), sdk.WebhookRequest{Config: cfg, Method: "POST", URL: "/webhooks/shopify",
			Header: h, Body: body})
		sdktest.WantWebhookRefused(t, resp, err, sandbox.DefaultWebhookSecret)
	})
}

// FuzzWebhookSigned hands HandleWebhook correctly signed deliveries of
// made-up topics and bodies (the sender has the secret): none may panic;
// each gives an error or records of the topic's stream, each with a key
// and JSON object data; none reaches the shop except fulfillments, whose
// fetch fails as transient (the shop is a closed port).
func FuzzWebhookSigned(f *testing.F) {
	for _, seed := range []struct{ topic, body string }{
		{"orders/updated", `{"id":450789469,"name":"#1001","updated_at":"2026-05-01T10:00:00-04:00"}`},
		{"customers/update", `{"id":1,"email":"a@example.org"}`},
		{"customers/update", `{"id":"x"}`},
		{"orders/create", `{}`},
		{"fulfillments/update", `{"id":2,"order_id":3}`},
		{"fulfillments/create", `{"id":2}`},
		{"products/update", `{"id":4}`},
		{"orders/updated", `[1,2]`},
		{"orders/updated", `{"id":1e400}`},
	} {
		f.Add(seed.topic, []byte(seed.body))
	}
	sb, err := sandbox.New(sandbox.Options{Customers: -1, Orders: -1})
	if err != nil {
		f.Fatal(err)
	}
	conn := NewWithOptions(Options{MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond})
	cfg := fuzzConfig(f)
	f.Fuzz(func(t *testing.T, topic string, body []byte) {
		h := webhookfuzz.HeaderLines("X-Shopify-Topic: " + strings.ReplaceAll(topic, "\n", " ") + "\nX-Shopify-Hmac-Sha256: " + sb.SignWebhook(body))
		resp, err := conn.HandleWebhook(t.Context(), sdk.WebhookRequest{Config: cfg, Method: "POST", URL: "/webhooks/shopify", Header: h, Body: body})
		if err != nil {
			if k := sdk.KindOf(err); k != sdk.KindBadRecord && k != sdk.KindTransient {
				t.Fatalf("signed delivery of %q: error of kind %v: %v", topic, k, err)
			}
			return
		}
		for _, r := range resp.Records {
			if r.Key == "" || !gjson.ValidBytes(r.Data) || !gjson.ParseBytes(r.Data).IsObject() {
				t.Fatalf("signed delivery of %q gave record %+v", topic, r)
			}
		}
	})
}
