package surveymonkey

import (
	"net/http"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
	"github.com/cxhub/cxhub/sdk/webhook"
)

// Connector is the SurveyMonkey connector. Its methods may be called
// concurrently: each Check, Read, writer and webhook delivery makes its own
// HTTP client. Between calls it keeps only the ids of recent webhook
// deliveries, to drop replays.
type Connector struct {
	opts    Options
	replays *webhook.ReplayGuard
}

// Options tune a Connector for tests; the plugin binary uses the zero value.
type Options struct {
	// Transport sends the requests; nil means httpx's default transport.
	Transport http.RoundTripper
	// Counter, if set, counts every request sent.
	Counter *httpx.Counter
	// Now is the clock of webhook replay checks; nil means time.Now.
	Now func() time.Time
	// MinBackoff and MaxBackoff bound the waits between retries; zero
	// means httpx's defaults.
	MinBackoff, MaxBackoff time.Duration
}

var (
	_ sdk.Connector      = (*Connector)(nil)
	_ sdk.Source         = (*Connector)(nil)
	_ sdk.Destination    = (*Connector)(nil)
	_ sdk.WebhookHandler = (*Connector)(nil)
)

// replayTTL is how long a delivery's event id is remembered.
const replayTTL = time.Hour

// New returns the connector as the plugin binary serves it.
func New() *Connector { return NewWithOptions(Options{}) }

// NewWithOptions returns a connector tuned by opts.
func NewWithOptions(opts Options) *Connector {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Connector{opts: opts, replays: webhook.NewReplayGuard(replayTTL, 10000)}
}
