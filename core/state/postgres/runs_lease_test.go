package postgres

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/state"
)

// runStatus returns run id's status, or fails the test.
func runStatus(t *testing.T, s *Store, id int64) state.RunStatus {
	t.Helper()
	r, err := s.Run(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r.Status
}

// TestStartRunSparesLeasedRuns: a StartRun without a fence (a process
// outside the leases) never marks interrupted a running run of a pipeline
// whose lease a live holder has; it does when the lease expired, was
// released or was never taken. The holder's own StartRun, fenced, marks
// every earlier running run of its pipeline interrupted.
func TestStartRunSparesLeasedRuns(t *testing.T) {
	ctx := context.Background()
	s := openFresh(t)
	l, err := s.AcquireLease(ctx, "held", "w1", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	fenced := state.WithFence(ctx, state.Fence{Pipeline: l.Pipeline, Token: l.Token})
	live, err := s.StartRun(fenced, "held")
	if err != nil {
		t.Fatal(err)
	}
	outside, err := s.StartRun(ctx, "held")
	if err != nil {
		t.Fatal(err)
	}
	if got := runStatus(t, s, live); got != state.RunRunning {
		t.Errorf("the lease holder's run after an unfenced StartRun: %s, want running", got)
	}
	next, err := s.StartRun(fenced, "held")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{live, outside} {
		if got := runStatus(t, s, id); got != state.RunInterrupted {
			t.Errorf("run %d after the holder's next StartRun: %s, want interrupted", id, got)
		}
	}
	if got := runStatus(t, s, next); got != state.RunRunning {
		t.Errorf("the holder's new run: %s", got)
	}

	for _, c := range []struct {
		pipeline string
		lease    func(t *testing.T)
	}{
		{"never-leased", func(*testing.T) {}},
		{"expired", func(t *testing.T) {
			if _, err := s.AcquireLease(ctx, "expired", "w1", time.Millisecond); err != nil {
				t.Fatal(err)
			}
			time.Sleep(20 * time.Millisecond)
		}},
		{"released", func(t *testing.T) {
			l, err := s.AcquireLease(ctx, "released", "w1", time.Minute)
			if err == nil {
				err = s.ReleaseLease(ctx, l)
			}
			if err != nil {
				t.Fatal(err)
			}
		}},
	} {
		dead, err := s.StartRun(ctx, c.pipeline)
		if err != nil {
			t.Fatal(err)
		}
		c.lease(t)
		if _, err := s.StartRun(ctx, c.pipeline); err != nil {
			t.Fatal(err)
		}
		if got := runStatus(t, s, dead); got != state.RunInterrupted {
			t.Errorf("%s: the earlier run after the next StartRun: %s, want interrupted", c.pipeline, got)
		}
	}
}

// TestHeartbeatRefusesASecondInstance: a worker id is one process's at a
// time: a heartbeat of another instance under a live worker's id is
// refused (state.ErrWorkerIDInUse, naming the id), and accepted once the
// first left or its heartbeat expired.
func TestHeartbeatRefusesASecondInstance(t *testing.T) {
	ctx := context.Background()
	s := openFresh(t)
	first := state.Worker{ID: "w1", Instance: "aaaa"}
	second := state.Worker{ID: "w1", Instance: "bbbb"}
	if err := s.Heartbeat(ctx, first, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.Heartbeat(ctx, first, time.Minute); err != nil {
		t.Fatalf("the same instance again: %v", err)
	}
	err := s.Heartbeat(ctx, second, time.Minute)
	if !errors.Is(err, state.ErrWorkerIDInUse) || !strings.Contains(err.Error(), "w1") {
		t.Fatalf("a second instance of a live worker: %v, want ErrWorkerIDInUse naming w1", err)
	}
	if err := s.Heartbeat(ctx, first, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.Heartbeat(ctx, second, time.Millisecond); err != nil {
		t.Fatalf("a second instance once the first left: %v", err)
	}
	time.Sleep(20 * time.Millisecond)
	if err := s.Heartbeat(ctx, first, time.Minute); err != nil {
		t.Fatalf("an instance once the other's heartbeat expired: %v", err)
	}
}

// TestTakeoverEndsTheDeadHoldersRun: a worker that died in the middle of
// a run leaves it "running"; the worker that takes the pipeline's lease
// over (a new token) marks it interrupted then, not only when — if ever —
// it starts a run of its own (a pipeline without a schedule waits for a
// trigger or a webhook, one removed from the config never runs again).
// The holder extending its own lease, or an acquisition refused, leaves
// its run alone.
func TestTakeoverEndsTheDeadHoldersRun(t *testing.T) {
	ctx := context.Background()
	s := openFresh(t)
	l, err := s.AcquireLease(ctx, "p", "w1#a", 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	run, err := s.StartRun(state.WithFence(ctx, state.Fence{Pipeline: "p", Token: l.Token}), "p")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcquireLease(ctx, "p", "w1#a", 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcquireLease(ctx, "p", "w2#b", time.Minute); !errors.Is(err, state.ErrLeaseHeld) {
		t.Fatalf("w2's acquisition while w1 holds the lease: %v, want ErrLeaseHeld", err)
	}
	if got := runStatus(t, s, run); got != state.RunRunning {
		t.Fatalf("w1's run after it extended its lease and w2 was refused: %s, want running", got)
	}
	time.Sleep(400 * time.Millisecond) // w1 dies: its lease expires
	n, err := s.AcquireLease(ctx, "p", "w2#b", time.Minute)
	if err != nil || n.Token != l.Token+1 {
		t.Fatalf("w2 takes the expired lease over: %+v, %v", n, err)
	}
	r, err := s.Run(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != state.RunInterrupted || r.FinishedAt.IsZero() || r.Error != state.AbandonedRunError {
		t.Errorf("the dead holder's run once w2 took the lease over: %+v; want interrupted, finished, with %q", r, state.AbandonedRunError)
	}
}
