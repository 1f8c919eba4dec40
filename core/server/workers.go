package server

import (
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/engine"
	"github.com/cxhub/cxhub/core/state"
)

// worker runs one pipeline: every run of it goes through its loop, so a
// pipeline never runs twice at once. Requests coalesce: a sync asked for
// while one runs is run once after it, however often it was asked.
type worker struct {
	s      *Server
	p      *config.Pipeline
	cancel context.CancelFunc
	done   chan struct{}

	mu       sync.Mutex
	wantSync bool
	wantPush time.Time // when the oldest undelivered push arrived; zero if none
	jobs     []func(context.Context)
	running  string    // "sync", "pushed", "job" or ""
	nextRun  time.Time // the next scheduled sync; zero if unscheduled
	wake     chan struct{}
	ctx      context.Context // the worker's life
	hold     *hold           // the pipeline's lease, while this worker holds it (see lease_gate.go)
}

// reconcile starts, stops and restarts workers to match cfg's pipelines.
func (s *Server) reconcile(cfg *config.Config) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg = cfg
	want := map[string]*config.Pipeline{}
	for _, p := range cfg.Pipelines {
		if len(s.opts.Only) == 0 || slices.Contains(s.opts.Only, p.Name) {
			want[p.Name] = p
		}
	}
	for name, w := range s.workers {
		if p, ok := want[name]; ok && reflect.DeepEqual(*p, *w.p) {
			continue
		}
		w.stop() // removed or changed: a run in flight commits and ends
		delete(s.workers, name)
	}
	for name, p := range want {
		if _, ok := s.workers[name]; ok {
			continue
		}
		ctx, cancel := context.WithCancel(s.runCtx)
		w := &worker{s: s, p: p, cancel: cancel, done: make(chan struct{}), wake: make(chan struct{}, 1), ctx: ctx}
		s.workers[name] = w
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer close(w.done)
			w.loop(ctx)
		}()
		// The schedule runs while the worker holds the pipeline's lease:
		// see worker.grant.
	}
}

// worker returns the worker of a pipeline.
func (s *Server) worker(name string) (*worker, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.workers[name]
	return w, ok
}

func (w *worker) stop() { w.cancel() }

func (w *worker) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// requestSync asks for a sync (coalesced).
func (w *worker) requestSync() {
	w.mu.Lock()
	w.wantSync = true
	w.mu.Unlock()
	w.poke()
}

// requestPush asks for delivery of pushed records that arrived at t.
func (w *worker) requestPush(t time.Time) {
	w.mu.Lock()
	if w.wantPush.IsZero() {
		w.wantPush = t
	}
	w.mu.Unlock()
	w.poke()
}

// do runs fn in the worker's loop, between runs, and waits for it or ctx.
func (w *worker) do(ctx context.Context, fn func(context.Context)) error {
	done := make(chan struct{})
	w.mu.Lock()
	w.jobs = append(w.jobs, func(c context.Context) { fn(c); close(done) })
	w.mu.Unlock()
	w.poke()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-w.done:
		return context.Canceled
	}
}

// state returns what the worker is doing and its next scheduled run.
func (w *worker) state() (running string, next time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.running, w.nextRun
}

// loop runs what is asked, one thing at a time, until ctx ends.
func (w *worker) loop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		}
		for ctx.Err() == nil {
			// The lease gate: runs happen under the pipeline's lease, with
			// its fence in their context; without it, what is asked waits.
			hctx, held := w.holding()
			w.mu.Lock()
			jobs := w.jobs
			w.jobs = nil
			var push time.Time
			var sync bool
			if held {
				push, sync = w.wantPush, w.wantSync
				w.wantPush, w.wantSync = time.Time{}, false
			}
			if len(jobs) == 0 && push.IsZero() && !sync {
				w.mu.Unlock()
				break
			}
			w.running = "starting" // taken and running are one step: see waitIdle
			w.mu.Unlock()
			for _, job := range jobs {
				w.setRunning("job")
				job(w.jobContext(ctx))
			}
			paused := w.paused(ctx)
			if !push.IsZero() && !paused {
				w.setRunning("pushed")
				w.deliver(hctx, push)
			}
			if sync && !paused {
				w.setRunning("sync")
				res := w.s.hub.Sync(hctx, w.p.Name)
				w.s.logResult(res)
			}
			w.setRunning("")
		}
	}
}

func (w *worker) setRunning(what string) {
	w.mu.Lock()
	w.running = what
	w.mu.Unlock()
}

// paused reports whether an operator paused the pipeline.
func (w *worker) paused(ctx context.Context) bool {
	st, err := w.s.hub.Store()
	if err != nil {
		return false
	}
	p, err := st.Paused(ctx)
	return err == nil && p[w.p.Name]
}

// deliver takes the pipeline's pushed records to the destination, if it
// has any, and reports their latency from arrival.
func (w *worker) deliver(ctx context.Context, arrived time.Time) {
	pending, err := w.s.hub.HasPushed(ctx, w.p.Name)
	if err != nil || !pending {
		return
	}
	res := w.s.hub.DeliverPushed(ctx, w.p.Name)
	w.s.logResult(res)
	if res.Err == nil && w.s.opts.Metrics != nil {
		w.s.opts.Metrics.ObserveWebhookLatency(w.p.Name, time.Since(arrived).Seconds())
	}
}

