package zendesk

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/internal/webhookfuzz"
	"github.com/cxhub/cxhub/connectors/zendesk/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
	"github.com/tidwall/gjson"
)

// fuzzNow is the clock of the fuzz targets, and fuzzStamp a signature
// timestamp they accept.
var (
	fuzzNow   = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	fuzzStamp = fuzzNow.Format(time.RFC3339)
)

// FuzzWebhookUnsigned hands HandleWebhook deliveries whose headers and
// body are made up: none is signed with the webhook secret, so every one
// must be refused with an AuthError that does not show the secret, and
// none may panic or reach Zendesk (base_url is a closed port).
func FuzzWebhookUnsigned(f *testing.F) {
	body := `{"type":"zen:event-type:ticket.created","id":"01HZ","subject":"zen:ticket:1","detail":{"id":"1"}}`
	other, err := sandbox.New(sandbox.Options{Empty: true, WebhookSecret: "other-secret"})
	if err != nil {
		f.Fatal(err)
	}
	mine, err := sandbox.New(sandbox.Options{Empty: true})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []struct{ headers, body string }{
		{"", body},
		{"X-Zendesk-Webhook-Signature: \nX-Zendesk-Webhook-Signature-Timestamp: " + fuzzStamp, body},
		{"x-zendesk-webhook-signature: " + other.SignWebhook(fuzzStamp, []byte(body)) + "\nx-zendesk-webhook-signature-timestamp: " + fuzzStamp, body},
		{"X-Zendesk-Webhook-Signature: " + mine.SignWebhook(fuzzStamp, []byte(body)) + "\nX-Zendesk-Webhook-Signature-Timestamp: " + fuzzStamp, body + " "},
		{"X-Zendesk-Webhook-Signature: " + mine.SignWebhook("2026-05-01T12:00:00+0000", []byte(body)) + "\nX-Zendesk-Webhook-Signature-Timestamp: " + fuzzStamp, body},
		{"X-Zendesk-Webhook-Signature: %%%\nX-Zendesk-Webhook-Signature-Timestamp: yesterday", "not json"},
		{"X-Zendesk-Webhook-Signature: a\nX-Zendesk-Webhook-Signature: b\nX-Zendesk-Webhook-Signature-Timestamp: ", ""},
	} {
		f.Add(seed.headers, []byte(seed.body))
	}
	conn := NewWithOptions(Options{Now: func() time.Time { return fuzzNow }})
	cfg, err := json.Marshal(map[string]any{"base_url": sdktest.UnreachableURL(f), "email": sandbox.DefaultEmail,
		"token": sandbox.DefaultToken, "webhook_secret": sandbox.DefaultWebhookSecret})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, headers string, body []byte) {
		resp, err := conn.HandleWebhook(t.Context(), sdk.WebhookRequest{Config: cfg, Method: "POST", URL: "/webhooks/zendesk",
			Header: webhookfuzz.HeaderLines(headers), Body: body})
		sdktest.WantWebhookRefused(t, resp, err, sandbox.DefaultWebhookSecret)
	})
}

