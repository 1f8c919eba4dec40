package sandbox

import (
	"fmt"
	"time"
)

// Default values of Options.
const (
	DefaultShop          = "sandbox"
	DefaultToken         = "shpat_sandbox-token"
	DefaultWebhookSecret = "sandbox-webhook-secret"
	DefaultCustomers     = 1500
	DefaultOrders        = 3000
	// DefaultBucketSize and DefaultLeakRate are Shopify's standard leaky
	// bucket: 40 requests, draining 2 a second (Plus: 400 and 20).
	DefaultBucketSize = 40
	DefaultLeakRate   = 2.0
	// DefaultOldestVersion is the oldest Admin API version Shopify served
	// when the sandbox was last brought up to date (each version is served
	// for a year): a request for an older one is answered as this one.
	DefaultOldestVersion = "2026-01"
	// LateAfter is how long after shipping a seeded "late" shipment is
	// still in transit: more than a week.
	LateAfter = 7 * 24 * time.Hour
)

// Options configure a sandbox. The zero value is the demo's sandbox.
type Options struct {
	// Seed makes the seeded data repeatable: the same seed gives the same
	// people as every other vendor sandbox.
	Seed uint64
	// Customers and Orders are how many to seed; zero means the defaults,
	// a negative number none.
	Customers, Orders int
	// Shop is the shop's name (sandbox.myshopify.com).
	Shop string
	// Tokens are the accepted X-Shopify-Access-Token values; nil means
	// DefaultToken.
	Tokens []string
	// BucketSize and LeakRate are the leaky bucket per token; zero means
	// 40 and 2 a second. NoRateLimit turns it off (the header is still sent).
	BucketSize  int
	LeakRate    float64
	NoRateLimit bool
	// FaultRetryAfter is the Retry-After of an injected 429; zero means 2s
	// (Shopify's "2.0"), negative 0.
	FaultRetryAfter time.Duration
	// SearchLag hides from customer search the customers changed within
	// the last SearchLag of the clock, as Shopify's search index lags
	// behind its writes. Zero: search sees every change at once.
	SearchLag time.Duration
	// Now is the sandbox's clock (default time.Now): seeded dates are
	// before it, edits are stamped with it. Advance moves it further.
	Now func() time.Time
	// WebhookSecret signs deliveries; "" means DefaultWebhookSecret.
	WebhookSecret string
	// OldestVersion is the oldest API version served; "" means
	// DefaultOldestVersion. As Shopify does, a request for an older
	// (retired) version is answered as this one, without an error, and
	// X-Shopify-API-Version says so.
	OldestVersion string
}

// withDefaults returns o with its zero fields set.
func (o Options) withDefaults() (Options, error) {
	count := func(n, def int) int {
		switch {
		case n == 0:
			return def
		case n < 0:
			return 0
		}
		return n
	}
	o.Customers = count(o.Customers, DefaultCustomers)
	o.Orders = count(o.Orders, DefaultOrders)
	if o.Orders > 0 && o.Customers == 0 {
		return o, fmt.Errorf("shopify sandbox options: %d orders need customers", o.Orders)
	}
	if o.Shop == "" {
		o.Shop = DefaultShop
	}
	if len(o.Tokens) == 0 {
		o.Tokens = []string{DefaultToken}
	}
	if o.BucketSize < 0 || o.LeakRate < 0 || o.SearchLag < 0 {
		return o, fmt.Errorf("shopify sandbox options: bucket size, leak rate and search lag cannot be negative")
	}
	if o.BucketSize == 0 {
		o.BucketSize = DefaultBucketSize
	}
	if o.LeakRate == 0 {
		o.LeakRate = DefaultLeakRate
	}
	if o.FaultRetryAfter == 0 {
		o.FaultRetryAfter = 2 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.OldestVersion == "" {
		o.OldestVersion = DefaultOldestVersion
	}
	if o.OldestVersion == "unstable" || !versionPattern.MatchString(o.OldestVersion) {
		return o, fmt.Errorf("shopify sandbox options: oldest version %q: want YYYY-01, -04, -07 or -10", o.OldestVersion)
	}
	if o.WebhookSecret == "" {
		o.WebhookSecret = DefaultWebhookSecret
	}
	return o, nil
}
