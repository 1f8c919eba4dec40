package engine

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/state"
)

// TestWriteGuardStopsWritesAtOnce: the run asks its write guard before
// every write to the destination; from its first refusal on, the
// destination gets nothing more, the run fails (not restarted: a restart
// cannot give a lost lease back) and the checkpoint stays at the last
// batch written.
func TestWriteGuardStopsWritesAtOnce(t *testing.T) {
	h := newHarness(t, 50, nil)
	lost := errors.New("lease lost")
	var asked atomic.Int32
	guard := func(context.Context) error {
		if asked.Add(1) > 2 {
			return lost
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res := h.runner.Sync(WithWriteGuard(ctx, guard), "p")
	if !errors.Is(res.Err, lost) || res.Status != state.RunFailed {
		t.Fatalf("sync under a guard that refuses = %v (%s), want the guard's error, failed", res.Err, res.Status)
	}
	if h.dst.calls != 2 {
		t.Errorf("the destination got %d writes, want the 2 the guard allowed", h.dst.calls)
	}
	if got := len(h.dst.snapshot()); got != 20 {
		t.Errorf("the destination holds %d records, want 20 (two batches)", got)
	}
	if n := asked.Load(); n != 3 {
		t.Errorf("the guard was asked %d times, want 3 (no restart after its refusal)", n)
	}
	if got := h.checkpoint(); got != "20" {
		t.Errorf("checkpoint %q, want 20", got)
	}
}
