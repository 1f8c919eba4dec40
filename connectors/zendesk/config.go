package zendesk

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
)

// config is a connection's config. Its tags are its schema
// (sdk.ConfigSchemaOf), its defaults and its secrets.
type config struct {
	Subdomain                    string   `json:"subdomain" pattern:"^[A-Za-z0-9][A-Za-z0-9-]*$" doc:"The Zendesk account's subdomain: acme for https://acme.zendesk.com. Give this or base_url."`
	BaseURL                      string   `json:"base_url" pattern:"^https?://" doc:"The account's URL instead of a subdomain (https://support.acme.com, or a sandbox's http://127.0.0.1:8111); /api/v2 is added. Plain http is accepted for loopback hosts only."`
	Email                        string   `json:"email" required:"true" minLength:"1" doc:"Email of the agent or admin whose API token this is."`
	Token                        string   `json:"token" required:"true" minLength:"1" secret:"true" doc:"API token (Admin Center > Apps and integrations > Zendesk API), sent as Basic {email}/token:{token}."`
	WebhookSecret                string   `json:"webhook_secret" secret:"true" doc:"Signing secret of the Zendesk webhook that calls cxhub; needed to receive webhooks."`
	StartTime                    int64    `json:"start_time" minimum:"0" default:"0" doc:"Unix time (seconds) a first incremental read starts from; 0 reads everything."`
	PageSize                     int      `json:"page_size" minimum:"1" maximum:"1000" default:"1000" doc:"Items per page of the incremental exports (each page ends with a checkpoint)."`
	IncrementalRequestsPerMinute int      `json:"incremental_requests_per_minute" minimum:"1" default:"10" doc:"Pace of the incremental export requests: Zendesk allows 10 a minute (30 with the High Volume add-on)."`
	RequestsPerMinute            int      `json:"requests_per_minute" minimum:"1" default:"700" doc:"Pace of all other requests: the account's API limit, which depends on the plan (200 to 2500)."`
	RateWindow                   string   `json:"rate_window" default:"1m" doc:"The window the two paces above count in, as a Go duration. Only tests against a sandbox shorten it."`
	_                            struct{} `anyOfRequired:"subdomain,base_url"`

	// apiURL is the API's root: https://{subdomain}.zendesk.com/api/v2.
	apiURL string
	// window is RateWindow parsed.
	window time.Duration
}

// parseConfig decodes and checks a config. Every problem is a ConfigError
// that names the field.
func parseConfig(raw sdk.Config) (config, error) { return sdk.DecodeConfig[config](raw) }

// Validate checks what the schema cannot say: one account, a blank email,
// a base URL and a window that parse; it derives the API's root.
func (c *config) Validate() error {
	c.Email = strings.TrimSpace(c.Email)
	switch {
	case c.Email == "":
		return errors.New("email is blank: the email of the agent whose API token is in token")
	case c.Subdomain != "" && c.BaseURL != "":
		return errors.New("subdomain and base_url are both set: give one")
	}
	if c.Subdomain != "" {
		c.apiURL = "https://" + strings.ToLower(c.Subdomain) + ".zendesk.com/api/v2"
	} else {
		api, err := apiURLOf(c.BaseURL)
		if err != nil {
			return err
		}
		c.apiURL = api
	}
	d, err := time.ParseDuration(c.RateWindow)
	if err != nil || d <= 0 {
		return fmt.Errorf("rate_window %q: want a positive Go duration such as 1m", c.RateWindow)
	}
	c.window = d
	if c.StartTime > maxStartTime {
		// Zendesk would answer the first read "Too recent start_time".
		return fmt.Errorf("start_time %d is in milliseconds: give Unix seconds (%d)", c.StartTime, c.StartTime/1000)
	}
	return nil
}

// maxStartTime is the largest start_time taken as Unix seconds (the year
// 5138): anything larger is a time in milliseconds.
const maxStartTime = 99_999_999_999

// apiURLOf checks base_url (httpx.ParseBaseURL: plain http for loopback
// hosts only) and returns the API's root under it.
func apiURLOf(base string) (string, error) {
	u, err := httpx.ParseBaseURL("base_url", base, "https://acme.zendesk.com")
	if err != nil {
		return "", err
	}
	u.Path = strings.TrimSuffix(u.Path, "/api/v2") + "/api/v2"
	return u.String(), nil
}

// account names the Zendesk account for messages: the subdomain, or the
// base URL's host.
func (c config) account() string {
	if c.Subdomain != "" {
		return "subdomain " + c.Subdomain
	}
	u, err := url.Parse(c.apiURL)
	if err != nil {
		return c.apiURL
	}
	return u.Host
}

// errNoWebhookSecret is the cause of a webhook refused for want of a secret.
var errNoWebhookSecret = errors.New("webhook_secret is required to receive webhooks: the signing secret of the Zendesk webhook")
