package shopify

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
	DefaultAPIVersion = "2025-01"
	defaultPageSize   = 250
	defaultBucketSize = 40
	defaultLeakRate   = 2.0
	defaultLateAfter  = 7 * 24 * time.Hour
)

// config is a connection's config, decoded and checked.
type config struct {
	Shop          string  `json:"shop"`
	BaseURL       string  `json:"base_url"`
	APIVersion    string  `json:"api_version"`
	AccessToken   string  `json:"access_token"`
	WebhookSecret string  `json:"webhook_secret"`
	PageSize      int     `json:"page_size"`
	BucketSize    int     `json:"bucket_size"`
	LeakRate      float64 `json:"leak_rate"`
	LateAfter     string  `json:"late_after"`

	// apiURL is the API's root: https://{shop}.myshopify.com/admin/api/{version}.
	apiURL string
	// lateAfter is LateAfter parsed.
	lateAfter time.Duration
}

var (
	shopPattern    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*$`)
	versionPattern = regexp.MustCompile(`^([0-9]{4}-[0-9]{2}|unstable)$`)
)

// parseConfig decodes and checks a config. Every problem is a ConfigError
// that names the field.
func parseConfig(raw sdk.Config) (config, error) {
	var c config
	if err := raw.Decode(&c); err != nil {
		return config{}, err
	}
	c.Shop = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(c.Shop)), ".myshopify.com")
	c.BaseURL = strings.TrimSpace(c.BaseURL)
	c.AccessToken = strings.TrimSpace(c.AccessToken)
	c.APIVersion = strings.TrimSpace(c.APIVersion)
	switch {
	case c.AccessToken == "":
		return config{}, configError("access_token is required: the Admin API access token of the shop's custom app")
	case c.Shop == "" && c.BaseURL == "":
		return config{}, configError("shop or base_url is required: the Shopify shop to use")
	case c.Shop != "" && c.BaseURL != "":
		return config{}, configError("shop and base_url are both set: give one")
	case c.Shop != "" && !shopPattern.MatchString(c.Shop):
		return config{}, configError("shop %q: want the shop's name only, like acme for acme.myshopify.com", c.Shop)
	case c.PageSize < 0 || c.PageSize > 250:
		return config{}, configError("page_size %d: want 1 to 250", c.PageSize)
	case c.BucketSize < 0:
		return config{}, configError("bucket_size %d: want 1 or more", c.BucketSize)
	case c.LeakRate < 0:
		return config{}, configError("leak_rate %v: want more than 0", c.LeakRate)
	}
	if c.APIVersion == "" {
		c.APIVersion = DefaultAPIVersion
	}
	if !versionPattern.MatchString(c.APIVersion) {
		return config{}, configError("api_version %q: want a version such as %s", c.APIVersion, DefaultAPIVersion)
	}
	root := "https://" + c.Shop + ".myshopify.com"
	if c.BaseURL != "" {
		var err error
		if root, err = rootOf(c.BaseURL); err != nil {
			return config{}, err
		}
	}
	c.apiURL = root + "/admin/api/" + c.APIVersion
	c.PageSize = orDefault(c.PageSize, defaultPageSize)
	c.BucketSize = orDefault(c.BucketSize, defaultBucketSize)
	if c.LeakRate == 0 {
		c.LeakRate = defaultLeakRate
	}
	c.lateAfter = defaultLateAfter
	if c.LateAfter != "" {
		d, err := time.ParseDuration(c.LateAfter)
		if err != nil || d <= 0 {
			return config{}, configError("late_after %q: want a positive Go duration such as 168h", c.LateAfter)
		}
		c.lateAfter = d
	}
	return c, nil
}

// rootOf checks base_url and returns it without a trailing /admin/api/...
// Plain http is refused except for loopback hosts: the token travels in
// every request.
func rootOf(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", configError("base_url %q: want an http(s) URL such as https://acme.myshopify.com", base)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return "", configError("base_url %q: plain http is only allowed for a local sandbox (127.0.0.1); use https", base)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", configError("base_url %q: want no query, fragment or user info", base)
	}
	path := strings.TrimSuffix(u.Path, "/")
	if i := strings.Index(path, "/admin"); i >= 0 {
		path = path[:i]
	}
	return u.Scheme + "://" + strings.ToLower(u.Host) + path, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
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
var errNoWebhookSecret = errors.New("webhook_secret is required to receive webhooks: the client secret of the app that subscribed them")