// FuzzWebhookSigned signs made-up bodies with the webhook secret at the
// current time, so that they get past the signature to the parser and the
// fetch behind it (a sandbox on 127.0.0.1). HandleWebhook never panics; it
// fails only with a bad record (a body that is not an event about a ticket
// or user id), and otherwise returns valid records: at most one ticket or
// user, keyed by its id, an upsert as Zendesk's object, a delete as
// {"id":...}. The same delivery again gives nothing, without an error,
// once it has been answered and has an event id.
func FuzzWebhookSigned(f *testing.F) {
	sb, err := sandbox.New(sandbox.Options{Seed: 3, Users: 4, Tickets: 5, NoRateLimits: true, Now: func() time.Time { return fuzzNow }})
	if err != nil {
		f.Fatal(err)
	}
	srv := sdktest.StartSandbox(f, sb)
	ticket, user := sb.Tickets()[0].ID, sb.Users()[0].ID
	for _, seed := range []string{
		fmt.Sprintf(`{"type":"zen:event-type:ticket.created","account_id":1,"id":"01HZ1","subject":"zen:ticket:%d","detail":{"id":"%[1]d"}}`, ticket),
		fmt.Sprintf(`{"type":"zen:event-type:user.deleted","id":"01HZ2","detail":{"id":"%d"}}`, user),
		fmt.Sprintf(`{"type":"zen:event-type:ticket.soft_deleted","subject":"zen:ticket:%d"}`, ticket),
		fmt.Sprintf(`{"type":"zen:event-type:user.created","id":3,"subject":"zen:user:%d","detail":{}}`, user),
		`{"type":"zen:event-type:ticket.permanently_deleted","id":"01HZ4","detail":{"id":"+7"}}`,
		`{"type":"zen:event-type:user.deleted","detail":{"id":"007"}}`,
		`{"type":"zen:event-type:ticket.created","detail":{"id":"-1"}}`,
		`{"type":"zen:event-type:ticket.created","detail":{"id":"99999999"}}`,
		`{"type":"zen:event-type:ticket.created","subject":"nothing"}`,
		`{"type":"zen:event-type:organization.created","detail":{"id":"5"}}`,
		`{"type":7}`, `[]`, `null`, `"x"`, `{`, ``,
	} {
		f.Add([]byte(seed))
	}
	cfg, err := json.Marshal(map[string]any{"base_url": srv.URL, "email": sandbox.DefaultEmail, "token": sandbox.DefaultToken,
		"webhook_secret": sandbox.DefaultWebhookSecret, "requests_per_minute": 1000000, "incremental_requests_per_minute": 1000000})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		conn := NewWithOptions(Options{Now: func() time.Time { return fuzzNow }, MinBackoff: time.Millisecond})
		req := sdk.WebhookRequest{Config: cfg, Method: "POST", URL: "/webhooks/zendesk", Body: body, Header: http.Header{
			sandbox.SignatureHeader: {sb.SignWebhook(fuzzStamp, body)}, sandbox.SignatureTimestampHeader: {fuzzStamp}}}
		resp, err := conn.HandleWebhook(t.Context(), req)
		if err != nil {
			if k := sdk.KindOf(err); k != sdk.KindBadRecord {
				t.Fatalf("a signed delivery failed with a %v error, want only bad records: %v", k, err)
			}
		} else if problems := webhookRecordProblems(resp.Records); len(problems) > 0 {
			t.Fatalf("records of %q:\n%s", body, strings.Join(problems, "\n"))
		}
		again, err2 := conn.HandleWebhook(t.Context(), req)
		switch {
		case err != nil:
			if sdk.KindOf(err2) != sdk.KindOf(err) {
				t.Fatalf("a failed delivery sent again: %v, want the same failure %v", err2, err)
			}
		case gjson.GetBytes(body, "id").String() != "":
			if err2 != nil || len(again.Records) != 0 {
				t.Fatalf("the same delivery again gave %d records, %v; want none and no error", len(again.Records), err2)
			}
		default: // without an event id, a delivery cannot be told from another
			if err2 != nil || len(again.Records) != len(resp.Records) {
				t.Fatalf("a delivery without an id, again, gave %d records, %v; want %d", len(again.Records), err2, len(resp.Records))
			}
		}
	})
}

// webhookRecordProblems says what is wrong with the records of a delivery.
func webhookRecordProblems(records []sdk.Record) []string {
	if len(records) > 1 {
		return []string{fmt.Sprintf("%d records from one event", len(records))}
	}
	var problems []string
	for _, r := range records {
		id := r.Stream + "/" + r.Key
		if n, err := strconv.ParseInt(r.Key, 10, 64); err != nil || n <= 0 || strconv.FormatInt(n, 10) != r.Key {
			problems = append(problems, id+": the key is not a Zendesk id")
		}
		if !slices.Contains([]string{StreamTickets, StreamUsers}, r.Stream) || r.Problem != "" {
			problems = append(problems, id+": not a ticket or user, or with a problem")
		}
		if !json.Valid(r.Data) || gjson.GetBytes(r.Data, "id").Raw != r.Key {
			problems = append(problems, fmt.Sprintf("%s: data %.200s is not an object with this id", id, r.Data))
		}
		if r.Op != sdk.Delete && r.Op != sdk.Upsert {
			problems = append(problems, fmt.Sprintf("%s: operation %d", id, r.Op))
		}
	}
	return problems
}
