package hub

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/state"
)

// hungStore is a state whose database stopped answering lease renewals:
// each waits until its context ends.
type hungStore struct {
	state.Store
}

func (hungStore) RenewLease(ctx context.Context, _ state.Lease, _ time.Duration) (state.Lease, error) {
	<-ctx.Done()
	return state.Lease{}, ctx.Err()
}

// TestKeepLeaseOnAHungDatabase: renewals that never answer cost the
// command its lease once the lease expires (the run is cancelled saying
// so), and a command that ends meanwhile is not held up. A renewal had no
// bound: it waited on the run's context, which release cancels only after
// keepLease returned, so the command never ended.
func TestKeepLeaseOnAHungDatabase(t *testing.T) {
	const ttl = 300 * time.Millisecond
	l := state.Lease{Pipeline: "p", Holder: "cli", Token: 1}

	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		keepLease(ctx, hungStore{}, l, ttl, time.Now().Add(ttl), cancel, make(chan struct{}))
	}()
	select {
	case <-stopped:
	case <-time.After(5 * ttl):
		t.Fatal("keepLease still waiting on a hung database long after the lease expired")
	}
	if cause := context.Cause(ctx); cause == nil || !errors.Is(cause, context.DeadlineExceeded) {
		t.Errorf("run cancelled with %v, want the lost lease (its renewal timed out)", cause)
	}

	// The command ends while a renewal hangs: keepLease returns at once
	// after the renewal's bound.
	ctx2, cancel2 := context.WithCancelCause(context.Background())
	defer cancel2(nil)
	done := make(chan struct{})
	stopped2 := make(chan struct{})
	go func() {
		defer close(stopped2)
		keepLease(ctx2, hungStore{}, l, ttl, time.Now().Add(time.Hour), cancel2, done)
	}()
	time.Sleep(ttl/3 + 20*time.Millisecond) // a renewal is under way
	close(done)
	select {
	case <-stopped2:
	case <-time.After(5 * ttl):
		t.Fatal("keepLease held up the end of a command while a renewal hung")
	}
}
