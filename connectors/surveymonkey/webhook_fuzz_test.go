package surveymonkey

import (
	"encoding/json"
	"testing"

	"github.com/cxhub/cxhub/connectors/internal/webhookfuzz"
	"github.com/cxhub/cxhub/connectors/surveymonkey/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// FuzzWebhookUnsigned hands HandleWebhook deliveries whose headers and
// body are made up: none is signed with the app's key and secret, so every
// one must be refused with an AuthError that does not show the secret, and
// none may panic or reach SurveyMonkey (base_url is a closed port).
func FuzzWebhookUnsigned(f *testing.F) {
	body := `{"event_type":"response_completed","event_id":"1","object_id":"1100000001","resources":{"survey_id":"400000001"}}`
	other := sandbox.Signer(sandbox.DefaultAPIKey, "another-secret").Sign([]byte(body))
	mine := sandbox.Signer(sandbox.DefaultAPIKey, sandbox.DefaultAPISecret).Sign([]byte(body))
	for _, seed := range []struct{ headers, body string }{
		{"", body},
		{"Sm-Signature: ", body},
		{"sm-signature: " + other + "\nsm-apikey: " + sandbox.DefaultAPIKey, body},
		{"Sm-Signature: " + mine + "\nSm-Apikey: someone-else", body},
		{"Sm-Signature: " + mine, body + " "},
		{"Sm-Signature: %%%", "not json"},
		{"Sm-Signature: a\nSm-Signature: b", ""},
	} {
		f.Add(seed.headers, []byte(seed.body))
	}
	conn := New()
	cfg, err := json.Marshal(map[string]any{"base_url": sdktest.UnreachableURL(f), "token": sandbox.DefaultToken,
		"api_key": sandbox.DefaultAPIKey, "api_secret": sandbox.DefaultAPISecret})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, headers string, body []byte) {
		resp, err := conn.HandleWebhook(t.Context(), sdk.WebhookRequest{Config: cfg, Method: "POST", URL: "/webhooks/surveymonkey",
			Header: webhookfuzz.HeaderLines(headers), Body: body})
		sdktest.WantWebhookRefused(t, resp, err, sandbox.DefaultAPISecret, sandbox.DefaultToken)
	})
}
