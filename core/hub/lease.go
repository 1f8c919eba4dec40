package hub

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/cxhub/cxhub/core/engine"
	"github.com/cxhub/cxhub/core/state"
)

// A command of the CLI that writes for a pipeline (sync, dlq replay,
// conflicts resolve, state reset) on a state shared by cxhub serve workers
// (PostgreSQL) does so under the pipeline's lease, as a worker does: it
// takes the lease — refused, naming the worker, while a live worker holds
// it — renews it while it works, carries its fencing token on every write
// (checked by the store in the write's transaction) and asks it before
// every write to a destination, then gives it back. See
// docs/scale-out.md. On SQLite the file's lock already makes the hub the
// state's only writer.

// cliLeaseTTL is how long a lease the CLI took lasts without a renewal;
// it is renewed every third of it.
const cliLeaseTTL = 30 * time.Second

// cliHolder names the CLI process as a lease holder: "cli host:pid", and
// a random instance token (see state.Lease.HolderID).
var cliHolder = sync.OnceValue(func() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s%s:%d#%s", cliHolderPrefix, host, os.Getpid(), rand.Text()[:16])
})

// cliHolderPrefix starts the holder name of every CLI process.
const cliHolderPrefix = "cli "

// shared reports whether the hub's state is one several processes write
// at once, whose pipelines are leased.
func (h *Hub) shared() bool {
	cfg, err := h.Config()
	return err == nil && cfg.State.Driver == "postgres"
}

// holdPipeline is the engine's Runner.Hold: a run of a command outside
// cxhub serve, on a shared state, happens under the pipeline's lease.
// The run of a worker (its ctx carries the worker's fence) and any run on
// SQLite go on as they are.
func (h *Hub) holdPipeline(ctx context.Context, pipeline string) (context.Context, func(), error) {
	if _, fenced := state.FenceFrom(ctx); fenced || !h.shared() {
		return ctx, func() {}, nil
	}
	st, err := h.Store()
	if err != nil {
		return nil, nil, err
	}
	asked := time.Now() // the lease runs at most ttl from here, whatever the answer's delay
	l, err := st.AcquireLease(ctx, pipeline, cliHolder(), cliLeaseTTL)
	if cmd, ok := strings.CutPrefix(l.HolderID(), cliHolderPrefix); ok && errors.Is(err, state.ErrLeaseHeld) {
		// Another command, which has no API to trigger and ends by itself.
		return nil, nil, fmt.Errorf("pipeline %s is being run by another cxhub command (%s), whose lease runs until %s: "+
			"wait until it ends, or stop that process: %w",
			pipeline, cmd, l.ExpiresAt.Local().Format(time.RFC3339), err)
	}
	if errors.Is(err, state.ErrLeaseHeld) {
		return nil, nil, fmt.Errorf("pipeline %s is run by worker %s (its lease runs until %s): "+
			"stop that worker first, or wait until it gives the pipeline up; to run the pipeline now, "+
			"trigger it on that worker (POST /api/v1/pipelines/%s/trigger): %w",
			pipeline, l.HolderID(), l.ExpiresAt.Local().Format(time.RFC3339), pipeline, err)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("take the lease on pipeline %s: %w", pipeline, err)
	}
	f := state.Fence{Pipeline: pipeline, Token: l.Token}
	ctx, cancel := context.WithCancelCause(state.WithFence(ctx, f))
	ctx = engine.WithWriteGuard(ctx, func(ctx context.Context) error { return st.CheckFence(ctx, f) })
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		keepLease(ctx, st, l, cliLeaseTTL, asked.Add(cliLeaseTTL), cancel, done)
	}()
	release := func() {
		close(done)
		<-stopped
		cancel(nil)
		rctx, stop := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer stop()
		_ = st.ReleaseLease(rctx, l)
	}
	return ctx, release, nil
}

// keepLease renews l (of ttl) every third of its ttl until done is
// closed; once the lease is lost, or could not be renewed before it
// expired (until: counted from before each request was sent), it cancels
// the run's context with the reason. Each renewal is bounded by a third of
// the ttl: a database that stops answering must not hold the command up
// past its lease, nor keep it from ending (release waits for this).
func keepLease(ctx context.Context, st state.Store, l state.Lease, ttl time.Duration, until time.Time,
	cancel context.CancelCauseFunc, done <-chan struct{}) {
	tick := time.NewTicker(ttl / 3)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		sent := time.Now()
		rctx, stop := context.WithTimeout(ctx, ttl/3)
		n, err := st.RenewLease(rctx, l, ttl)
		stop()
		switch {
		case err == nil:
			l, until = n, sent.Add(ttl)
		case errors.Is(err, state.ErrFenced) || time.Now().After(until):
			cancel(fmt.Errorf("lost the lease on pipeline %s: %w", l.Pipeline, err))
			return
		}
	}
}

// ResetCheckpoints forgets a pipeline's checkpoints (its next sync reads
// the source from the start) and returns how many there were: under the
// pipeline's lease on a shared state (see holdPipeline).
func (h *Hub) ResetCheckpoints(ctx context.Context, pipeline string) (int64, error) {
	st, err := h.Store()
	if err != nil {
		return 0, err
	}
	ctx, release, err := h.holdPipeline(ctx, pipeline)
	if err != nil {
		return 0, err
	}
	defer release()
	return st.ResetCheckpoints(ctx, pipeline)
}

// FreeToRun returns nil when a command of this process may act on the
// pipeline now: always on a state that only one process writes, and on a
// shared state when no worker holds the pipeline's lease, which it takes
// for a moment to know. Otherwise it returns the error that names the
// worker and what to do, as a run would.
func (h *Hub) FreeToRun(ctx context.Context, pipeline string) error {
	_, release, err := h.holdPipeline(ctx, pipeline)
	if err != nil {
		return err
	}
	release()
	return nil
}
