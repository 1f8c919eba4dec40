package sqlite

import (
	"context"
	"testing"
)

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
