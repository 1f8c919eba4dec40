package server

import (
	"context"
	"fmt"
	"time"

	"github.com/cxhub/cxhub/core/engine"
	"github.com/cxhub/cxhub/core/state"
)

// hold is a worker's lease on its pipeline: runs happen in ctx, which
// carries the lease's fence and ends when the lease is lost or given up.
type hold struct {
	lease  state.Lease
	until  time.Time   // local expiry: renewal sent + ttl
	timer  *time.Timer // ends the hold at until: a run stops writing to the destination
	ctx    context.Context
	cancel context.CancelCauseFunc // its cause says why a run under the hold was cut short
}

// grant hands the worker its pipeline's lease (newly acquired or renewed,
// until the local time until): a new token starts a hold, with the
// pipeline's schedule, and delivers what waits in the inbox.
func (w *worker) grant(l state.Lease, until time.Time) {
	w.mu.Lock()
	if w.hold != nil && w.hold.lease.Token == l.Token {
		w.hold.lease, w.hold.until = l, until
		w.hold.timer.Reset(time.Until(until))
		w.mu.Unlock()
		return
	}
	if w.hold != nil {
		w.hold.end(fmt.Errorf("pipeline %s: the lease with token %d was replaced by token %d: %w", w.p.Name, w.hold.lease.Token, l.Token, state.ErrFenced))
	}
	f := state.Fence{Pipeline: l.Pipeline, Token: l.Token}
	ctx, cancel := context.WithCancelCause(engine.WithWriteGuard(state.WithFence(w.ctx, f), w.writeGuard(f)))
	h := &hold{lease: l, until: until, ctx: ctx, cancel: cancel}
	// A worker paused past its lease (GC, SIGSTOP) finds the timer fired
	// as soon as it runs again: its run is cancelled before it sends the
	// destination another batch (a commit would be refused anyway).
	h.timer = time.AfterFunc(time.Until(until), func() { w.holding() })
	w.hold = h
	w.mu.Unlock()
	if w.p.Scheduled() {
		go w.schedule(ctx) // computes its next run from the pipeline's last, wherever it ran
	}
	w.requestPush(time.Now())
}

// writeGuard is the write guard of the hold of fence f (see
// engine.WithWriteGuard), asked right before every write to the
// destination: the worker must still hold the lease by its own clock —
// which is ahead of the store's, the local expiry counting from before
// the renewal was sent — and the store must still have it with f's token
// (one indexed read). The local check comes again after the query, so the
// write follows a check made after the round trip. A worker paused past
// its lease fails the first check the moment it runs again.
func (w *worker) writeGuard(f state.Fence) engine.WriteGuard {
	return func(ctx context.Context) error {
		if err := w.stillHolds(f.Token); err != nil {
			return err
		}
		st, err := w.s.hub.Store()
		if err != nil {
			return fmt.Errorf("check the lease on %s: %w", f.Pipeline, err)
		}
		if err := st.CheckFence(ctx, f); err != nil {
			return err
		}
		return w.stillHolds(f.Token)
	}
}

// stillHolds is nil if the worker holds its pipeline's lease with token
// and the lease's local expiry has not passed; an error matching
// state.ErrFenced otherwise.
func (w *worker) stillHolds(token int64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.hold == nil || w.hold.lease.Token != token:
		return fmt.Errorf("pipeline %s: the lease with token %d is no longer this worker's: %w", w.p.Name, token, state.ErrFenced)
	case !time.Now().Before(w.hold.until):
		return fmt.Errorf("pipeline %s: the lease with token %d expired by this worker's clock at %s (not renewed in time): %w",
			w.p.Name, token, w.hold.until.Format(time.RFC3339Nano), state.ErrFenced)
	}
	return nil
}

// revoke ends the hold of the lease with token, if the worker has it: a
// run in flight is cancelled (its writes would be refused), and the syncs
// asked for are left to the pipeline's next holder.
func (w *worker) revoke(token int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.hold == nil || w.hold.lease.Token != token {
		return
	}
	w.hold.end(fmt.Errorf("pipeline %s: the lease with token %d is no longer this worker's: %w", w.p.Name, token, state.ErrFenced))
	w.hold = nil
	w.wantSync, w.wantPush, w.nextRun = false, time.Time{}, time.Time{}
}

// holding returns the context of the worker's hold, if it has one whose
// local expiry has not passed.
func (w *worker) holding() (context.Context, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.hold == nil {
		return nil, false
	}
	if !time.Now().Before(w.hold.until) {
		w.hold.end(fmt.Errorf("pipeline %s: the lease with token %d expired by this worker's clock at %s (not renewed in time): %w",
			w.p.Name, w.hold.lease.Token, w.hold.until.Format(time.RFC3339Nano), state.ErrFenced))
		w.hold = nil
		return nil, false
	}
	return w.hold.ctx, true
}

// end cancels the hold's context with why, and stops its timer.
func (h *hold) end(why error) {
	h.timer.Stop()
	h.cancel(why)
}

// expired ends the hold if its local expiry passed, and reports whether
// the worker has no hold any more.
func (w *worker) expired() bool {
	_, held := w.holding()
	return !held
}

// idle reports whether the worker runs nothing now.
func (w *worker) idle() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.running == ""
}

// holder returns the lease the worker holds, if any.
func (w *worker) lease() (state.Lease, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.hold == nil {
		return state.Lease{}, false
	}
	return w.hold.lease, true
}

// jobContext is the context of a job run between runs (a replay): the
// hold's, or — without the lease — one whose fence no lease matches, so
// that the job's writes are refused rather than made beside the holder's:
// its commits by the store, its destination writes by the write guard.
func (w *worker) jobContext(ctx context.Context) context.Context {
	if hctx, ok := w.holding(); ok {
		return hctx
	}
	f := state.Fence{Pipeline: w.p.Name, Token: 0}
	return engine.WithWriteGuard(state.WithFence(ctx, f), w.writeGuard(f))
}

// allWorkers returns the server's workers.
func (s *Server) allWorkers() []*worker {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*worker, 0, len(s.workers))
	for _, w := range s.workers {
		out = append(out, w)
	}
	return out
}
