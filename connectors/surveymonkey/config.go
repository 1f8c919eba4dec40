package surveymonkey

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
)

// Defaults of the config.
const (
	DefaultBaseURL           = "https://api.surveymonkey.com/v3"
	defaultPerPage           = 100
	defaultRequestsPerMinute = 120
	userAgent                = "cxhub-connector-surveymonkey/" + Version + " (+https://github.com/cxhub/cxhub)"
)

// SurveyMonkey's rate-limit headers.
const (
	minuteLimitHeader     = "X-Ratelimit-App-Global-Minute-Limit"
	minuteRemainingHeader = "X-Ratelimit-App-Global-Minute-Remaining"
	minuteResetHeader     = "X-Ratelimit-App-Global-Minute-Reset"
	dayRemainingHeader    = "X-Ratelimit-App-Global-Day-Remaining"
	dayResetHeader        = "X-Ratelimit-App-Global-Day-Reset"
)

// config is a connection's config, defaults applied.
type config struct {
	BaseURL           string   `json:"base_url"`
	Token             string   `json:"token"`
	SurveyIDs         []string `json:"survey_ids"`
	NPSQuestions      []string `json:"nps_questions"`
	CSATQuestions     []string `json:"csat_questions"`
	ContactListID     string   `json:"contact_list_id"`
	APIKey            string   `json:"api_key"`
	APISecret         string   `json:"api_secret"`
	PerPage           int      `json:"per_page"`
	StartModifiedAt   string   `json:"start_modified_at"`
	RequestsPerMinute int      `json:"requests_per_minute"`
	MaxRetries        int      `json:"max_retries"`

	// start is StartModifiedAt parsed; zero for none.
	start time.Time
}

// parseConfig decodes and checks a config; every failure is a ConfigError
// naming the field.
func parseConfig(raw sdk.Config) (config, error) {
	var c config
	if err := raw.Decode(&c); err != nil {
		return c, err
	}
	c.Token = strings.TrimSpace(c.Token)
	if c.Token == "" {
		return c, sdk.ConfigError(errors.New("token: a SurveyMonkey access token is required (the app's access token)"))
	}
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return c, sdk.ConfigError(fmt.Errorf("base_url %q: want an http(s) URL such as %s", c.BaseURL, DefaultBaseURL))
	}
	// The API lives under /v3: a bare host (a sandbox's URL) gets it.
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if !strings.HasSuffix(u.Path, "/v3") && !strings.HasSuffix(u.Path, "/v3/") {
		c.BaseURL += "/v3"
	}
	switch {
	case c.PerPage == 0:
		c.PerPage = defaultPerPage
	case c.PerPage < 1 || c.PerPage > 100:
		return c, sdk.ConfigError(fmt.Errorf("per_page %d: want 1 to 100", c.PerPage))
	}
	switch {
	case c.RequestsPerMinute == 0:
		c.RequestsPerMinute = defaultRequestsPerMinute
	case c.RequestsPerMinute < 0:
		return c, sdk.ConfigError(fmt.Errorf("requests_per_minute %d: want at least 1", c.RequestsPerMinute))
	}
	if c.StartModifiedAt != "" {
		if c.start, err = time.Parse(time.RFC3339, c.StartModifiedAt); err != nil {
			return c, sdk.ConfigError(fmt.Errorf("start_modified_at %q: want an RFC 3339 time such as 2026-01-01T00:00:00Z", c.StartModifiedAt))
		}
	}
	for _, q := range c.NPSQuestions {
		if slices.Contains(c.CSATQuestions, q) {
			return c, sdk.ConfigError(fmt.Errorf("nps_questions and csat_questions both name question %q", q))
		}
	}
	return c, nil
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
