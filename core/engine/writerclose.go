package engine

import (
	"context"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// writerCloseGrace is how long closing a writer may still wait for the
// connector's verdict once the run's context has ended (a shutdown, a hang,
// an error that cancelled the attempt). A connector that is alive answers
// well within it; a stopped or hung one never answers, and its plugin is
// killed next. A variable for tests.
var writerCloseGrace = 3 * time.Second

// closeWriter closes w and returns the connector's verdict. The close is
// not cut short by ctx itself — a writer is closed even when the run was
// asked to stop, so that the connector can finish what it holds — but it
// waits at most writerCloseGrace after ctx ends: a plugin that can answer
// nothing (SIGSTOPped, deadlocked) must never keep the run, and cxhub, from
// stopping.
func closeWriter(ctx context.Context, w sdk.Writer) error {
	cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	closed := make(chan struct{})
	defer close(closed)
	go func() {
		select {
		case <-closed:
			return
		case <-ctx.Done():
		}
		grace := time.NewTimer(writerCloseGrace)
		defer grace.Stop()
		select {
		case <-closed:
		case <-grace.C:
			cancel()
		}
	}()
	return w.Close(cctx)
}
