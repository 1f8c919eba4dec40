package hubspot

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/hubspot/sandbox"
	"github.com/cxhub/cxhub/connectors/internal/webhookfuzz"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
	"github.com/tidwall/gjson"
)

// fuzzNow is the clock of the fuzz targets: timestamps are checked against it.
var fuzzNow = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

// fuzzStamp is an X-HubSpot-Request-Timestamp the fuzz targets accept.
var fuzzStamp = strconv.FormatInt(fuzzNow.UnixMilli(), 10)

// FuzzWebhookUnsigned hands HandleWebhook deliveries whose method, URL,
// headers and body are all made up: none is signed with the client secret,
// so every one must be refused with an AuthError that does not show the
// secret, and none may panic or reach HubSpot (base_url is a closed port).
func FuzzWebhookUnsigned(f *testing.F) {
	body := `[{"eventId":1,"portalId":62515,"occurredAt":1,"subscriptionType":"contact.creation","objectId":1001}]`
	goodSig := func(secret, uri, b string) string {
		sb, err := sandbox.New(sandbox.Options{Contacts: -1, Companies: -1, Notes: -1, WebhookSecret: secret})
		if err != nil {
			f.Fatal(err)
		}
		return sb.Sign("POST", uri, []byte(b), fuzzNow)
	}
	for _, seed := range []struct{ method, url, headers, body string }{
		{"POST", "/hooks", "", body},
		{"POST", "/hooks", "X-HubSpot-Signature-v3: \nX-HubSpot-Request-Timestamp: " + fuzzStamp, body},
		{"POST", "/hooks", "X-HubSpot-Signature-v3: AAAA\nX-HubSpot-Request-Timestamp: " + fuzzStamp, body},
		{"POST", "/hooks", "x-hubspot-signature-v3: " + goodSig("other-secret", hookURL+"/hooks", body) + "\nx-hubspot-request-timestamp: " + fuzzStamp, body},
		{"POST", "/hooks", "X-HubSpot-Signature-v3: " + goodSig(sandbox.DefaultWebhookSecret, hookURL+"/hooks", body) + "\nX-HubSpot-Request-Timestamp: " + fuzzStamp, body + " "},
		{"GET", "/hooks?a=%zz", "X-HubSpot-Signature-v3: ====\nX-HubSpot-Request-Timestamp: -1", "not json"},
		{"", "::%%", "X-HubSpot-Request-Timestamp: 99999999999999999999999\nX-HubSpot-Signature-v3: x", ""},
		{"POST", "/hooks", "X-HubSpot-Signature-v3: x\nX-HubSpot-Signature-v3: y\nX-HubSpot-Request-Timestamp: 1", "[]"},
	} {
		f.Add(seed.method, seed.url, seed.headers, []byte(seed.body))
	}
	closed := sdktest.UnreachableURL(f)
	conn := NewWithOptions(Options{Now: func() time.Time { return fuzzNow }})
	cfg, err := json.Marshal(map[string]any{"base_url": closed, "token": "t", "client_secret": sandbox.DefaultWebhookSecret, "webhook_url": hookURL})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, url, headers string, body []byte) {
		resp, err := conn.HandleWebhook(t.Context(), sdk.WebhookRequest{Config: cfg, Method: method, URL: url,
			Header: webhookfuzz.HeaderLines(headers), Body: body})
		sdktest.WantWebhookRefused(t, resp, err, sandbox.DefaultWebhookSecret)
	})
}

