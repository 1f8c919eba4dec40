package hubspot

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/hubspot/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

const hookURL = "https://hooks.example.com"

// delivery builds a webhook request signed by the sandbox, as HubSpot
// sends it to https://hooks.example.com<path>.
func delivery(e *env, path string, events any, at time.Time) sdk.WebhookRequest {
	body, err := json.Marshal(events)
	if err != nil {
		e.t.Fatal(err)
	}
	return sdk.WebhookRequest{Config: e.config(map[string]any{"client_secret": sandbox.DefaultWebhookSecret, "webhook_url": hookURL}),
		Method: "POST", URL: path, Body: body, Header: e.sb.DeliveryHeaders("POST", hookURL+path, body, at)}
}

func TestWebhookReturnsTheChangedObjects(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	contacts, companies := e.ids(streamContacts), e.ids(streamCompanies)
	if _, err := e.sb.Update(streamContacts, contacts[2], map[string]string{"firstname": "Hooked"}); err != nil {
		t.Fatal(err)
	}
	ev, err := e.sb.Events(streamContacts, contacts[2], contacts[5])
	if err != nil {
		t.Fatal(err)
	}
	events := []map[string]any{
		{"eventId": 1, "occurredAt": 1000, "subscriptionType": "contact.propertyChange", "objectId": ev[0].ObjectID, "propertyName": "firstname", "propertyValue": "Hooked"},
		{"eventId": 2, "occurredAt": 1000, "subscriptionType": "contact.creation", "objectId": ev[1].ObjectID},
		{"eventId": 3, "occurredAt": 1000, "subscriptionType": "contact.propertyChange", "objectId": ev[0].ObjectID},
		{"eventId": 4, "occurredAt": 1000, "subscriptionType": "object.propertyChange", "objectTypeId": "0-2", "objectId": mustInt(companies[1])},
		{"eventId": 5, "occurredAt": 1000, "subscriptionType": "company.creation", "objectId": 5999999}, // gone since
		{"eventId": 6, "occurredAt": 1000, "subscriptionType": "contact.propertyChange", "objectId": mustInt(contacts[9])},
		{"eventId": 7, "occurredAt": 2000, "subscriptionType": "contact.deletion", "objectId": mustInt(contacts[9])},
		{"eventId": 8, "occurredAt": 1000, "subscriptionType": "deal.creation", "objectId": 77},
	}
	resp, err := e.conn.HandleWebhook(t.Context(), delivery(e, "/hooks/hubspot?portal=1", events, time.Now()))
	if err != nil {
		t.Fatalf("webhook: %v", err)
	}
	var got []string
	for _, r := range resp.Records {
		got = append(got, r.Stream+"/"+r.Key+"/"+r.Op.String())
		if r.Op == sdk.Upsert && gjson.GetBytes(r.Data, "id").String() != r.Key {
			t.Errorf("record %s: data %s", r.Key, r.Data)
		}
	}
	want := []string{"contacts/" + contacts[2] + "/upsert", "contacts/" + contacts[5] + "/upsert",
		"contacts/" + contacts[9] + "/delete", "companies/" + companies[1] + "/upsert"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("records %v, want %v", got, want)
	}
	if gjson.GetBytes(resp.Records[0].Data, "properties.firstname").String() != "Hooked" ||
		gjson.GetBytes(resp.Records[0].Data, "properties.lastmodifieddate").String() == "" {
		t.Errorf("the changed contact is not read whole: %s", resp.Records[0].Data)
	}
	if resp.StatusCode != 0 && resp.StatusCode != 200 {
		t.Errorf("status %d", resp.StatusCode)
	}
}

func mustInt(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		panic(err)
	}
	return n
}

