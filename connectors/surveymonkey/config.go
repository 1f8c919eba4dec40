package surveymonkey

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
)

// Defaults of the config.
const (
	DefaultBaseURL = "https://api.surveymonkey.com/v3"
	userAgent      = "cxhub-connector-surveymonkey/" + Version + " (+https://github.com/cxhub/cxhub)"
)

// SurveyMonkey's rate-limit headers.
const (
	minuteLimitHeader     = "X-Ratelimit-App-Global-Minute-Limit"
	minuteRemainingHeader = "X-Ratelimit-App-Global-Minute-Remaining"
	minuteResetHeader     = "X-Ratelimit-App-Global-Minute-Reset"
	dayRemainingHeader    = "X-Ratelimit-App-Global-Day-Remaining"
	dayResetHeader        = "X-Ratelimit-App-Global-Day-Reset"
)

// config is a connection's config. Its tags are its schema
// (sdk.ConfigSchemaOf), its defaults and its secrets.
type config struct {
	Token             string   `json:"token" required:"true" minLength:"1" secret:"true" doc:"Access token of the SurveyMonkey app, sent as a Bearer token. Scopes: surveys_read, responses_read_detail, contacts_read and contacts_write (to write contacts)."`
	BaseURL           string   `json:"base_url" pattern:"^https?://" default:"https://api.surveymonkey.com/v3" doc:"Root of the SurveyMonkey API (/v3 is added when missing). Change it only for a sandbox, a proxy or another data centre (api.eu.surveymonkey.com). Plain http is accepted for loopback hosts only (a local sandbox): the token travels in every request."`
	SurveyIDs         []string `json:"survey_ids" uniqueItems:"true" minLength:"1" doc:"The surveys to read. Empty (the default): every survey the token can see, listed at each read."`
	NPSQuestions      []string `json:"nps_questions" uniqueItems:"true" minLength:"1" doc:"Question ids whose answer is an NPS score (0 to 10). Without it, a question whose choices are exactly 0 to 10 is taken for NPS."`
	CSATQuestions     []string `json:"csat_questions" uniqueItems:"true" minLength:"1" doc:"Question ids whose answer is a CSAT score: the chosen choice's position (1 to the number of choices). Without it, a closed question with 3 to 7 choices whose heading asks how satisfied is taken for CSAT."`
	ContactListID     string   `json:"contact_list_id" doc:"The contact list that writes of the contacts stream add to (the audience of the next survey). Needed only to write."`
	APIKey            string   `json:"api_key" secret:"true" doc:"The app's API key (client id), which SurveyMonkey sends in Sm-Apikey with webhooks. Needed only to receive webhooks."`
	APISecret         string   `json:"api_secret" secret:"true" doc:"The app's secret: with api_key it makes the key that signs webhooks (Sm-Signature). Needed only to receive webhooks."`
	PerPage           int      `json:"per_page" minimum:"1" maximum:"100" default:"100" doc:"Responses per request of the bulk endpoint (SurveyMonkey allows 100)."`
	StartModifiedAt   string   `json:"start_modified_at" format:"date-time" doc:"Optional: a first read starts at responses modified at or after this time (RFC 3339) instead of the beginning."`
	RequestsPerMinute int      `json:"requests_per_minute" minimum:"1" default:"120" doc:"Pace of requests until SurveyMonkey's X-Ratelimit-App-Global-Minute headers say the real limit (120 for draft apps)."`
	MaxRetries        int      `json:"max_retries" minimum:"-1" maximum:"20" default:"0" doc:"Retries of a failed request (5xx, dropped connection, 429) before the call fails; 0 means the SDK's default (4), -1 none."`

	// start is StartModifiedAt parsed; zero for none.
	start time.Time
}

// parseConfig decodes and checks a config; every failure is a ConfigError
// naming the field.
func parseConfig(raw sdk.Config) (config, error) { return sdk.DecodeConfig[config](raw) }

// Validate checks what the schema cannot say, completes base_url with
// /v3 and parses start_modified_at.
func (c *config) Validate() error {
	c.Token = strings.TrimSpace(c.Token)
	// Keys hold no spaces: a newline from a file is not part of them.
	c.APIKey, c.APISecret = strings.TrimSpace(c.APIKey), strings.TrimSpace(c.APISecret)
	if c.Token == "" {
		return errors.New("token: a SurveyMonkey access token is required (the app's access token)")
	}
	base, err := httpx.ParseBaseURL("base_url", c.BaseURL, DefaultBaseURL)
	if err != nil {
		return err
	}
	// The API lives under /v3: a bare host (a sandbox's URL) gets it.
	if !strings.HasSuffix(base.Path, "/v3") {
		base.Path += "/v3"
	}
	c.BaseURL = base.String()
	if c.StartModifiedAt != "" {
		if c.start, err = time.Parse(time.RFC3339, c.StartModifiedAt); err != nil {
			return fmt.Errorf("start_modified_at %q: want an RFC 3339 time such as 2026-01-01T00:00:00Z", c.StartModifiedAt)
		}
	}
	for _, q := range c.NPSQuestions {
		if slices.Contains(c.CSATQuestions, q) {
			return fmt.Errorf("nps_questions and csat_questions both name question %q", q)
		}
	}
	return nil
}

// client returns an HTTP client for the account: Bearer auth, pacing by
// SurveyMonkey's minute headers (and a static limit until they are seen),
// and the daily quota from the day headers.
func (c *Connector) client(cfg config, retries int) (*httpx.Client, error) {
	return httpx.New(httpx.Options{
		BaseURL:    cfg.BaseURL,
		Auth:       httpx.Bearer(cfg.Token),
		UserAgent:  userAgent,
		MaxRetries: retries,
		MinBackoff: c.opts.MinBackoff,
		MaxBackoff: c.opts.MaxBackoff,
		RateLimits: httpx.RateLimits{
			Static: map[string]httpx.Limit{"": {Requests: cfg.RequestsPerMinute, Interval: time.Minute}},
			Headers: httpx.RateHeaders{Limit: minuteLimitHeader, Remaining: minuteRemainingHeader, Reset: minuteResetHeader,
				Interval: ""},
			Quota: httpx.QuotaHeaders{Name: "daily", Remaining: dayRemainingHeader, Reset: dayResetHeader},
		},
		MessagePaths: []string{"error.message", "message"},
		Transport:    c.opts.Transport,
		Counter:      c.opts.Counter,
	})
}

// retries is the config's retry budget for reads and writes: max_retries,
// where -1 means none and 0 httpx's default.
func (cfg config) retries() int { return cfg.MaxRetries }
