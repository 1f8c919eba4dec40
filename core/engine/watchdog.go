package engine

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// DefaultHangTimeout is how long a run's plugins may make no progress
// before they are taken for hung (Runner.HangTimeout).
const DefaultHangTimeout = 5 * time.Minute

// watchdog notices a run attempt whose plugins stopped making progress: no
// batch or checkpoint from the source, no answer from the destination, no
// commit, for longer than the hang timeout, while the engine itself is not
// waiting on purpose (a retry's backoff, a rate limit's wait). It then
// cancels the attempt with a transient error, so that the run stops its
// plugins (by force if they do not end: a hung or stopped process never
// answers a graceful shutdown) and restarts them from the last checkpoint,
// within the run's restart budget.
type watchdog struct {
	timeout  time.Duration
	last     atomic.Int64 // unix nanos of the last progress
	waitTill atomic.Int64 // unix nanos until which the engine waits on purpose
}

// errHung is why a hung attempt was cancelled.
type errHung struct{ idle time.Duration }

func (e errHung) Error() string {
	return fmt.Sprintf("the connectors made no progress for %s: taken for hung, stopped and restarted", e.idle.Round(time.Second))
}

func newWatchdog(timeout time.Duration) *watchdog {
	w := &watchdog{timeout: timeout}
	w.progress()
	return w
}

// progress records that something moved.
func (w *watchdog) progress() {
	if w != nil {
		w.last.Store(time.Now().UnixNano())
	}
}

// waiting records that the engine waits on purpose until t.
func (w *watchdog) waiting(t time.Time) {
	if w != nil {
		w.waitTill.Store(t.UnixNano())
	}
}

// watch cancels the attempt when it hangs, until ctx ends; onHang is told.
func (w *watchdog) watch(ctx context.Context, cancel context.CancelCauseFunc, onHang func(error)) {
	tick := time.NewTicker(max(w.timeout/8, 10*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			from := max(w.last.Load(), w.waitTill.Load())
			if idle := now.Sub(time.Unix(0, from)); idle > w.timeout {
				err := sdk.Transient(errHung{idle: idle})
				onHang(err)
				cancel(err)
				return
			}
		}
	}
}

// hangTimeout is the runner's hang timeout, or the default.
func (r *Runner) hangTimeout() time.Duration {
	if r.HangTimeout > 0 {
		return r.HangTimeout
	}
	return DefaultHangTimeout
}

// startWatchdog watches an attempt: it returns the attempt's context, which
// a hang cancels with a transient error (context.Cause), and the watchdog.
func (r *Runner) startWatchdog(ctx context.Context, t *tally) (context.Context, context.CancelFunc, *watchdog) {
	wctx, cancel := context.WithCancelCause(ctx)
	w := newWatchdog(r.hangTimeout())
	go w.watch(wctx, cancel, func(err error) {
		r.logger().Error("plugins hung: stopping and restarting them", "pipeline", t.pipeline, "run", t.runID, "error", err)
		t.emit(Event{Kind: EventPluginHang, Err: err})
	})
	return wctx, func() { cancel(nil) }, w
}

// hungCause returns the hang that cancelled ctx, if that is what did.
func hungCause(ctx context.Context) error {
	if cause := context.Cause(ctx); cause != nil {
		var h errHung
		if errors.As(cause, &h) {
			return cause
		}
	}
	return nil
}