func TestWebhookRefusesForgeries(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	events := []map[string]any{{"eventId": 1, "subscriptionType": "contact.creation", "objectId": 1001}}
	tests := []struct {
		name   string
		change func(r *sdk.WebhookRequest)
		kind   sdk.ErrorKind
		says   string
	}{
		{"tampered body", func(r *sdk.WebhookRequest) { r.Body = []byte(strings.Replace(string(r.Body), "1001", "1002", 1)) }, sdk.KindAuth, "does not match"},
		{"other path", func(r *sdk.WebhookRequest) { r.URL = "/hooks/other" }, sdk.KindAuth, "does not match"},
		{"wrong secret", func(r *sdk.WebhookRequest) {
			r.Config = e.config(map[string]any{"client_secret": "nope", "webhook_url": hookURL})
		}, sdk.KindAuth, "does not match"},
		{"stale", func(r *sdk.WebhookRequest) { *r = delivery(e, "/hooks", events, time.Now().Add(-6*time.Minute)) }, sdk.KindAuth, "timestamp"},
		{"from the future", func(r *sdk.WebhookRequest) { *r = delivery(e, "/hooks", events, time.Now().Add(6*time.Minute)) }, sdk.KindAuth, "timestamp"},
		{"no signature", func(r *sdk.WebhookRequest) { r.Header.Del("X-HubSpot-Signature-v3") }, sdk.KindAuth, "X-HubSpot-Signature-v3"},
		{"no timestamp", func(r *sdk.WebhookRequest) { r.Header.Del("X-HubSpot-Request-Timestamp") }, sdk.KindAuth, "X-HubSpot-Request-Timestamp"},
		{"no secret configured", func(r *sdk.WebhookRequest) { r.Config = e.config(map[string]any{"webhook_url": hookURL}) }, sdk.KindConfig, "client_secret"},
		{"no webhook_url", func(r *sdk.WebhookRequest) { r.Config = e.config(map[string]any{"client_secret": "x"}) }, sdk.KindConfig, "webhook_url"},
		{"not events", func(r *sdk.WebhookRequest) { *r = delivery(e, "/hooks", map[string]int{"a": 1}, time.Now()) }, sdk.KindBadRecord, "array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := delivery(e, "/hooks", events, time.Now())
			req.Header = req.Header.Clone()
			tt.change(&req)
			_, err := e.conn.HandleWebhook(t.Context(), req)
			if sdk.KindOf(err) != tt.kind || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("%v (kind %v), want kind %v saying %q", err, sdk.KindOf(err), tt.kind, tt.says)
			}
		})
	}
}

func TestSignedURI(t *testing.T) {
	tests := []struct{ public, received, want string }{
		{"https://hooks.example.com", "/hooks/hubspot?a=1", "https://hooks.example.com/hooks/hubspot?a=1"},
		{"https://hooks.example.com/", "/x", "https://hooks.example.com/x"},
		{"https://public.example.com/cxhub/hubspot", "/hubspot", "https://public.example.com/cxhub/hubspot"},
		{"https://public.example.com/in?app=7", "/in", "https://public.example.com/in?app=7"},
		{"https://h.example.com", "/p?email=a%40b.com&x=%3A%2f%20", "https://h.example.com/p?email=a@b.com&x=:/%20"},
	}
	for _, tt := range tests {
		got, err := signedURI(tt.public, tt.received)
		if err != nil || got != tt.want {
			t.Errorf("signedURI(%q, %q) = %q, %v; want %q", tt.public, tt.received, got, err, tt.want)
		}
	}
}

// TestWebhookOverHTTP receives a delivery the sandbox sends over the
// loopback, signed for the URL it called.
func TestWebhookOverHTTP(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	var got []sdk.Record
	var hookErr error
	recv := httpServer(t, func(w http.ResponseWriter, r *http.Request, body []byte, base string) {
		resp, err := e.conn.HandleWebhook(r.Context(), sdk.WebhookRequest{Method: r.Method, URL: r.URL.RequestURI(), Header: r.Header, Body: body,
			Config: e.config(map[string]any{"client_secret": sandbox.DefaultWebhookSecret, "webhook_url": base})})
		got, hookErr = resp.Records, err
		if err != nil {
			w.WriteHeader(401)
		}
	})
	id := e.ids(streamCompanies)[3]
	events, err := e.sb.Events(streamCompanies, id)
	if err != nil {
		t.Fatal(err)
	}
	status, err := e.sb.Deliver(t.Context(), recv+"/webhooks/hubspot?src=test", events)
	if err != nil || status != 200 || hookErr != nil || len(got) != 1 || got[0].Key != id || got[0].Stream != streamCompanies {
		t.Fatalf("delivery: status %d, %v; handler: %v, records %v", status, err, hookErr, got)
	}
}
