package sandbox

import (
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/cxhub/cxhub/sdk/webhook"
)

// Webhook delivery headers.
const (
	SignatureHeader = "Sm-Signature"
	APIKeyHeader    = "Sm-Apikey"
)

var eventIDs atomic.Int64

// Signer returns the signer of deliveries for an app's API key and secret:
// base64(HMAC-SHA1(api_key + "&" + api_secret, raw body)).
func Signer(apiKey, apiSecret string) webhook.Signer {
	return webhook.Signer{Secret: []byte(apiKey + "&" + apiSecret), Hash: sha1.New}
}

// Delivery returns the body and headers of the response_completed
// notification SurveyMonkey sends for a response, signed with the
// sandbox's API key and secret.
func (s *Sandbox) Delivery(surveyID, responseID string) ([]byte, http.Header, error) {
	s.mu.Lock()
	x := s.findLocked(surveyID, responseID)
	s.mu.Unlock()
	if x == nil {
		return nil, nil, fmt.Errorf("surveymonkey sandbox: survey %s has no response %s", surveyID, responseID)
	}
	body, err := json.Marshal(map[string]any{
		"name": "cxhub", "filter_type": "survey", "filter_id": surveyID, "event_type": "response_completed",
		"event_id": strconv.FormatInt(10000000+eventIDs.Add(1), 10), "object_type": "response", "object_id": responseID,
		"event_datetime": formatTime(s.opts.Now()),
		"resources": map[string]any{"respondent_id": responseID, "recipient_id": "0", "survey_id": surveyID,
			"user_id": "300000001", "collector_id": x.CollectorID},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("encode delivery: %w", err)
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(APIKeyHeader, s.opts.APIKey)
	h.Set(SignatureHeader, Signer(s.opts.APIKey, s.opts.APISecret).Sign(body))
	return body, h, nil
}