// FuzzWebhookSigned signs made-up bodies with the client secret at the
// current time, so that they get past the signature to the parser and the
// batch reads behind it (a sandbox on 127.0.0.1). HandleWebhook never
// panics; it fails only with a bad record (a body that is not events), and
// otherwise returns valid records: contacts and companies with a numeric
// key, once each, an upsert as HubSpot's object with that id, a delete as
// {"id":...}. The same request again gives nothing, without an error.
func FuzzWebhookSigned(f *testing.F) {
	sb, err := sandbox.New(sandbox.Options{Contacts: 120, Companies: 10, Notes: -1, NoRateLimit: true, DailyLimit: 1 << 40})
	if err != nil {
		f.Fatal(err)
	}
	srv := sdktest.StartSandbox(f, sb)
	contact, company := sb.Objects(streamContacts)[0].ID, sb.Objects(streamCompanies)[0].ID
	for _, seed := range []string{
		`[{"eventId":1,"portalId":62515,"subscriptionId":7,"occurredAt":1000,"subscriptionType":"contact.propertyChange","objectId":` + contact +
			`,"propertyName":"firstname","propertyValue":"Ada","attemptNumber":0}]`,
		`[{"eventId":2,"occurredAt":1,"subscriptionType":"company.creation","objectId":` + company + `},` +
			`{"eventId":3,"occurredAt":2,"subscriptionType":"company.deletion","objectId":` + company + `},` +
			`{"eventId":4,"occurredAt":1,"subscriptionType":"object.propertyChange","objectTypeId":"0-1","objectId":` + contact + `},` +
			`{"eventId":5,"occurredAt":1,"subscriptionType":"contact.privacyDeletion","objectId":5999999},` +
			`{"eventId":6,"occurredAt":1,"subscriptionType":"deal.creation","objectId":77}]`,
		`[{"subscriptionType":"contact","objectId":-5},{"subscriptionType":".","objectId":9223372036854775807},{"objectId":0}]`,
		`[{"eventId":1.5}]`, `[{"objectId":"1001"}]`, `{"eventId":1}`, `null`, `[]`, `[null,{}]`, ``, `[`,
		manyEvents(150),
	} {
		f.Add([]byte(seed))
	}
	cfg, err := json.Marshal(map[string]any{"base_url": srv.URL, "token": sandbox.DefaultToken,
		"client_secret": sandbox.DefaultWebhookSecret, "webhook_url": hookURL})
	if err != nil {
		f.Fatal(err)
	}
	const path = "/hooks/hubspot?portal=62515"
	f.Fuzz(func(t *testing.T, body []byte) {
		conn := NewWithOptions(Options{Now: func() time.Time { return fuzzNow }, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond})
		req := sdk.WebhookRequest{Config: cfg, Method: "POST", URL: path, Body: body,
			Header: sb.DeliveryHeaders("POST", hookURL+path, body, fuzzNow)}
		resp, err := conn.HandleWebhook(t.Context(), req)
		if err != nil {
			if k := sdk.KindOf(err); k != sdk.KindBadRecord {
				t.Fatalf("a signed delivery failed with a %v error, want only bad records: %v", k, err)
			}
		} else if problems := webhookRecordProblems(resp.Records); len(problems) > 0 {
			t.Fatalf("records of %q:\n%s", body, strings.Join(problems, "\n"))
		}
		again, err := conn.HandleWebhook(t.Context(), req)
		if err != nil || len(again.Records) != 0 {
			t.Fatalf("the same request again gave %d records, %v; want none and no error", len(again.Records), err)
		}
	})
}

// manyEvents is a delivery of n events naming n contacts, more than one
// batch read takes.
func manyEvents(n int) string {
	events := make([]string, n)
	for i := range events {
		events[i] = fmt.Sprintf(`{"eventId":%d,"occurredAt":%d,"subscriptionType":"contact.propertyChange","objectId":%d}`, i+1, i, 1001+i)
	}
	return "[" + strings.Join(events, ",") + "]"
}

// webhookRecordProblems says what is wrong with the records of a delivery.
func webhookRecordProblems(records []sdk.Record) []string {
	var problems []string
	seen := map[string]bool{}
	for _, r := range records {
		id := r.Stream + "/" + r.Key
		if n, err := strconv.ParseInt(r.Key, 10, 64); err != nil || n <= 0 || strconv.FormatInt(n, 10) != r.Key {
			problems = append(problems, id+": the key is not a HubSpot id")
		}
		if !slices.Contains([]string{streamContacts, streamCompanies}, r.Stream) || seen[id] || r.Problem != "" {
			problems = append(problems, id+": not a contact or company, or returned twice, or with a problem")
		}
		seen[id] = true
		switch {
		case r.Op == sdk.Delete && string(r.Data) != `{"id":"`+r.Key+`"}`:
			problems = append(problems, fmt.Sprintf("%s: delete with data %s", id, r.Data))
		case r.Op == sdk.Upsert && (!json.Valid(r.Data) || gjson.GetBytes(r.Data, "id").String() != r.Key || r.UpdatedAt.IsZero()):
			problems = append(problems, fmt.Sprintf("%s: upsert with data %.200s, updated %v", id, r.Data, r.UpdatedAt))
		case r.Op != sdk.Delete && r.Op != sdk.Upsert:
			problems = append(problems, fmt.Sprintf("%s: operation %d", id, r.Op))
		}
	}
	return problems
}
