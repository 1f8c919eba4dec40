package webhook_test

import (
	"bytes"
	"crypto/sha1"
	"fmt"
	"net/http"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/webhook"
)

// The recipes below are what each vendor connector's HandleWebhook runs
// before it reads a delivery. Each signs a fixed delivery as the vendor
// would, verifies it, then verifies it again with its body changed.

// HubSpot v3: base64(HMAC-SHA256(client secret, method + URI + body +
// timestamp)), the timestamp in milliseconds in its own header, refused
// when more than five minutes old. HubSpot signs the full URL it called,
// scheme and host included, so the connector joins its public base URL
// with req.URL.
func ExampleSigner_hubSpotV3() {
	secret := []byte("hubspot-client-secret")
	const baseURL = "https://hooks.example.com"
	signer := webhook.Signer{Secret: secret} // HMAC-SHA256, base64

	verify := func(req sdk.WebhookRequest, now time.Time) error {
		sig, err := webhook.HeaderValue(req.Header, "X-HubSpot-Signature-v3")
		if err != nil {
			return err
		}
		ts, err := webhook.HeaderValue(req.Header, "X-HubSpot-Request-Timestamp")
		if err != nil {
			return err
		}
		at, err := webhook.ParseUnixMillis(ts)
		if err != nil {
			return err
		}
		if err := webhook.CheckTimestamp(at, now, 5*time.Minute); err != nil {
			return err
		}
		return signer.Verify(sig, []byte(req.Method), []byte(baseURL+req.URL), req.Body, []byte(ts))
	}

	body := []byte(`[{"eventId":1,"subscriptionType":"contact.propertyChange","objectId":123,"propertyName":"email","propertyValue":"a@x.com"}]`)
	ts := "1714557600000" // 2024-05-01T10:00:00Z
	sig := signer.Sign([]byte("POST"), []byte(baseURL+"/webhooks/hubspot"), body, []byte(ts))
	req := sdk.WebhookRequest{
		Method: "POST",
		URL:    "/webhooks/hubspot",
		Header: http.Header{"X-Hubspot-Signature-V3": {sig}, "X-Hubspot-Request-Timestamp": {ts}},
		Body:   body,
	}
	now := time.UnixMilli(1714557600000).Add(90 * time.Second)

	fmt.Println("signature:", sig)
	fmt.Println("delivered:", verify(req, now))
	fmt.Println("too late: ", verify(req, now.Add(10*time.Minute)))
	req.Body = bytes.Replace(body, []byte("a@x.com"), []byte("evil@x.com"), 1)
	fmt.Println("tampered: ", verify(req, now))
	// Output:
	// signature: 0JEVgOVU1RKZb4js5+urQrLTjNVYtcXur94g1U02hkU=
	// delivered: <nil>
	// too late:  webhook timestamp is out of tolerance: 11m30s old, tolerance 5m0s
	// tampered:  webhook signature does not match
}

// Zendesk: base64(HMAC-SHA256(secret, timestamp + body)), the timestamp in
// RFC 3339 in its own header. Sign over the header's text as sent, never a
// re-formatted time. Zendesk states no tolerance; five minutes is ours.
func ExampleSigner_zendesk() {
	signer := webhook.Signer{Secret: []byte("zendesk-signing-secret")}

	verify := func(req sdk.WebhookRequest, now time.Time) error {
		sig, err := webhook.HeaderValue(req.Header, "X-Zendesk-Webhook-Signature")
		if err != nil {
			return err
		}
		ts, err := webhook.HeaderValue(req.Header, "X-Zendesk-Webhook-Signature-Timestamp")
		if err != nil {
			return err
		}
		at, err := webhook.ParseTime(ts)
		if err != nil {
			return err
		}
		if err := webhook.CheckTimestamp(at, now, 5*time.Minute); err != nil {
			return err
		}
		return signer.Verify(sig, []byte(ts), req.Body)
	}

	body := []byte(`{"type":"zen:event-type:ticket.created","id":"01HN","subject":"zen:ticket:35436","detail":{"id":"35436","status":"Open"}}`)
	ts := "2024-05-01T10:00:00Z"
	sig := signer.Sign([]byte(ts), body)
	req := sdk.WebhookRequest{
		Method: "POST",
		URL:    "/webhooks/zendesk",
		Header: http.Header{"X-Zendesk-Webhook-Signature": {sig}, "X-Zendesk-Webhook-Signature-Timestamp": {ts}},
		Body:   body,
	}
	now := time.Date(2024, 5, 1, 10, 0, 30, 0, time.UTC)

	fmt.Println("signature:", sig)
	fmt.Println("delivered:", verify(req, now))
	fmt.Println("no stamp: ", verify(sdk.WebhookRequest{Header: http.Header{"X-Zendesk-Webhook-Signature": {sig}}, Body: body}, now))
	req.Body = bytes.Replace(body, []byte("Open"), []byte("Solved"), 1)
	fmt.Println("tampered: ", verify(req, now))
	// Output:
	// signature: HPsmZQzT2u2QGH5+L8bvv8m/yaVsv6s/qvUyTVzVb4U=
	// delivered: <nil>
	// no stamp:  missing header X-Zendesk-Webhook-Signature-Timestamp
	// tampered:  webhook signature does not match
}

