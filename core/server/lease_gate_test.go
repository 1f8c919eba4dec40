package server

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/engine"
	"github.com/cxhub/cxhub/core/hub"
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
	// A job (a replay) asked for without the lease writes nothing either.
	g, ok := engine.WriteGuardFrom(w.jobContext(context.Background()))
	if !ok {
		t.Fatal("a job without the lease runs without a write guard")
	}
	if err := g(context.Background()); !errors.Is(err, state.ErrFenced) {
		t.Errorf("a job's guard without the lease = %v, want ErrFenced", err)
	}
}

// The guard also asks the store: a lease the worker's clock still counts
// as held, but that the store no longer has with the worker's token (its
// clock stood still while the machine was suspended, say, and another
// worker took the pipeline over), is refused at the next write.
func TestWriteGuardAsksTheStore(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "cxhub.yaml")
	if err := os.WriteFile(cfgPath, []byte("version: 1\nstate: {path: state/cxhub.db}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := hub.New(hub.Options{ConfigPath: cfgPath, LogOutput: io.Discard})
	t.Cleanup(func() { h.Close() })
	st, err := h.Store()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	l, err := st.AcquireLease(ctx, "p", "w1", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	w := &worker{s: &Server{hub: h}, p: &config.Pipeline{Name: "p"}, ctx: ctx, wake: make(chan struct{}, 1)}
	w.grant(l, time.Now().Add(time.Minute))
	guard := w.writeGuard(state.Fence{Pipeline: "p", Token: l.Token})
	if err := guard(ctx); err != nil {
		t.Fatalf("guard of the lease held: %v", err)
	}
	if err := st.ReleaseLease(ctx, l); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AcquireLease(ctx, "p", "w2", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := guard(ctx); !errors.Is(err, state.ErrFenced) {
		t.Errorf("guard of a lease the store gave another worker = %v, want ErrFenced", err)
	}
}

// A run under a hold that ends — the lease's local expiry passed, or it
// was revoked — is cancelled with a cause matching state.ErrFenced, so the
// run ends interrupted for that reason and the server logs it at WARN (the
// workers' tests excuse its pipeline from the overlap check by that line).
func TestHoldEndsWithAFencedCause(t *testing.T) {
	w := &worker{p: &config.Pipeline{Name: "p"}, ctx: context.Background(), wake: make(chan struct{}, 1)}
	l := state.Lease{Pipeline: "p", Holder: "w1", Token: 7}

	w.grant(l, time.Now().Add(50*time.Millisecond))
	ctx, ok := w.holding()
	if !ok {
		t.Fatal("no hold right after the grant")
	}
	time.Sleep(100 * time.Millisecond)
	if _, ok := w.holding(); ok {
		t.Fatal("still held past the local expiry")
	}
	if cause := context.Cause(ctx); !errors.Is(cause, state.ErrFenced) || !strings.Contains(cause.Error(), "expired") {
		t.Errorf("the cause past the local expiry = %v, want an expiry matching ErrFenced", cause)
	}

	w.grant(state.Lease{Pipeline: "p", Holder: "w1", Token: 8}, time.Now().Add(time.Minute))
	ctx, _ = w.holding()
	w.revoke(8)
	if cause := context.Cause(ctx); !errors.Is(cause, state.ErrFenced) {
		t.Errorf("the cause after a revoke = %v, want ErrFenced", cause)
	}
}
