package host

import (
	"context"
	"time"

	"github.com/cxhub/cxhub/sdk/internal/hostlink"
)

// OnWaiting returns ctx carrying f, which is told of every wait a
// connector announces (sdk.Waiting) during a Read or a Write called with
// that context (or, for a Writer, the context of OpenWriter, Write or
// Close): what it waits for and until when. A plugin's waits come as
// heartbeats, at most about one a second per stream; a connector value
// called directly reaches f at once. f is called from the call's
// goroutine, or the connector's: keep it quick and safe for concurrent
// use.
//
// A wait is the connector's word that it is idle on purpose, not progress:
// the cxhub engine's watchdog uses it to tell a wait from a hang.
func OnWaiting(ctx context.Context, f func(reason string, until time.Time)) context.Context {
	return hostlink.WithWait(ctx, f)
}
