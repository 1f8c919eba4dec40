package statetest

import (
	"context"
	"errors"
	"fmt"
	"github.com/cxhub/cxhub/core/state"
	"testing"
	"time"
)

func testRunsLifecycle(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	before := time.Now().Add(-time.Second)
	a := startRun(t, s, "a")
	b := startRun(t, s, "b")

	r, err := s.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != a || r.Pipeline != "a" || r.Status != state.RunRunning || r.StartedAt.Before(before) ||
		r.StartedAt.Location() != time.UTC || !r.FinishedAt.IsZero() || r.Error != "" || !r.Counts.IsZero() {
		t.Errorf("new run = %+v", r)
	}

	if err := s.FinishRun(ctx, a, state.RunFailed, "destination said 401"); err != nil {
		t.Fatal(err)
	}
	r, _ = s.Run(ctx, a)
	if r.Status != state.RunFailed || r.Error != "destination said 401" || r.FinishedAt.Before(r.StartedAt) {
		t.Errorf("failed run = %+v", r)
	}
	if err := s.FinishRun(ctx, a, state.RunSucceeded, ""); err == nil {
		t.Error("a finished run was finished again")
	}
	if err := s.FinishRun(ctx, b, state.RunRunning, ""); err == nil {
		t.Error("FinishRun accepted status running")
	}
	if err := s.FinishRun(ctx, 999, state.RunSucceeded, ""); !errors.Is(err, state.ErrNotFound) {
		t.Errorf("FinishRun(unknown) = %v, want state.ErrNotFound", err)
	}
	if _, err := s.Run(ctx, 999); !errors.Is(err, state.ErrNotFound) {
		t.Errorf("state.Run(unknown) = %v, want state.ErrNotFound", err)
	}
	if _, err := s.StartRun(ctx, ""); err == nil {
		t.Error("StartRun without pipeline succeeded")
	}

	// b is still running: its process "crashed". The next run of b marks it
	// interrupted; a's runs are not touched.
	a2 := startRun(t, s, "a")
	b2 := startRun(t, s, "b")
	if r, _ := s.Run(ctx, b); r.Status != state.RunInterrupted || r.FinishedAt.IsZero() || r.Error == "" {
		t.Errorf("stale run = %+v, want interrupted", r)
	}
	if r, _ := s.Run(ctx, a2); r.Status != state.RunRunning {
		t.Errorf("a2 = %+v: the start of b touched it", r)
	}
	if r, _ := s.Run(ctx, b2); r.Status != state.RunRunning {
		t.Errorf("b2 = %+v", r)
	}
	if err := s.FinishRun(ctx, a2, state.RunSucceeded, ""); err != nil {
		t.Fatal(err)
	}

	list := func(f state.RunFilter) string {
		runs, err := s.Runs(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range runs {
			out = append(out, fmt.Sprintf("%d:%s:%s", r.ID, r.Pipeline, r.Status))
		}
		return fmt.Sprint(out)
	}
	want := fmt.Sprintf("[%d:b:running %d:a:succeeded %d:b:interrupted %d:a:failed]", b2, a2, b, a)
	if got := list(state.RunFilter{}); got != want {
		t.Errorf("Runs() = %s, want %s", got, want)
	}
	if got, want := list(state.RunFilter{Pipeline: "a"}), fmt.Sprintf("[%d:a:succeeded %d:a:failed]", a2, a); got != want {
		t.Errorf("Runs(a) = %s, want %s", got, want)
	}
	if got, want := list(state.RunFilter{Limit: 1}), fmt.Sprintf("[%d:b:running]", b2); got != want {
		t.Errorf("Runs(limit 1) = %s, want %s", got, want)
	}
}

func testRunsDefaultLimit(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	var last int64
	for i := 0; i < 60; i++ {
		last = startRun(t, s, "p")
	}
	runs, err := s.Runs(ctx, state.RunFilter{Pipeline: "p"})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 50 || runs[0].ID != last {
		t.Errorf("Runs: %d runs, first %d; want 50, first %d", len(runs), runs[0].ID, last)
	}
	// Every one but the last was interrupted by the next.
	if runs[0].Status != state.RunRunning || runs[1].Status != state.RunInterrupted {
		t.Errorf("statuses: %s %s", runs[0].Status, runs[1].Status)
	}
}
