package zendesk

import (
	"sync"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
	"github.com/cxhub/cxhub/sdk/webhook"
)

// Connector is the Zendesk connector: a Source, a Destination and a
// WebhookHandler. Its methods may be called concurrently. Across calls it
// keeps one HTTP client per account and credentials, so that requests from
// several reads and writes share the account's rate limits, and the ids of
// recent webhook deliveries, to drop replays.
type Connector struct {
	opts    Options
	clients httpx.Clients
	// mu guards slots.
	mu sync.Mutex
	// accounts gives every client of one account (subdomain, email and
	// token) one rate budget: the quick client of Check included.
	accounts httpx.Accounts
	replays  *webhook.ReplayGuard
	// slots bounds each account's bulk jobs in flight (write_users_jobs.go).
	slots map[string]jobSlots
}

var (
	_ sdk.Connector      = (*Connector)(nil)
	_ sdk.Source         = (*Connector)(nil)
	_ sdk.Destination    = (*Connector)(nil)
	_ sdk.WebhookHandler = (*Connector)(nil)
)

// Options tune a Connector; the zero value is what the plugin binary uses.
// Tests shorten the waits.
type Options struct {
	// Now is the clock webhook timestamps are checked against; nil means
	// time.Now.
	Now func() time.Time
	// JobPollInterval is the first wait before polling a bulk job's status
	// (it grows by half each poll, up to 5s); zero means 200ms.
	JobPollInterval time.Duration
	// JobTimeout bounds the wait for one bulk job; zero means 5 minutes.
	JobTimeout time.Duration
	// MinBackoff is the middle of the HTTP client's first wait before a retry (±50%); zero means
	// httpx's default (500ms).
	MinBackoff time.Duration
	// Counter, if set, counts every HTTP attempt of the connector.
	Counter *httpx.Counter
}

// Defaults of Options.
const (
	defaultJobPollInterval = 200 * time.Millisecond
	maxJobPollInterval     = 5 * time.Second
	defaultJobTimeout      = 5 * time.Minute
	// webhookTolerance is how far a delivery's timestamp may be from now.
	webhookTolerance = 5 * time.Minute
	// replayTTL is how long a delivery's id is remembered.
	replayTTL = 2 * webhookTolerance
)

// New returns the Zendesk connector with default options.
func New() *Connector { return NewWithOptions(Options{}) }

// NewWithOptions returns the Zendesk connector with opts.
func NewWithOptions(opts Options) *Connector {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.JobPollInterval <= 0 {
		opts.JobPollInterval = defaultJobPollInterval
	}
	if opts.JobTimeout <= 0 {
		opts.JobTimeout = defaultJobTimeout
	}
	return &Connector{opts: opts, slots: map[string]jobSlots{}, replays: webhook.NewReplayGuard(replayTTL, 10000)}
}