// logResult logs a finished run.
func (s *Server) logResult(res engine.Result) {
	c := res.Counts
	attrs := []any{"pipeline", res.Pipeline, "run", res.RunID, "status", res.Status, "read", c.Read, "written", c.Written,
		"dead_lettered", c.DeadLettered, "duration", res.Duration.Round(time.Millisecond)}
	switch {
	case res.Err != nil && res.Status != state.RunInterrupted:
		s.log.Error("run failed", append(attrs, "error", res.Err)...)
	case res.Status == state.RunInterrupted && errors.Is(res.Err, state.ErrFenced):
		// The worker lost the lease during the run (not renewed in time,
		// or taken over): what the run had not committed is the next
		// holder's to do.
		s.log.Warn("run cut short: the pipeline's lease ran out or was lost", append(attrs, "error", res.Err)...)
	default:
		s.log.Info("run finished", attrs...)
	}
}

// schedule asks for a sync on the pipeline's schedule until ctx ends.
//
// After downtime a pipeline runs once, not once per missed tick: an
// interval pipeline whose last run started longer than an interval ago runs
// at once; a cron pipeline whose last run is older than the schedule's
// previous tick runs at once; then each follows its schedule. Every
// scheduled run waits a random jitter first (config: jitter).
func (w *worker) schedule(ctx context.Context) {
	last := w.lastRun(ctx)
	now := time.Now()
	var next time.Time
	if w.p.Cron != "" {
		sched, err := config.ParseCron(w.p.Cron)
		if err != nil {
			return // the config was validated: cannot happen
		}
		next = sched.Next(now)
		if !last.IsZero() && prevTick(ctx, sched, now).After(last) {
			next = now // missed at least one tick while down: once now
		}
		for ctx.Err() == nil {
			if next.IsZero() {
				// robfig/cron's Next gives the zero time for a schedule
				// that never fires ("0 0 31 2 *"): no run, and no spin.
				w.s.log.Warn("pipeline's cron schedule never fires: it runs only when triggered",
					"pipeline", w.p.Name, "schedule", w.p.Cron)
				return
			}
			if !w.waitUntil(ctx, next.Add(w.jitter())) {
				return
			}
			w.requestSync()
			next = sched.Next(time.Now())
		}
		return
	}
	next = now
	if !last.IsZero() && now.Sub(last) < w.p.Schedule {
		next = last.Add(w.p.Schedule)
	}
	for ctx.Err() == nil {
		if !w.waitUntil(ctx, next.Add(w.jitter())) {
			return
		}
		w.requestSync()
		// The interval counts from the end of the run it asked for.
		w.waitIdle(ctx)
		next = time.Now().Add(w.p.Schedule)
	}
}

// prevTick is the schedule's last tick at or before now (within a year),
// or the zero time if there is none or the schedule never fires. The walk
// is bounded (maxPrevTickSteps) and stops when ctx ends.
func prevTick(ctx context.Context, sched interface{ Next(time.Time) time.Time }, now time.Time) time.Time {
	// Walk back in growing steps until a tick falls before now.
	for step := time.Minute; step < 366*24*time.Hour; step *= 2 {
		t := sched.Next(now.Add(-step))
		if t.IsZero() {
			return time.Time{} // never fires
		}
		if t.After(now) {
			continue
		}
		// Then forward, tick by tick, to the last one at or before now.
		for steps := 0; steps < maxPrevTickSteps && ctx.Err() == nil; steps++ {
			n := sched.Next(t)
			if !n.After(t) || n.After(now) { // no later tick (zero: none at all), or past now
				return t
			}
			t = n
		}
		return t // bounded or cancelled: a tick at or before now, maybe not the last
	}
	return time.Time{}
}

// maxPrevTickSteps bounds prevTick's walk forward (a schedule ticking
// every second walks about 60 ticks from a minute back).
const maxPrevTickSteps = 1 << 20

// lastRun is when the pipeline's newest run started (zero if none).
func (w *worker) lastRun(ctx context.Context) time.Time {
	st, err := w.s.hub.Store()
	if err != nil {
		return time.Time{}
	}
	runs, err := st.Runs(ctx, state.RunFilter{Pipeline: w.p.Name, Limit: 1})
	if err != nil || len(runs) == 0 {
		return time.Time{}
	}
	return runs[0].StartedAt
}

func (w *worker) jitter() time.Duration {
	max := w.p.MaxJitter()
	if max <= 0 {
		return 0
	}
	return rand.N(max)
}

// waitUntil sleeps until t, recording it as the next run; false if ctx ended.
func (w *worker) waitUntil(ctx context.Context, t time.Time) bool {
	w.mu.Lock()
	w.nextRun = t
	w.mu.Unlock()
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// waitIdle waits until the worker has no sync asked for nor running.
func (w *worker) waitIdle(ctx context.Context) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		w.mu.Lock()
		idle := !w.wantSync && w.running == ""
		w.mu.Unlock()
		if idle {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
