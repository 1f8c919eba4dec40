package surveymonkey

import (
	"strings"
	"testing"

	"github.com/cxhub/cxhub/connectors/surveymonkey/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// TestWebhookResponseCompleted: a signed response_completed delivery
// gives the response's record, with its texts and score; the same event
// again gives nothing; a changed body, a wrong key or a missing signature
// is refused as an auth error; another event type is acknowledged empty.
func TestWebhookResponseCompleted(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 13}, nil)
	x, err := e.sb.AddResponse(sandbox.NPSSurveyID, "dora@example.org", "Dora", "Ng", 3, "Too slow.")
	if err != nil {
		t.Fatal(err)
	}
	body, h, err := e.sb.Delivery(sandbox.NPSSurveyID, x.ID)
	if err != nil {
		t.Fatal(err)
	}
	req := sdk.WebhookRequest{Config: e.config(nil), Method: "POST", URL: "/hooks/surveymonkey", Header: h, Body: body}
	resp, err := e.conn.HandleWebhook(t.Context(), req)
	if err != nil || len(resp.Records) != 1 {
		t.Fatalf("delivery: %+v, %v; want one record", resp, err)
	}
	r := gjson.ParseBytes(resp.Records[0].Data)
	if resp.Records[0].Key != x.ID || r.Get("email").String() != "dora@example.org" || r.Get("score").Int() != 3 ||
		r.Get("nps_category").String() != "detractor" || r.Get("comment").String() != "Too slow." {
		t.Errorf("record %s: want Dora's detractor response with her comment", r.Raw)
	}
	if again, err := e.conn.HandleWebhook(t.Context(), req); err != nil || len(again.Records) != 0 {
		t.Errorf("replayed delivery: %d records, %v; want none", len(again.Records), err)
	}
	tampered := req
	tampered.Body = []byte(strings.Replace(string(body), x.ID, "1100000001", 1))
	if _, err := e.conn.HandleWebhook(t.Context(), tampered); sdk.KindOf(err) != sdk.KindAuth {
		t.Errorf("tampered body: %v, want an auth error", err)
	}
	wrongKey := req
	wrongKey.Config = e.config(map[string]any{"api_secret": "another"})
	if _, err := e.conn.HandleWebhook(t.Context(), wrongKey); sdk.KindOf(err) != sdk.KindAuth {
		t.Errorf("wrong secret: %v, want an auth error", err)
	}
	unsigned := req
	unsigned.Header = h.Clone()
	unsigned.Header.Del(sandbox.SignatureHeader)
	if _, err := e.conn.HandleWebhook(t.Context(), unsigned); sdk.KindOf(err) != sdk.KindAuth {
		t.Errorf("unsigned: %v, want an auth error", err)
	}
	other := []byte(`{"event_type":"collector_created","object_id":"1","resources":{"survey_id":"400000001"}}`)
	signed := h.Clone()
	signed.Set(sandbox.SignatureHeader, sandbox.Signer(sandbox.DefaultAPIKey, sandbox.DefaultAPISecret).Sign(other))
	if got, err := e.conn.HandleWebhook(t.Context(), sdk.WebhookRequest{Config: e.config(nil), Header: signed, Body: other}); err != nil || len(got.Records) != 0 {
		t.Errorf("collector_created: %d records, %v; want none, acknowledged", len(got.Records), err)
	}
}

// TestWebhookKeysWithATrailingNewlineStillVerify: api_key and api_secret
// put in environment variables from files often end in a newline; they are
// trimmed, as token is. Before, every genuine delivery was refused.
func TestWebhookKeysWithATrailingNewlineStillVerify(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 16}, nil)
	x := e.sb.Responses(sandbox.NPSSurveyID)[0]
	body, h, err := e.sb.Delivery(sandbox.NPSSurveyID, x.ID)
	if err != nil {
		t.Fatal(err)
	}
	cfg := e.config(map[string]any{"api_key": sandbox.DefaultAPIKey + "\n", "api_secret": sandbox.DefaultAPISecret + "\n"})
	resp, err := e.conn.HandleWebhook(t.Context(), sdk.WebhookRequest{Config: cfg, Method: "POST", Header: h, Body: body})
	if err != nil || len(resp.Records) != 1 || resp.Records[0].Key != x.ID {
		t.Errorf("delivery with keys ending in a newline: %+v, %v; want response %s", resp, err, x.ID)
	}
}

// TestWebhookResponseDeletedGivesADelete: a signed response_deleted
// delivery gives the response's delete record (it was acknowledged with
// none, so a deleted response stayed in every destination); the same
// event again gives nothing.
func TestWebhookResponseDeletedGivesADelete(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 13}, nil)
	body := []byte(`{"event_id":"ev-9","event_type":"response_deleted","object_type":"response","object_id":"1100000042",` +
		`"resources":{"survey_id":"400000001","collector_id":"500000001"}}`)
	h := make(map[string][]string)
	req := sdk.WebhookRequest{Config: e.config(nil), Method: "POST", URL: "/hooks/surveymonkey", Body: body, Header: h}
	req.Header.Set(sandbox.SignatureHeader, sandbox.Signer(sandbox.DefaultAPIKey, sandbox.DefaultAPISecret).Sign(body))
	resp, err := e.conn.HandleWebhook(t.Context(), req)
	if err != nil || len(resp.Records) != 1 {
		t.Fatalf("response_deleted: %+v, %v; want one record", resp, err)
	}
	if r := resp.Records[0]; r.Op != sdk.Delete || r.Key != "1100000042" || r.Stream != "responses" ||
		gjson.GetBytes(r.Data, "id").String() != "1100000042" {
		t.Errorf("record %+v (%s): want the delete of response 1100000042", r, r.Data)
	}
	if again, err := e.conn.HandleWebhook(t.Context(), req); err != nil || len(again.Records) != 0 {
		t.Errorf("replayed delivery: %d records, %v; want none", len(again.Records), err)
	}
}
