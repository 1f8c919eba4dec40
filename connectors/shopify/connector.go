package shopify

import (
	"fmt"
	"strconv"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
	"github.com/cxhub/cxhub/sdk/webhook"
)

// Connector is the Shopify connector: a Source, a Destination and a
// WebhookHandler. Its methods may be called concurrently. Across calls it
// keeps one HTTP client per shop and token, so that every read and write
// paces against the shop's one leaky bucket, and the ids of recent webhook
// deliveries, to drop Shopify's repeats.
type Connector struct {
	opts    Options
	clients httpx.Clients
	seen    *webhook.ReplayGuard
}

var (
	_ sdk.Connector      = (*Connector)(nil)
	_ sdk.Source         = (*Connector)(nil)
	_ sdk.Destination    = (*Connector)(nil)
	_ sdk.WebhookHandler = (*Connector)(nil)
)

// Options tune a Connector; the zero value is what the plugin binary uses.
type Options struct {
	// Now is the clock used when a response has no Date header, and for
	// webhook deduplication; nil means time.Now.
	Now func() time.Time
	// MinBackoff and MaxBackoff bound the HTTP client's waits before a
	// retry; zero means httpx's defaults.
	MinBackoff, MaxBackoff time.Duration
	// Counter, if set, counts every HTTP attempt of the connector.
	Counter *httpx.Counter
}

// Shopify's rate-limit header and the deduplication of webhooks.
const (
	callLimitHeader = "X-Shopify-Shop-Api-Call-Limit"
	// apiVersionHeader is the API version that answered a request.
	apiVersionHeader = "X-Shopify-API-Version"
	// seenTTL is how long a delivery's id is remembered: Shopify retries
	// a failed delivery for 4 hours.
	seenTTL = 5 * time.Hour
	seenMax = 100000
)

// New returns the Shopify connector with default options.
func New() *Connector { return NewWithOptions(Options{}) }

// NewWithOptions returns the Shopify connector with opts.
func NewWithOptions(opts Options) *Connector {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Connector{opts: opts, seen: webhook.NewReplayGuard(seenTTL, seenMax)}
}

// client returns the HTTP client of cfg's shop and token, made on first use
// and kept. quick gives one that retries once only, for Check.
func (c *Connector) client(cfg config, quick bool) (*httpx.Client, error) {
	key := httpx.AccountKey(cfg.apiURL, cfg.AccessToken, strconv.Itoa(cfg.BucketSize),
		strconv.FormatFloat(cfg.LeakRate, 'g', -1, 64), strconv.FormatBool(quick))
	return c.clients.Get(key, func() (*httpx.Client, error) { return c.newClient(cfg, quick) })
}

// newClient makes the HTTP client of cfg's shop and token.
func (c *Connector) newClient(cfg config, quick bool) (*httpx.Client, error) {
	opts := httpx.Options{
		BaseURL:    cfg.apiURL,
		Auth:       httpx.Header("X-Shopify-Access-Token", cfg.AccessToken),
		UserAgent:  "cxhub-connector-shopify/" + Version + " (+https://github.com/cxhub/cxhub)",
		MinBackoff: c.opts.MinBackoff,
		MaxBackoff: c.opts.MaxBackoff,
		Counter:    c.opts.Counter,
		RateLimits: httpx.RateLimits{Leaky: map[string]httpx.LeakyBucket{
			"": {Size: cfg.BucketSize, Leak: cfg.LeakRate, Header: callLimitHeader},
		}},
		MessagePaths: []string{"errors"},
	}
	if quick {
		opts.MaxRetries = 1
	}
	cl, err := httpx.New(opts)
	if err != nil {
		return nil, fmt.Errorf("shopify client for %s: %w", cfg.shopName(), err)
	}
	return cl, nil
}
