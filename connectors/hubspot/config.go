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
	searchBucket          = "search"
	userAgent             = "cxhub-connector-hubspot/" + Version + " (+https://github.com/cxhub/cxhub)"
	checkRetries          = 1
	rateLimitMaxHeader    = "X-HubSpot-RateLimit-Max"
	rateLimitLeftHeader   = "X-HubSpot-RateLimit-Remaining"
	rateLimitWindowHeader = "X-HubSpot-RateLimit-Interval-Milliseconds"
)

// DefaultSearchLag is how far behind the server's clock a read's
// checkpoint stays unless search_lag says otherwise (the tag's default,
// which TestSearchLagConfig keeps equal): HubSpot's search index shows a
// change a few seconds after it is made.
const DefaultSearchLag = 30 * time.Second

// config is a connection's config. Its tags are its schema
// (sdk.ConfigSchemaOf), its defaults and its secrets.
type config struct {
	Token              string   `json:"token" required:"true" secret:"true" minLength:"1" doc:"Access token of a HubSpot private app (or an OAuth access token), sent as a Bearer token. Scopes: crm.objects.contacts.read and .write, crm.objects.companies.read and .write, and those your account asks for notes."`
	BaseURL            string   `json:"base_url" pattern:"^https?://" default:"https://api.hubapi.com" doc:"Root of the HubSpot API. Change it only to talk to a sandbox or a proxy. Plain http is accepted for loopback hosts only (a local sandbox): the token travels in every request."`
	ContactProperties  []string `json:"contact_properties" uniqueItems:"true" minLength:"1" doc:"Contact properties to read, in addition to the connector's defaults (email, names, phone, company, address, lifecycle...)."`
	CompanyProperties  []string `json:"company_properties" uniqueItems:"true" minLength:"1" doc:"Company properties to read, in addition to the defaults (name, domain, phone, industry, address...)."`
	NoteProperties     []string `json:"note_properties" uniqueItems:"true" minLength:"1" doc:"Note properties to read, in addition to the defaults (hs_note_body, hs_timestamp, owner)."`
	CompanyKeyProperty string   `json:"company_key_property" default:"" doc:"Optional. A company property with unique values (such as cxhub_key, created in HubSpot as single-line text with 'require unique values') that writes upsert companies by, so that a retried write never makes a second company. Empty (the default): a company never written before is created, and one written before is updated by the id the core linked it to; a create whose answer was lost in transit may then leave a duplicate when it is retried."`
	NoteKeyProperty    string   `json:"note_key_property" default:"" doc:"Optional. The same for notes: a note property with unique values to upsert notes by; empty (the default) creates notes and updates them by the core's links."`
	SearchRate         int      `json:"search_requests_per_second" minimum:"1" maximum:"100" default:"4" doc:"Pace of the search endpoint, which incremental reads use. HubSpot allows about 4 to 5 per second per account, shared by every app using it."`
	SearchLag          string   `json:"search_lag" default:"30s" pattern:"^(0|([0-9]+(\\.[0-9]*)?(ns|us|µs|ms|s|m|h))+)$" doc:"How far behind HubSpot's clock a read's checkpoint stays, as a Go duration (30s, 1m; 0 turns it off). HubSpot's search index shows a change a few seconds after it is made, so an object can appear after newer ones were read: the next read searches again from this far back and skips what it already sent. Set it above the longest index delay you expect."`
	ReadDeletes        bool     `json:"read_deletes" default:"false" doc:"Opt-in. Reads of contacts and companies also list the objects archived (deleted) in HubSpot and emit a delete record ({\"id\": ...}) for each archived since the last read, as webhooks do. It costs one more request per read for each 100 archived objects HubSpot keeps (90 days of them), from the account's shared rate budget. Objects merged into another are not archived: only webhooks report them. Turned on with an existing checkpoint, it starts from the checkpoint's date, not from every old deletion."`
	ClientSecret       string   `json:"client_secret" secret:"true" doc:"The app's client secret, which signs webhook deliveries (X-HubSpot-Signature-v3). Needed only to receive webhooks."`
	WebhookURL         string   `json:"webhook_url" pattern:"^https?://" doc:"The public URL HubSpot calls for webhooks, as set in the app (https://hooks.example.com/hubspot). The signature covers the full URL, which the proxy in front of cxhub may rewrite: this says what it was."`

	// lag is SearchLag parsed: 0 for none.
	lag time.Duration
}

// parseConfig decodes and checks a config; every failure is a ConfigError
// naming the field.
func parseConfig(raw sdk.Config) (config, error) { return sdk.DecodeConfig[config](raw) }

// Validate checks what the schema cannot say, and parses search_lag.
func (cfg *config) Validate() error {
	cfg.Token = strings.TrimSpace(cfg.Token)
	if cfg.Token == "" {
		return errors.New("token: a HubSpot access token is required (a private app's token)")
	}
	base, err := httpx.ParseBaseURL("base_url", cfg.BaseURL, DefaultBaseURL)
	if err != nil {
		return err
	}
	cfg.BaseURL = base.String()
	d, err := time.ParseDuration(strings.TrimSpace(cfg.SearchLag))
	if err != nil || d < 0 {
		return fmt.Errorf("search_lag %q: want a Go duration such as 30s (0 turns the lag window off)", cfg.SearchLag)
	}
	cfg.lag = d
	if cfg.WebhookURL != "" {
		if u, err := url.Parse(cfg.WebhookURL); err != nil || u.Host == "" {
			return fmt.Errorf("webhook_url %q: want the full URL HubSpot calls", cfg.WebhookURL)
		}
	}
	return nil
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
