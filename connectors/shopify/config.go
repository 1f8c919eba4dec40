package shopify

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
)

// DefaultAPIVersion is the api_version a config leaves out (its tag's
// default; the tests' request paths keep them equal).
const DefaultAPIVersion = "2026-10"

// config is a connection's config. Its tags are its schema
// (sdk.ConfigSchemaOf), its defaults and its secrets.
type config struct {
	Shop          string   `json:"shop" pattern:"^[A-Za-z0-9][A-Za-z0-9-]*(\\.myshopify\\.com)?$" doc:"The shop: acme or acme.myshopify.com. Give this or base_url."`
	BaseURL       string   `json:"base_url" pattern:"^https?://" doc:"The shop's URL instead of a shop name (a sandbox's http://127.0.0.1:8113); /admin/api/{api_version} is added. Plain http is accepted for loopback hosts only."`
	APIVersion    string   `json:"api_version" pattern:"^([0-9]{4}-(01|04|07|10)|unstable)$" default:"2026-10" doc:"The Admin API version: YYYY-01, -04, -07 or -10 (Shopify releases one a quarter and serves each for a year). Check fails when Shopify no longer serves it."`
	AccessToken   string   `json:"access_token" required:"true" minLength:"1" secret:"true" doc:"The Admin API access token of a custom app (shpat_...), sent as X-Shopify-Access-Token."`
	WebhookSecret string   `json:"webhook_secret" secret:"true" doc:"The app's client secret, which signs webhook deliveries; needed to receive webhooks."`
	PageSize      int      `json:"page_size" minimum:"1" maximum:"250" default:"250" doc:"Items per page of the lists (limit)."`
	BucketSize    int      `json:"bucket_size" minimum:"1" default:"40" doc:"The size of the shop's leaky bucket of requests: 40, or 400 on Shopify Plus. The X-Shopify-Shop-Api-Call-Limit header corrects it."`
	LeakRate      float64  `json:"leak_rate" exclusiveMinimum:"0" default:"2" doc:"Requests the bucket drains per second: 2, or 20 on Shopify Plus."`
	LateAfter     string   `json:"late_after" default:"168h" doc:"A shipment not delivered this long (a Go duration) after it was shipped is late: its fulfillments record says late: true."`
	_             struct{} `anyOfRequired:"shop,base_url"`

	// apiURL is the API's root: https://{shop}.myshopify.com/admin/api/{version}.
	apiURL string
	// lateAfter is LateAfter parsed.
	lateAfter time.Duration
}

// parseConfig decodes and checks a config. Every problem is a ConfigError
// that names the field.
func parseConfig(raw sdk.Config) (config, error) { return sdk.DecodeConfig[config](raw) }

// Validate checks what the schema cannot say (one shop, a blank token, a
// base URL and a duration that parse) and derives the API's root.
func (c *config) Validate() error {
	c.Shop = strings.TrimSuffix(strings.ToLower(c.Shop), ".myshopify.com")
	c.AccessToken = strings.TrimSpace(c.AccessToken)
	// Secrets hold no spaces: a newline from a file is not part of it.
	c.WebhookSecret = strings.TrimSpace(c.WebhookSecret)
	switch {
	case c.AccessToken == "":
		return errors.New("access_token is blank: the Admin API access token of the shop's custom app")
	case c.Shop != "" && c.BaseURL != "":
		return errors.New("shop and base_url are both set: give one")
	}
	root := "https://" + c.Shop + ".myshopify.com"
	if c.BaseURL != "" {
		var err error
		if root, err = rootOf(c.BaseURL); err != nil {
			return err
		}
	}
	c.apiURL = root + "/admin/api/" + c.APIVersion
	d, err := time.ParseDuration(c.LateAfter)
	if err != nil || d <= 0 {
		return fmt.Errorf("late_after %q: want a positive Go duration such as 168h", c.LateAfter)
	}
	c.lateAfter = d
	return nil
}

// rootOf checks base_url (httpx.ParseBaseURL: plain http for loopback
// hosts only) and returns it without a trailing /admin/api/...
func rootOf(base string) (string, error) {
	u, err := httpx.ParseBaseURL("base_url", base, "https://acme.myshopify.com")
	if err != nil {
		return "", err
	}
	if i := strings.Index(u.Path, "/admin"); i >= 0 {
		u.Path = u.Path[:i]
	}
	return u.String(), nil
}

// shopName names the shop for messages: its name, or the base URL's host.
func (c config) shopName() string {
	if c.Shop != "" {
		return c.Shop + ".myshopify.com"
	}
	u, err := url.Parse(c.apiURL)
	if err != nil {
		return c.apiURL
	}
	return u.Host
}

// errNoWebhookSecret is the cause of a webhook refused for want of a secret.
var errNoWebhookSecret = errors.New("webhook_secret is required to receive webhooks: the client secret of the app that subscribed them")
