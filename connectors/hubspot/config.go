package hubspot

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
)

// Defaults of the config.
const (
	DefaultBaseURL        = "https://api.hubapi.com"
	DefaultSearchRate     = 4
	searchBucket          = "search"
	userAgent             = "cxhub-connector-hubspot/" + Version + " (+https://github.com/cxhub/cxhub)"
	checkRetries          = 1
	rateLimitMaxHeader    = "X-HubSpot-RateLimit-Max"
	rateLimitLeftHeader   = "X-HubSpot-RateLimit-Remaining"
	rateLimitWindowHeader = "X-HubSpot-RateLimit-Interval-Milliseconds"
)

// DefaultSearchLag is how far behind the server's clock a read's
// checkpoint stays unless search_lag says otherwise: HubSpot's search
// index shows a change a few seconds after it is made.
const DefaultSearchLag = 30 * time.Second

// config is a connection's config, defaults applied.
type config struct {
	BaseURL            string   `json:"base_url"`
	Token              string   `json:"token"`
	ContactProperties  []string `json:"contact_properties"`
	CompanyProperties  []string `json:"company_properties"`
	NoteProperties     []string `json:"note_properties"`
	CompanyKeyProperty string   `json:"company_key_property"`
	NoteKeyProperty    string   `json:"note_key_property"`
	SearchRate         int      `json:"search_requests_per_second"`
	SearchLag          string   `json:"search_lag"`
	ClientSecret       string   `json:"client_secret"`
	WebhookURL         string   `json:"webhook_url"`

	// lag is SearchLag parsed: DefaultSearchLag when unset, 0 for none.
	lag time.Duration
}

// parseConfig decodes and checks a config; every failure is a ConfigError
// naming the field.
func parseConfig(raw sdk.Config) (config, error) {
	var cfg config
	if err := raw.Decode(&cfg); err != nil {
		return cfg, err
	}
	cfg.Token = strings.TrimSpace(cfg.Token)
	if cfg.Token == "" {
		return cfg, sdk.ConfigError(errors.New("token: a HubSpot access token is required (a private app's token)"))
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return cfg, sdk.ConfigError(fmt.Errorf("base_url %q: want an http(s) URL such as %s", cfg.BaseURL, DefaultBaseURL))
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.SearchRate == 0 {
		cfg.SearchRate = DefaultSearchRate
	}
	if cfg.SearchRate < 0 {
		return cfg, sdk.ConfigError(fmt.Errorf("search_requests_per_second %d: want at least 1", cfg.SearchRate))
	}
	cfg.lag = DefaultSearchLag
	if lag := strings.TrimSpace(cfg.SearchLag); lag != "" {
		d, err := time.ParseDuration(lag)
		if err != nil || d < 0 {
			return cfg, sdk.ConfigError(fmt.Errorf("search_lag %q: want a Go duration such as 30s (0 turns the lag window off)", cfg.SearchLag))
		}
		cfg.lag = d
	}
	if cfg.WebhookURL != "" {
		if u, err := url.Parse(cfg.WebhookURL); err != nil || u.Host == "" {
			return cfg, sdk.ConfigError(fmt.Errorf("webhook_url %q: want the full URL HubSpot calls", cfg.WebhookURL))
		}
	}
	return cfg, nil
}

// extraProperties returns the config's extra read properties of stream.
func (cfg config) extraProperties(stream string) []string {
	switch stream {
	case streamContacts:
		return cfg.ContactProperties
	case streamCompanies:
		return cfg.CompanyProperties
	case streamNotes:
		return cfg.NoteProperties
	}
	return nil
}

// keyProperty returns the unique property that writes of stream upsert by:
// email for contacts; for companies and notes, the configured one, or ""
// (the default) to create objects and update them by the core's links.
func (cfg config) keyProperty(stream string) string {
	switch stream {
	case streamContacts:
		return "email"
	case streamCompanies:
		return strings.TrimSpace(cfg.CompanyKeyProperty)
	case streamNotes:
		return strings.TrimSpace(cfg.NoteKeyProperty)
	}
	return ""
}

// client returns an HTTP client for cfg's account: Bearer auth, HubSpot's
// rate-limit headers, the search endpoints' own pace, HubSpot's errors.
// Every client of one account (base URL and token) shares its rate limits,
// whichever pipeline or call made it: HubSpot counts per account.
func (c *Connector) client(cfg config, retries int) (*httpx.Client, error) {
	return c.accounts.Client(httpx.AccountKey(cfg.BaseURL, cfg.Token), httpx.Options{
		BaseURL:    cfg.BaseURL,
		Auth:       httpx.Bearer(cfg.Token),
		UserAgent:  userAgent,
		MaxRetries: retries,
		MinBackoff: c.opts.MinBackoff,
		MaxBackoff: c.opts.MaxBackoff,
		RateLimits: httpx.RateLimits{
			Static: map[string]httpx.Limit{searchBucket: {Requests: cfg.SearchRate, Interval: time.Second}},
			Headers: httpx.RateHeaders{Limit: rateLimitMaxHeader, Remaining: rateLimitLeftHeader,
				Interval: rateLimitWindowHeader},
		},
		Classify:  classify,
		Transport: c.opts.Transport,
		Counter:   c.opts.Counter,
	})
}

// dailyLimitWait is how long a spent daily limit makes the core wait: the
// limit resets at midnight in the account's time zone, which the
// connector does not know.
const dailyLimitWait = time.Hour

// classify departs from httpx's default mapping where HubSpot does: a 429
// for the daily limit is not worth retrying for a long while.
func classify(r *httpx.Response) error {
	if r.Status == 429 && r.Get("policyName").String() == "DAILY" {
		return sdk.RateLimited(errors.New("the account's daily API limit is spent"), dailyLimitWait)
	}
	return nil
}

// readError gives a read's failure the kind the core should act on: a
// refused request (which httpx calls a bad record) is a configuration
// problem for a read (a property or a base_url HubSpot does not know).
func readError(err error) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if sdk.KindOf(err) == sdk.KindBadRecord {
		return sdk.ConfigError(err)
	}
	return err
}
