package sandbox

import (
	"fmt"
	"time"
)

// Default values of Options.
const (
	DefaultToken         = "sandbox-token"
	DefaultWebhookSecret = "sandbox-client-secret"
	DefaultPortalID      = 62515
	DefaultContacts      = 5000
	DefaultCompanies     = 300
	DefaultNotes         = 2000
	DefaultRateLimit     = 100
	DefaultRateInterval  = 10 * time.Second
	DefaultSearchLimit   = 4
	DefaultSearchWindow  = time.Second
	DefaultDailyLimit    = 250000
	DefaultSearchCap     = 10000
)

// Options configure a sandbox. The zero value gives the demo's sandbox:
// seed 0, HubSpot's real limits, the token "sandbox-token".
type Options struct {
	// Seed makes the seeded data (and the random faults) repeatable: the
	// same seed gives the same people as every other vendor sandbox.
	Seed uint64
	// Contacts, Companies and Notes are how many objects to seed: zero
	// means the default (5,000, 300, 2,000), a negative number none.
	Contacts, Companies, Notes int
	// Tokens are the Bearer tokens accepted; nil means DefaultToken.
	Tokens []string
	// PortalID is the account's id in /account-info/v3/details.
	PortalID int
	// RateLimit requests per RateInterval are allowed per token, rolling
	// (default 100 per 10s, HubSpot's private-app limit); search requests
	// have their own SearchLimit per SearchInterval (default 4 per second).
	// DailyLimit only feeds the -Daily headers and a 429 once spent.
	RateLimit      int
	RateInterval   time.Duration
	SearchLimit    int
	SearchInterval time.Duration
	DailyLimit     int
	// NoRateLimit turns both rolling limits off (the headers are still sent).
	NoRateLimit bool
	// SearchCap is how many results one search query can page through
	// (default 10,000): a request whose after is at or past it gets a 400.
	SearchCap int
	// Now is the sandbox's clock (default time.Now): seeded dates are in
	// the two years before it, edits are stamped with it.
	Now func() time.Time
	// IndexLag hides from search the objects whose last change landed
	// within the last IndexLag of the sandbox's clock, as HubSpot's search
	// index lags behind its writes (lists, gets and batch reads see every
	// change at once). A change lands when it is stamped, except those
	// made by TouchAt. Zero: search sees every change at once.
	IndexLag time.Duration
	// WebhookSecret is the app's client secret, used to sign deliveries.
	WebhookSecret string
	// Properties adds properties per object type ("contacts", "companies",
	// "notes") to the ones the sandbox knows; unknown properties are
	// refused on writes, as HubSpot does.
	Properties map[string][]string
}

// withDefaults returns o with every zero field set to its default.
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
	o.Contacts = count(o.Contacts, DefaultContacts)
	o.Companies = count(o.Companies, DefaultCompanies)
	o.Notes = count(o.Notes, DefaultNotes)
	if o.Notes > 0 && o.Contacts == 0 {
		return o, fmt.Errorf("hubspot sandbox options: %d notes need contacts to be associated with", o.Notes)
	}
	if len(o.Tokens) == 0 {
		o.Tokens = []string{DefaultToken}
	}
	if o.PortalID == 0 {
		o.PortalID = DefaultPortalID
	}
	if o.RateLimit <= 0 {
		o.RateLimit = DefaultRateLimit
	}
	if o.RateInterval <= 0 {
		o.RateInterval = DefaultRateInterval
	}
	if o.SearchLimit <= 0 {
		o.SearchLimit = DefaultSearchLimit
	}
	if o.SearchInterval <= 0 {
		o.SearchInterval = DefaultSearchWindow
	}
	if o.DailyLimit <= 0 {
		o.DailyLimit = DefaultDailyLimit
	}
	if o.SearchCap <= 0 {
		o.SearchCap = DefaultSearchCap
	}
	if o.IndexLag < 0 {
		return o, fmt.Errorf("hubspot sandbox options: index lag %v: want zero or more", o.IndexLag)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.WebhookSecret == "" {
		o.WebhookSecret = DefaultWebhookSecret
	}
	for typ := range o.Properties {
		if _, ok := objectTypes[typ]; !ok {
			return o, fmt.Errorf("hubspot sandbox options: properties for unknown object type %q (want contacts, companies or notes)", typ)
		}
	}
	return o, nil
}
