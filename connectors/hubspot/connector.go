package hubspot

import (
	"net/http"
	"sync"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
)

// Connector is the HubSpot connector. Its methods may be called
// concurrently: each Check, Read, writer and webhook delivery makes its own
// HTTP client. The only state it keeps between calls is what recent webhook
// deliveries carried, to drop replays, and the portal of each token a
// webhook delivery named; a Connector must not be copied.
type Connector struct {
	opts  Options
	hooks webhookGuards
	// accounts gives every call on one account (token) one rate budget,
	// across all the pipelines this process serves.
	accounts httpx.Accounts
	// portals holds the portal id of each account (base URL and token)
	// a webhook delivery asked for, as int64.
	portals sync.Map
}

// Options tune a Connector for tests; the plugin binary uses the zero value.
type Options struct {
	// Transport sends the requests; nil means httpx's default transport.
	Transport http.RoundTripper
	// Counter, if set, counts every request sent.
	Counter *httpx.Counter
	// Now is the clock webhook timestamps are checked against; nil means time.Now.
	Now func() time.Time
	// MinBackoff and MaxBackoff bound the waits between retries; zero means
	// httpx's defaults (500ms, 30s).
	MinBackoff, MaxBackoff time.Duration
}

// Compile-time guards: the build fails if Connector stops being all of these.
var (
	_ sdk.Connector      = (*Connector)(nil)
	_ sdk.Source         = (*Connector)(nil)
	_ sdk.Destination    = (*Connector)(nil)
	_ sdk.WebhookHandler = (*Connector)(nil)
)

// New returns the connector as the plugin binary serves it.
func New() *Connector { return &Connector{} }

// NewWithOptions returns a connector tuned by opts.
func NewWithOptions(opts Options) *Connector { return &Connector{opts: opts} }

func (c *Connector) now() time.Time {
	if c.opts.Now != nil {
		return c.opts.Now()
	}
	return time.Now()
}
