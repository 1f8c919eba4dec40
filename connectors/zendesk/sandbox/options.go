package sandbox

import "time"

// Defaults of Options.
const (
	DefaultSubdomain = "sandbox"
	DefaultEmail     = "ops@example.com"
	DefaultToken     = "sandbox-token"
	DefaultUsers     = 2000
	DefaultTickets   = 3000
	// DefaultRateLimit is the account's limit of requests per RateWindow.
	DefaultRateLimit = 700
	// DefaultIncrementalLimit is the incremental exports' limit per RateWindow.
	DefaultIncrementalLimit = 10
	DefaultRateWindow       = time.Minute
	// DefaultWebhookSecret signs the sandbox's webhook deliveries.
	DefaultWebhookSecret = "sandbox-webhook-secret"
	// ExclusionWindow is how recent a change must be for the incremental
	// exports to leave it out, as Zendesk does.
	ExclusionWindow = time.Minute
	// IdempotencyTTL is how long a ticket create's Idempotency-Key is remembered.
	IdempotencyTTL = 2 * time.Hour
)

// Options configure a sandbox. The zero value is the demo's sandbox: seed 0,
// 2,000 users, 3,000 tickets, the default credentials and Zendesk's rate
// limits.
type Options struct {
	// Seed makes the seeded data repeatable: the same seed gives the same
	// people, tickets and comments (their times are relative to the clock).
	Seed uint64
	// Users and Tickets are how many end users and tickets to seed; zero
	// means the defaults, a negative count none. Empty seeds neither.
	Users   int
	Tickets int
	Empty   bool
	// Subdomain is the account's subdomain, reported by /users/me.json.
	Subdomain string
	// Email and Token are the accepted credentials: Basic
	// "{Email}/token:{Token}", or "Authorization: Bearer {Token}".
	Email string
	Token string
	// RateLimit and IncrementalLimit are requests per RateWindow, for the
	// account and for the incremental exports; zero means Zendesk's 700 and
	// 10 a minute. NoRateLimits turns both off. Tests shrink RateWindow so
	// that pacing can be checked in seconds. The windows run on the real
	// time, not on Now: they are about how fast requests arrive.
	RateLimit        int
	IncrementalLimit int
	RateWindow       time.Duration
	NoRateLimits     bool
	// FaultRetryAfter is the Retry-After of an injected 429 (a kit fault),
	// in whole seconds, rounded up; zero means 1s, negative means 0.
	FaultRetryAfter time.Duration
	// JobPolls is how many polls of a job status see it unfinished
	// ("queued", then "working") before it is "completed"; zero means 1,
	// negative means none: the first poll sees it completed.
	JobPolls int
	// JobDurations are how long bulk jobs take to run, on the real time:
	// the n-th job since the last reset takes JobDurations[n mod len]; nil
	// means none (a job runs when submitted). Jobs submitted together run
	// when each is due, so a later job may run before an earlier one.
	JobDurations []time.Duration
	// Now is the sandbox's clock for records (created_at, updated_at) and
	// the incremental exports' one-minute exclusion; nil means time.Now.
	// Advance moves it further.
	Now func() time.Time
	// WebhookSecret signs the deliveries of WebhookDelivery; "" means
	// DefaultWebhookSecret.
	WebhookSecret string
}

// withDefaults fills the zero fields.
func (o Options) withDefaults() Options {
	if o.Users == 0 {
		o.Users = DefaultUsers
	}
	if o.Tickets == 0 {
		o.Tickets = DefaultTickets
	}
	if o.Empty || o.Users < 0 {
		o.Users = 0
	}
	if o.Empty || o.Tickets < 0 {
		o.Tickets = 0
	}
	if o.Subdomain == "" {
		o.Subdomain = DefaultSubdomain
	}
	if o.Email == "" {
		o.Email = DefaultEmail
	}
	if o.Token == "" {
		o.Token = DefaultToken
	}
	if o.RateLimit == 0 {
		o.RateLimit = DefaultRateLimit
	}
	if o.IncrementalLimit == 0 {
		o.IncrementalLimit = DefaultIncrementalLimit
	}
	if o.RateWindow == 0 {
		o.RateWindow = DefaultRateWindow
	}
	if o.FaultRetryAfter == 0 {
		o.FaultRetryAfter = time.Second
	}
	if o.JobPolls == 0 {
		o.JobPolls = 1
	}
	if o.JobPolls < 0 {
		o.JobPolls = 0
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.WebhookSecret == "" {
		o.WebhookSecret = DefaultWebhookSecret
	}
	return o
}
