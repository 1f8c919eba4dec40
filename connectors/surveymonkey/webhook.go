package surveymonkey

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/webhook"
	"github.com/tidwall/gjson"
)

// Webhook headers SurveyMonkey sends.
const (
	signatureHeader = "Sm-Signature"
	apiKeyHeader    = "Sm-Apikey"
)

// HandleWebhook verifies a SurveyMonkey notification and, for a
// response_completed event, fetches the response and returns its record;
// a response_deleted event gives the response's delete.
// The signature is base64(HMAC-SHA1(api_key + "&" + api_secret, raw body))
// in Sm-Signature; Sm-Apikey, when sent, must be the config's api_key. A
// delivery that fails verification is an AuthError, one that cannot be
// parsed a BadRecord; other event types and replayed events (same
// event_id) are acknowledged without records.
func (c *Connector) HandleWebhook(ctx context.Context, req sdk.WebhookRequest) (sdk.WebhookResponse, error) {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return sdk.WebhookResponse{}, err
	}
	if cfg.APIKey == "" || cfg.APISecret == "" {
		return sdk.WebhookResponse{}, sdk.ConfigError(errors.New("api_key and api_secret are required to verify SurveyMonkey webhooks"))
	}
	if key, err := webhook.HeaderValue(req.Header, apiKeyHeader); err == nil && !hmac.Equal([]byte(key), []byte(cfg.APIKey)) {
		return sdk.WebhookResponse{}, sdk.AuthError(errors.New("surveymonkey webhook: Sm-Apikey is not the config's api_key"))
	}
	sig, err := webhook.HeaderValue(req.Header, signatureHeader)
	if err != nil {
		return sdk.WebhookResponse{}, sdk.AuthError(fmt.Errorf("surveymonkey webhook: %w", err))
	}
	signer := webhook.Signer{Secret: []byte(cfg.APIKey + "&" + cfg.APISecret), Hash: sha1.New}
	if err := signer.Verify(sig, req.Body); err != nil {
		return sdk.WebhookResponse{}, fmt.Errorf("surveymonkey webhook: %w", err)
	}
	if !gjson.ValidBytes(req.Body) {
		return sdk.WebhookResponse{}, sdk.BadRecord(errors.New("surveymonkey webhook: the body is not JSON"))
	}
	ev := gjson.ParseBytes(req.Body)
	switch ev.Get("event_type").String() {
	case "response_completed":
	case "response_deleted":
		return c.responseDeleted(ev)
	default:
		return sdk.WebhookResponse{StatusCode: http.StatusOK}, nil
	}
	responseID, surveyID := ev.Get("object_id").String(), ev.Get("resources.survey_id").String()
	if responseID == "" || surveyID == "" {
		return sdk.WebhookResponse{}, sdk.BadRecord(errors.New("surveymonkey webhook: response_completed without object_id or resources.survey_id"))
	}
	client, err := c.client(cfg, cfg.retries())
	if err != nil {
		return sdk.WebhookResponse{}, err
	}
	defer client.CloseIdleConnections()
	s, err := newDetails(client, cfg).get(ctx, surveyID)
	if err != nil {
		return sdk.WebhookResponse{}, webhook.FetchError(fmt.Errorf("surveymonkey webhook: %w", err))
	}
	resp, err := client.Get(ctx, "/surveys/"+url.PathEscape(surveyID)+"/responses/"+url.PathEscape(responseID)+"/details", nil)
	if err != nil {
		return sdk.WebhookResponse{}, webhook.FetchError(fmt.Errorf("surveymonkey webhook: fetch response %s of survey %s: %w", responseID, surveyID, err))
	}
	// A replay is dropped once the event was handled: a delivery whose
	// fetch failed is retried by SurveyMonkey and must not be dropped then.
	if id := ev.Get("event_id").String(); id != "" && c.replays.Seen(id, c.opts.Now()) {
		return sdk.WebhookResponse{StatusCode: http.StatusOK}, nil
	}
	rec := buildRecord(streamResponses, resp.JSON(), s)
	return sdk.WebhookResponse{Records: []sdk.Record{rec}, StatusCode: http.StatusOK}, nil
}

// responseDeleted is the delete record of the response a response_deleted
// event names (its object_id), so that destinations drop it too.
func (c *Connector) responseDeleted(ev gjson.Result) (sdk.WebhookResponse, error) {
	responseID := ev.Get("object_id").String()
	if responseID == "" {
		return sdk.WebhookResponse{}, sdk.BadRecord(errors.New("surveymonkey webhook: response_deleted without object_id"))
	}
	if id := ev.Get("event_id").String(); id != "" && c.replays.Seen(id, c.opts.Now()) {
		return sdk.WebhookResponse{StatusCode: http.StatusOK}, nil
	}
	data, err := json.Marshal(map[string]string{"id": responseID})
	if err != nil {
		return sdk.WebhookResponse{}, err
	}
	rec := sdk.Record{Stream: streamResponses, Key: responseID, Op: sdk.Delete, Data: data}
	return sdk.WebhookResponse{Records: []sdk.Record{rec}, StatusCode: http.StatusOK}, nil
}
