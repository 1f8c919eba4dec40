package statetest

import (
	"context"
	"testing"

	"github.com/cxhub/cxhub/core/state"
)

// testAlertLifecycle: an alert fires once per key (a repeat updates it),
// resolves, and a recurrence is a new alert; what receivers were told is
// kept.
func testAlertLifecycle(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	a := state.Alert{Key: "connection_failing:crm", Kind: "connection_failing", Subject: "crm", Message: "check failed 3 times"}
	first, created, err := s.FireAlert(ctx, a)
	if err != nil || !created || first.ID == 0 || first.Status != state.AlertFiring || first.FiredAt.IsZero() {
		t.Fatalf("FireAlert = %+v, %v, %v; want a new firing alert", first, created, err)
	}
	a.Message = "check failed 4 times"
	again, created, err := s.FireAlert(ctx, a)
	if err != nil || created || again.ID != first.ID || again.Message != a.Message {
		t.Fatalf("second FireAlert = %+v, %v, %v; want the same alert, updated", again, created, err)
	}
	if err := s.MarkAlertNotified(ctx, first.ID, state.AlertFiring); err != nil {
		t.Fatal(err)
	}
	resolved, found, err := s.ResolveAlert(ctx, a.Key, "check passed")
	if err != nil || !found || resolved.Status != state.AlertResolved || resolved.ResolvedAt.IsZero() || resolved.Notified != state.AlertFiring {
		t.Fatalf("ResolveAlert = %+v, %v, %v", resolved, found, err)
	}
	if _, found, err := s.ResolveAlert(ctx, a.Key, "again"); err != nil || found {
		t.Fatalf("resolving a resolved alert = %v, %v; want nothing found", found, err)
	}
	next, created, err := s.FireAlert(ctx, a)
	if err != nil || !created || next.ID == first.ID {
		t.Fatalf("recurrence = %+v, %v, %v; want a new alert", next, created, err)
	}
	firing, _ := s.Alerts(ctx, state.AlertFilter{Status: state.AlertFiring})
	all, _ := s.Alerts(ctx, state.AlertFilter{})
	if len(firing) != 1 || firing[0].ID != next.ID || len(all) != 2 || all[0].ID != next.ID {
		t.Fatalf("firing %+v, all %+v", firing, all)
	}
	if _, _, err := s.FireAlert(ctx, state.Alert{Key: "k"}); err == nil {
		t.Fatal("an alert without kind and subject was accepted")
	}
}

// testPausedPipelines: pausing is kept until resumed, and is idempotent.
func testPausedPipelines(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	for _, p := range []string{"a", "b", "a"} {
		if err := s.SetPaused(ctx, p, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetPaused(ctx, "b", false); err != nil {
		t.Fatal(err)
	}
	got, err := s.Paused(ctx)
	if err != nil || len(got) != 1 || !got["a"] {
		t.Fatalf("Paused = %v, %v; want only a", got, err)
	}
}
