package state

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestRunsLifecycle(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	before := time.Now().Add(-time.Second)
	a := startRun(t, s, "a")
	b := startRun(t, s, "b")

	r, err := s.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != a || r.Pipeline != "a" || r.Status != RunRunning || r.StartedAt.Before(before) ||
		r.StartedAt.Location() != time.UTC || !r.FinishedAt.IsZero() || r.Error != "" || !r.Counts.IsZero() {
		t.Errorf("new run = %+v", r)
	}

	if err := s.FinishRun(ctx, a, RunFailed, "destination said 401"); err != nil {
		t.Fatal(err)
	}
	r, _ = s.Run(ctx, a)
	if r.Status != RunFailed || r.Error != "destination said 401" || r.FinishedAt.Before(r.StartedAt) {
		t.Errorf("failed run = %+v", r)
	}
	if err := s.FinishRun(ctx, a, RunSucceeded, ""); err == nil {
		t.Error("a finished run was finished again")
	}
	if err := s.FinishRun(ctx, b, RunRunning, ""); err == nil {
		t.Error("FinishRun accepted status running")
	}
	if err := s.FinishRun(ctx, 999, RunSucceeded, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("FinishRun(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := s.Run(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("Run(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := s.StartRun(ctx, ""); err == nil {
		t.Error("StartRun without pipeline succeeded")
	}

	// b is still running: its process "crashed". The next run of b marks it
	// interrupted; a's runs are not touched.
	a2 := startRun(t, s, "a")
	b2 := startRun(t, s, "b")
	if r, _ := s.Run(ctx, b); r.Status != RunInterrupted || r.FinishedAt.IsZero() || r.Error == "" {
		t.Errorf("stale run = %+v, want interrupted", r)
	}
	if r, _ := s.Run(ctx, a2); r.Status != RunRunning {
		t.Errorf("a2 = %+v: the start of b touched it", r)
	}
	if r, _ := s.Run(ctx, b2); r.Status != RunRunning {
		t.Errorf("b2 = %+v", r)
	}
	if err := s.FinishRun(ctx, a2, RunSucceeded, ""); err != nil {
		t.Fatal(err)
	}

	list := func(f RunFilter) string {
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
	if got := list(RunFilter{}); got != want {
		t.Errorf("Runs() = %s, want %s", got, want)
	}
	if got, want := list(RunFilter{Pipeline: "a"}), fmt.Sprintf("[%d:a:succeeded %d:a:failed]", a2, a); got != want {
		t.Errorf("Runs(a) = %s, want %s", got, want)
	}
	if got, want := list(RunFilter{Limit: 1}), fmt.Sprintf("[%d:b:running]", b2); got != want {
		t.Errorf("Runs(limit 1) = %s, want %s", got, want)
	}
}

func TestRunsDefaultLimit(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	var last int64
	for i := 0; i < 60; i++ {
		last = startRun(t, s, "p")
	}
	runs, err := s.Runs(ctx, RunFilter{Pipeline: "p"})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 50 || runs[0].ID != last {
		t.Errorf("Runs: %d runs, first %d; want 50, first %d", len(runs), runs[0].ID, last)
	}
	// Every one but the last was interrupted by the next.
	if runs[0].Status != RunRunning || runs[1].Status != RunInterrupted {
		t.Errorf("statuses: %s %s", runs[0].Status, runs[1].Status)
	}
}

func TestInterruptRunningMarksLeftOverRuns(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	a := startRun(t, s, "a")
	b := startRun(t, s, "b")
	done := startRun(t, s, "c")
	if err := s.FinishRun(ctx, done, RunSucceeded, ""); err != nil {
		t.Fatal(err)
	}
	n, err := s.InterruptRunning(ctx)
	if err != nil || n != 2 {
		t.Fatalf("InterruptRunning = %d, %v; want 2", n, err)
	}
	for id, want := range map[int64]RunStatus{a: RunInterrupted, b: RunInterrupted, done: RunSucceeded} {
		r, err := s.Run(ctx, id)
		if err != nil || r.Status != want || (want == RunInterrupted && (r.FinishedAt.IsZero() || r.Error == "")) {
			t.Errorf("run %d = %+v, %v; want %s with an end and a reason", id, r, err, want)
		}
	}
}
