package zendesk

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// Defaults of the config.
const (
	defaultPageSize          = 1000
	defaultIncrementalPerMin = 10
	defaultRequestsPerMin    = 700
	defaultRateWindow        = time.Minute
)

// config is a connection's config, decoded and checked.
type config struct {
	Subdomain                    string `json:"subdomain"`
	BaseURL                      string `json:"base_url"`
	Email                        string `json:"email"`
	Token                        string `json:"token"`
	WebhookSecret                string `json:"webhook_secret"`
	StartTime                    int64  `json:"start_time"`
	PageSize                     int    `json:"page_size"`
	IncrementalRequestsPerMinute int    `json:"incremental_requests_per_minute"`
	RequestsPerMinute            int    `json:"requests_per_minute"`
	RateWindow                   string `json:"rate_window"`

	// apiURL is the API's root: https://{subdomain}.zendesk.com/api/v2.
	apiURL string
	// window is RateWindow parsed.
	window time.Duration
}

var subdomainPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*$`)

// parseConfig decodes and checks a config. Every problem is a ConfigError
// that names the field.
func parseConfig(raw sdk.Config) (config, error) {
	var c config
	if err := raw.Decode(&c); err != nil {
		return config{}, err
	}
	c.Subdomain = strings.TrimSpace(c.Subdomain)
	c.BaseURL = strings.TrimSpace(c.BaseURL)
	c.Email = strings.TrimSpace(c.Email)
	switch {
	case c.Email == "":
		return config{}, configError("email is required: the email of the agent whose API token is in token")
	case c.Token == "":
		return config{}, configError("token is required: a Zendesk API token")
	case c.Subdomain == "" && c.BaseURL == "":
		return config{}, configError("subdomain or base_url is required: the Zendesk account to use")
	case c.Subdomain != "" && c.BaseURL != "":
		return config{}, configError("subdomain and base_url are both set: give one")
	case c.StartTime < 0:
		return config{}, configError("start_time %d: want a Unix time in seconds, 0 or more", c.StartTime)
	case c.PageSize < 0 || c.PageSize > 1000:
		return config{}, configError("page_size %d: want 1 to 1000", c.PageSize)
	case c.IncrementalRequestsPerMinute < 0:
		return config{}, configError("incremental_requests_per_minute %d: want 1 or more", c.IncrementalRequestsPerMinute)
	case c.RequestsPerMinute < 0:
		return config{}, configError("requests_per_minute %d: want 1 or more", c.RequestsPerMinute)
	}
	if c.Subdomain != "" {
		if !subdomainPattern.MatchString(c.Subdomain) {
			return config{}, configError("subdomain %q: want the account's subdomain only, like acme for acme.zendesk.com", c.Subdomain)
		}
		c.apiURL = "https://" + strings.ToLower(c.Subdomain) + ".zendesk.com/api/v2"
	} else {
		api, err := apiURLOf(c.BaseURL)
		if err != nil {
			return config{}, err
		}
		c.apiURL = api
	}
	c.PageSize = orDefault(c.PageSize, defaultPageSize)
	c.IncrementalRequestsPerMinute = orDefault(c.IncrementalRequestsPerMinute, defaultIncrementalPerMin)
	c.RequestsPerMinute = orDefault(c.RequestsPerMinute, defaultRequestsPerMin)
	c.window = defaultRateWindow
	if c.RateWindow != "" {
		d, err := time.ParseDuration(c.RateWindow)
		if err != nil || d <= 0 {
			return config{}, configError("rate_window %q: want a positive Go duration such as 1m", c.RateWindow)
		}
		c.window = d
	}
	return c, nil
}

// apiURLOf checks base_url and returns the API's root under it. Plain http
// is refused except for loopback hosts: the credentials travel in every
// request.
func apiURLOf(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", configError("base_url %q: want an http(s) URL such as https://acme.zendesk.com", base)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return "", configError("base_url %q: plain http is only allowed for a local sandbox (127.0.0.1); use https", base)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", configError("base_url %q: want no query, fragment or user info", base)
	}
	path := strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/api/v2")
	return u.Scheme + "://" + strings.ToLower(u.Host) + path + "/api/v2", nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
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

func configError(format string, args ...any) error {
	return sdk.ConfigError(fmt.Errorf(format, args...))
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// errNoWebhookSecret is the cause of a webhook refused for want of a secret.
var errNoWebhookSecret = errors.New("webhook_secret is required to receive webhooks: the signing secret of the Zendesk webhook")