// Shopify: base64(HMAC-SHA256(client secret, body)), no timestamp, so the
// delivery id in X-Shopify-Webhook-Id is what stops a replay. Here the
// guard sees the same delivery twice.
func ExampleSigner_shopify() {
	signer := webhook.Signer{Secret: []byte("shopify-client-secret")}
	guard := webhook.NewReplayGuard(24*time.Hour, 100000)

	// handle reports whether to process the delivery: false for a replay.
	handle := func(req sdk.WebhookRequest, now time.Time) (bool, error) {
		sig, err := webhook.HeaderValue(req.Header, "X-Shopify-Hmac-Sha256")
		if err != nil {
			return false, err
		}
		if err := signer.Verify(sig, req.Body); err != nil {
			return false, err
		}
		id, err := webhook.HeaderValue(req.Header, "X-Shopify-Webhook-Id")
		if err != nil {
			return false, err
		}
		return !guard.Seen(id, now), nil
	}

	body := []byte(`{"id":450789469,"name":"#1001","email":"a@x.com","financial_status":"paid"}`)
	sig := signer.Sign(body)
	req := sdk.WebhookRequest{
		Method: "POST",
		URL:    "/webhooks/shopify",
		Header: http.Header{"X-Shopify-Hmac-Sha256": {sig}, "X-Shopify-Webhook-Id": {"b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"}},
		Body:   body,
	}
	now := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

	fmt.Println("signature:", sig)
	fmt.Println(handle(req, now))
	fmt.Println(handle(req, now.Add(time.Minute)))
	req.Body = bytes.Replace(body, []byte("paid"), []byte("refunded"), 1)
	fmt.Println(handle(req, now))
	// Output:
	// signature: gSTQR7Tod4VHI0FGUBIggERVEbLUc8zHDOd77DILdFE=
	// true <nil>
	// false <nil>
	// false webhook signature does not match
}

// Typeform: "sha256=" + base64(HMAC-SHA256(secret, body)) in
// Typeform-Signature.
func ExampleSigner_typeform() {
	signer := webhook.Signer{Secret: []byte("typeform-secret"), Prefix: "sha256="}

	body := []byte(`{"event_id":"01HN","event_type":"form_response","form_response":{"token":"abc","answers":[{"type":"text","text":"Ann"}]}}`)
	sig := signer.Sign(body)

	fmt.Println("signature:", sig)
	fmt.Println("delivered:", signer.Verify(sig, body))
	fmt.Println("tampered: ", signer.Verify(sig, bytes.Replace(body, []byte("Ann"), []byte("Bob"), 1)))
	fmt.Println("no prefix:", signer.Verify(sig[len("sha256="):], body))
	// Output:
	// signature: sha256=uENP+psjRd4BL9Ph3S2/uE3jaUUqxmbpB71n9q8xuW0=
	// delivered: <nil>
	// tampered:  webhook signature does not match
	// no prefix: webhook signature is malformed: want prefix "sha256="
}

// GitHub style: "sha256=" + hex(HMAC-SHA256(secret, body)). Verify accepts
// the hex in either case.
func ExampleSigner_gitHub() {
	signer := webhook.Signer{Secret: []byte("github-secret"), Encoding: webhook.Hex, Prefix: "sha256="}

	body := []byte(`{"action":"opened","issue":{"number":1347}}`)
	sig := signer.Sign(body)

	fmt.Println("signature:", sig)
	fmt.Println("delivered:", signer.Verify(sig, body))
	fmt.Println("tampered: ", signer.Verify(sig, bytes.Replace(body, []byte("1347"), []byte("1348"), 1)))
	// Output:
	// signature: sha256=10224983a336f83b78a9b9b6c8cebeb3cfaa263f4bafbf9f2e716ce2b9dc608d
	// delivered: <nil>
	// tampered:  webhook signature does not match
}

// SurveyMonkey's Sm-Signature is HMAC-SHA1 in base64; how its key is made
// from the app's key and secret is not settled, so this shows only the hash.
func ExampleSigner_sha1() {
	signer := webhook.Signer{Secret: []byte("surveymonkey-key"), Hash: sha1.New}

	body := []byte(`{"event_type":"response_completed","object_id":"5555555555","resources":{"survey_id":"123456789"}}`)
	sig := signer.Sign(body)

	fmt.Println("signature:", sig)
	fmt.Println("delivered:", signer.Verify(sig, body))
	fmt.Println("tampered: ", signer.Verify(sig, bytes.Replace(body, []byte("5555"), []byte("6666"), 1)))
	// Output:
	// signature: 7QMq3eb1hvz5E2tX+f9g5Tp7dYY=
	// delivered: <nil>
	// tampered:  webhook signature does not match
}
