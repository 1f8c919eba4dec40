package engine

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/host"
)

// DefaultHangTimeout is how long a run's plugins may make no progress
// before they are taken for hung (Runner.HangTimeout).
const DefaultHangTimeout = 5 * time.Minute

// DefaultMaxWaiting is how long a run's plugins may go without progress
// while they say they wait on purpose (Runner.MaxWaiting).
const DefaultMaxWaiting = time.Hour

// waitLoggedFrom is the shortest plugin wait logged at info level; shorter
// ones (a rate limit's pacing) are logged at debug level.
const waitLoggedFrom = 5 * time.Second

// watchdog notices a run attempt whose plugins stopped making progress: no
// batch or checkpoint from the source, no answer from the destination, no
// commit, for longer than the hang timeout, while neither the engine nor a
// plugin waits on purpose. It then cancels the attempt with a transient
// error, so that the run stops its plugins (by force if they do not end: a
// hung or stopped process never answers a graceful shutdown) and restarts
// them from the last checkpoint, within the run's restart budget.
//
// The engine's own waits (a retry's backoff, a destination's rate limit)
// count as waiting until they end. A plugin says it waits with a heartbeat
// (sdk.Waiting, through host.OnWaiting): the wait it announces is not a
// hang until it has ended and the hang timeout has passed after it. But a
// heartbeat is not progress: however long the waits a plugin announces,
// once the run made no progress for maxWaiting the plugins are taken for
// hung all the same, so that a plugin that waits forever (a vendor that
// never lets it through, a connector that loops announcing waits) is
// stopped.
type watchdog struct {
	timeout    time.Duration
	maxWaiting time.Duration
	last       atomic.Int64 // unix nanos of the last progress
	waitTill   atomic.Int64 // unix nanos until which the engine waits on purpose
	pluginTill atomic.Int64 // unix nanos until which a plugin said it waits
	reason     atomic.Pointer[string]
	awaiting   atomic.Pointer[string] // what the run waits for now, for the message of a hang
}

// errHung is why a hung attempt was cancelled.
type errHung struct {
	idle       time.Duration
	awaiting   string        // what the run was waiting for: who, doing what
	waitReason string        // the last wait a plugin announced since the last progress, if any
	maxWaiting time.Duration // set when the bound on waiting is what ran out
}

func (e errHung) Error() string {
	msg := fmt.Sprintf("the connectors made no progress for %s", roundIdle(e.idle))
	if e.awaiting != "" {
		msg += " (waiting for " + e.awaiting + ")"
	}
	switch {
	case e.maxWaiting > 0:
		msg += fmt.Sprintf(", waiting (last: %s) longer than the %s a run may wait without progress", e.waitReason, e.maxWaiting)
	case e.waitReason != "":
		msg += fmt.Sprintf(", and the last wait they announced (%s) is over", e.waitReason)
	}
	return msg + ": taken for hung, stopped and restarted"
}

// roundIdle rounds a time for a message: to the second, or to 10ms if shorter.
func roundIdle(d time.Duration) time.Duration {
	if d < 10*time.Second {
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(time.Second)
}

func newWatchdog(timeout, maxWaiting time.Duration) *watchdog {
	w := &watchdog{timeout: timeout, maxWaiting: max(maxWaiting, timeout)}
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

// await records what the run waits for from now on — "dst (zendesk) to
// answer a write of 500 records" — and returns the func that puts back
// what it waited for before. Both are no-ops on a nil watchdog.
func (w *watchdog) await(what string) (done func()) {
	if w == nil {
		return func() {}
	}
	before := w.awaiting.Swap(&what)
	return func() { w.awaiting.Store(before) }
}

// pluginWaiting records that a plugin said it waits on purpose until t,
// for reason. Not progress: see watchdog.
func (w *watchdog) pluginWaiting(reason string, t time.Time) {
	if w == nil {
		return
	}
	w.reason.Store(&reason)
	for u := t.UnixNano(); ; {
		old := w.pluginTill.Load()
		if u <= old || w.pluginTill.CompareAndSwap(old, u) {
			return
		}
	}
}

// hung returns why the attempt is taken for hung at now, or nil.
func (w *watchdog) hung(now time.Time) error {
	last := time.Unix(0, w.last.Load())
	deadline := last.Add(w.timeout)
	if t := time.Unix(0, w.waitTill.Load()).Add(w.timeout); t.After(deadline) {
		deadline = t
	}
	pluginTill := time.Unix(0, w.pluginTill.Load())
	waited := pluginTill.After(last)
	if waited {
		bound := last.Add(w.maxWaiting)
		if t := pluginTill.Add(w.timeout); t.After(deadline) {
			deadline = t
			if deadline.After(bound) {
				deadline = bound
			}
		}
	}
	if !now.After(deadline) {
		return nil
	}
	err := errHung{idle: now.Sub(last)}
	if a := w.awaiting.Load(); a != nil {
		err.awaiting = *a
	}
	if waited {
		if r := w.reason.Load(); r != nil {
			err.waitReason = *r
		}
		if !now.Before(last.Add(w.maxWaiting)) && pluginTill.Add(w.timeout).After(now) {
			err.maxWaiting = w.maxWaiting
		}
	}
	return err
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
			if h := w.hung(now); h != nil {
				err := sdk.Transient(h)
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

// maxWaiting is the runner's bound on waiting without progress, or the
// default.
func (r *Runner) maxWaiting() time.Duration {
	if r.MaxWaiting > 0 {
		return r.MaxWaiting
	}
	return DefaultMaxWaiting
}

// startWatchdog watches an attempt: it returns the attempt's context, which
// a hang cancels with a transient error (context.Cause), and the watchdog.
// The context listens for the waits the destination announces; a source's
// read is given listenWaits(ctx, "source") instead.
func (r *Runner) startWatchdog(ctx context.Context, t *tally) (context.Context, context.CancelFunc, *watchdog) {
	wctx, cancel := context.WithCancelCause(ctx)
	w := newWatchdog(r.hangTimeout(), r.maxWaiting())
	go w.watch(wctx, cancel, func(err error) {
		r.logger().Error("plugins hung: stopping and restarting them", "pipeline", t.pipeline, "run", t.runID, "error", err)
		t.emit(Event{Kind: EventPluginHang, Err: err})
	})
	return r.listenWaits(wctx, t, w, "destination"), func() { cancel(nil) }, w
}

// listenWaits returns ctx listening for the waits that plugin (the run's
// "source" or "destination") announces: each is told to the watchdog,
// reported (EventPluginWaiting) and logged, at info level if it is long.
func (r *Runner) listenWaits(ctx context.Context, t *tally, w *watchdog, plugin string) context.Context {
	return host.OnWaiting(ctx, func(reason string, until time.Time) {
		w.pluginWaiting(reason, until)
		wait := time.Until(until)
		t.emit(Event{Kind: EventPluginWaiting, Plugin: plugin, Reason: reason, Wait: wait})
		log := r.logger().Debug
		if wait >= waitLoggedFrom {
			log = r.logger().Info
		}
		log("connector waiting", "pipeline", t.pipeline, "run", t.runID, "plugin", plugin,
			"reason", reason, "wait", wait.Round(time.Millisecond), "until", until.Format(time.RFC3339))
	})
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

// connectionName names a connection and its connector for a message:
// "dst (zendesk)".
func connectionName(c *config.Connection) string {
	return c.Name + " (" + c.Connector + ")"
}
