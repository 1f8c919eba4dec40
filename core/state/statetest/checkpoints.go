package statetest

import (
	"context"
	"github.com/cxhub/cxhub/core/state"
	"testing"
	"time"
)

func testCheckpointsUpsertAndReset(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	run := startRun(t, s, "p")
	if cps, err := s.Checkpoints(ctx, "p"); err != nil || len(cps) != 0 {
		t.Fatalf("Checkpoints of a new pipeline = %v, %v", cps, err)
	}
	start := time.Now().Add(-time.Second)
	mustCommit(t, s, state.Commit{RunID: run, Pipeline: "p", Checkpoints: []state.Checkpoint{
		{Stream: "contacts", State: []byte("c1")}, {Stream: "companies", State: []byte("k1")}}})
	mustCommit(t, s, state.Commit{RunID: run, Pipeline: "p", Checkpoints: []state.Checkpoint{{Stream: "contacts", State: []byte("c2")}}})
	mustCommit(t, s, state.Commit{Pipeline: "q", Checkpoints: []state.Checkpoint{{Stream: "tickets", State: []byte("t1")}}})
	// An explicit pipeline in the checkpoint wins over the commit's.
	mustCommit(t, s, state.Commit{Pipeline: "q", Checkpoints: []state.Checkpoint{{Pipeline: "r", Stream: "orders", State: nil}}})

	cps, err := s.Checkpoints(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	if len(cps) != 2 || string(cps["contacts"]) != "c2" || string(cps["companies"]) != "k1" {
		t.Errorf("Checkpoints(p) = %q", cps)
	}
	all, err := s.ListCheckpoints(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, cp := range all {
		got = append(got, cp.Pipeline+"/"+cp.Stream+"="+string(cp.State))
		if cp.UpdatedAt.Before(start) || cp.UpdatedAt.After(time.Now().Add(time.Second)) || cp.UpdatedAt.Location() != time.UTC {
			t.Errorf("%s/%s: UpdatedAt = %v", cp.Pipeline, cp.Stream, cp.UpdatedAt)
		}
	}
	want := []string{"p/companies=k1", "p/contacts=c2", "q/tickets=t1", "r/orders="}
	if !equalStrings(got, want) {
		t.Errorf("ListCheckpoints(\"\") = %q, want %q", got, want)
	}
	if one, err := s.ListCheckpoints(ctx, "q"); err != nil || len(one) != 1 || one[0].Stream != "tickets" {
		t.Errorf("ListCheckpoints(q) = %+v, %v", one, err)
	}

	if n, err := s.ResetCheckpoints(ctx, "p"); err != nil || n != 2 {
		t.Errorf("ResetCheckpoints(p) = %d, %v; want 2", n, err)
	}
	if cps, _ := s.Checkpoints(ctx, "p"); len(cps) != 0 {
		t.Errorf("after reset: %q", cps)
	}
	if cps, _ := s.Checkpoints(ctx, "q"); len(cps) != 1 {
		t.Errorf("reset of p touched q: %q", cps)
	}
	if n, err := s.ResetCheckpoints(ctx, "p"); err != nil || n != 0 {
		t.Errorf("second ResetCheckpoints(p) = %d, %v; want 0", n, err)
	}
	if _, err := s.ResetCheckpoints(ctx, ""); err == nil {
		t.Error(`ResetCheckpoints("") succeeded`)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
