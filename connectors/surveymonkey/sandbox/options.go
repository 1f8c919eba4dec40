package sandbox

import (
	"fmt"
	"time"
)

// Default values of Options.
const (
	DefaultToken          = "sandbox-token"
	DefaultAPIKey         = "sandbox-api-key"
	DefaultAPISecret      = "sandbox-api-secret"
	DefaultNPSResponses   = 120
	DefaultCSATResponses  = 80
	DefaultPlainResponses = 40
	DefaultMinuteLimit    = 120
	DefaultDayLimit       = 500
	DefaultContactList    = "Next survey audience"
)

// Options configure a sandbox. The zero value gives the demo's sandbox.
type Options struct {
	// Seed makes the data (and the random faults) repeatable; the same seed
	// gives the same people as the other vendor sandboxes.
	Seed uint64
	// NPSResponses, CSATResponses and PlainResponses are how many responses
	// each seeded survey has: zero means the default (120, 80, 40), a
	// negative number none.
	NPSResponses, CSATResponses, PlainResponses int
	// Tokens are the Bearer tokens accepted; nil means DefaultToken.
	Tokens []string
	// MinuteLimit requests per minute (rolling) and DayLimit per day are
	// allowed per token; zero means SurveyMonkey's draft-app limits (120,
	// 500). NoMinuteLimit turns the per-minute limit off (the headers stay).
	MinuteLimit, DayLimit int
	NoMinuteLimit         bool
	// MinuteWindow is the length of the "minute" window (default a
	// minute): tests shorten it to see pacing without waiting minutes.
	MinuteWindow time.Duration
	// Now is the sandbox's clock (default time.Now): seeded dates are in
	// the months before it, edits are stamped with it, and the day's quota
	// resets at midnight UTC by it.
	Now func() time.Time
	// APIKey and APISecret sign webhook deliveries.
	APIKey, APISecret string
}

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
	o.NPSResponses = count(o.NPSResponses, DefaultNPSResponses)
	o.CSATResponses = count(o.CSATResponses, DefaultCSATResponses)
	o.PlainResponses = count(o.PlainResponses, DefaultPlainResponses)
	if len(o.Tokens) == 0 {
		o.Tokens = []string{DefaultToken}
	}
	if o.MinuteLimit == 0 {
		o.MinuteLimit = DefaultMinuteLimit
	}
	if o.DayLimit == 0 {
		o.DayLimit = DefaultDayLimit
	}
	if o.MinuteLimit < 0 || o.DayLimit < 0 {
		return o, fmt.Errorf("surveymonkey sandbox options: limits %d/min, %d/day: want positive numbers", o.MinuteLimit, o.DayLimit)
	}
	if o.MinuteWindow <= 0 {
		o.MinuteWindow = time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.APIKey == "" {
		o.APIKey = DefaultAPIKey
	}
	if o.APISecret == "" {
		o.APISecret = DefaultAPISecret
	}
	return o, nil
}
