package server

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/state"
)

// The hold's write guard refuses, without asking the store, once the
// lease's local expiry has passed (a worker paused past its lease, or
// whose renewals failed) and once the lease was revoked or replaced.
func TestWriteGuardRefusesALeaseNoLongerHeld(t *testing.T) {
	w := &worker{p: &config.Pipeline{Name: "p"}, ctx: context.Background(), wake: make(chan struct{}, 1)}
	l := state.Lease{Pipeline: "p", Holder: "w1", Token: 7}
	f := state.Fence{Pipeline: "p", Token: 7}

	w.grant(l, time.Now().Add(50*time.Millisecond))
	time.Sleep(100 * time.Millisecond)
	if err := w.writeGuard(f)(context.Background()); !errors.Is(err, state.ErrFenced) {
		t.Errorf("guard past the local expiry = %v, want ErrFenced", err)
	}

	w.grant(l, time.Now().Add(time.Minute))
	if err := w.stillHolds(7); err != nil {
		t.Fatalf("a hold within its expiry: %v", err)
	}
	if err := w.writeGuard(state.Fence{Pipeline: "p", Token: 6})(context.Background()); !errors.Is(err, state.ErrFenced) {
		t.Errorf("guard of an older token = %v, want ErrFenced", err)
	}
	w.revoke(7)
	if err := w.writeGuard(f)(context.Background()); !errors.Is(err, state.ErrFenced) {
		t.Errorf("guard after the lease was revoked = %v, want ErrFenced", err)
	}
}
