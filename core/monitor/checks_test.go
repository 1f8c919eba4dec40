package monitor

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/sdk"
)

func TestConnectionAlertFiresAfterConsecutiveFailuresAndResolves(t *testing.T) {
	ctx := context.Background()
	h := newFakeHub(t, testConfig())
	clock := &fakeClock{now: time.Now()}
	m := New(h, quickOptions(clock))
	if got := m.Connections(); len(got) != 1 || got[0].Status != HealthUnchecked || got[0].CheckInterval != "1m0s" {
		t.Fatalf("before any check: %+v", got)
	}

	m.checkConnection(ctx, "crm")
	if got := m.Connections()[0]; !got.OK || got.Status != HealthOK || got.Message != "fine" || !got.CheckedAt.Equal(clock.Now()) {
		t.Fatalf("after a passing check: %+v", got)
	}

	h.setCheck(failing)
	for i := 1; i <= 2; i++ {
		clock.Set(clock.Now().Add(time.Minute))
		m.checkConnection(ctx, "crm")
		if got := m.Connections()[0]; got.OK || got.ConsecutiveFailures != i || got.Status != HealthFailing {
			t.Fatalf("after %d failed checks: %+v", i, got)
		}
		if a := firing(t, h.store); len(a) != 0 {
			t.Fatalf("an alert fired after %d failures (threshold 3): %+v", i, a)
		}
	}
	m.checkConnection(ctx, "crm")
	got := m.Connections()[0]
	if strings.Contains(got.Error, "tok-s3cret") || !strings.Contains(got.Error, "[redacted]") {
		t.Errorf("health error not redacted: %q", got.Error)
	}
	alerts := firing(t, h.store)
	if len(alerts) != 1 || alerts[0].Key != "connection_failing:crm" || alerts[0].Kind != KindConnectionFailing ||
		alerts[0].Subject != "crm" || !strings.Contains(alerts[0].Message, "3 times in a row") ||
		strings.Contains(alerts[0].Message, "tok-s3cret") {
		t.Fatalf("after 3 failures, firing: %+v", alerts)
	}
	m.checkConnection(ctx, "crm") // a fourth: the same alert, updated
	if again := firing(t, h.store); len(again) != 1 || again[0].ID != alerts[0].ID || !strings.Contains(again[0].Message, "4 times") {
		t.Fatalf("after 4 failures: %+v", again)
	}

	h.setCheck(func(string) (sdk.CheckResponse, error) { return sdk.CheckResponse{Message: "back"}, nil })
	m.checkConnection(ctx, "crm")
	if a := firing(t, h.store); len(a) != 0 {
		t.Fatalf("still firing after a passing check: %+v", a)
	}
	all, _ := h.store.Alerts(ctx, state.AlertFilter{})
	if len(all) != 1 || all[0].Status != state.AlertResolved || all[0].Message != "check passed: back" {
		t.Fatalf("alerts: %+v", all)
	}
	if got := m.Connections()[0]; !got.OK || got.ConsecutiveFailures != 0 || got.Error != "" {
		t.Fatalf("health after recovery: %+v", got)
	}
}

// A restart while a connection fails keeps its alert: the first failed
// check of the new monitor neither resolves it nor raises another.
func TestConnectionAlertSurvivesARestart(t *testing.T) {
	ctx := context.Background()
	h := newFakeHub(t, testConfig())
	h.setCheck(failing)
	m := New(h, quickOptions(nil))
	for range 3 {
		m.checkConnection(ctx, "crm")
	}
	before := firing(t, h.store)
	if len(before) != 1 {
		t.Fatalf("firing: %+v", before)
	}
	m2 := New(h, quickOptions(nil))
	if err := m2.ensureLoaded(ctx); err != nil {
		t.Fatal(err)
	}
	m2.checkConnection(ctx, "crm")
	after := firing(t, h.store)
	if len(after) != 1 || after[0].ID != before[0].ID {
		t.Fatalf("after a restart and one failed check: %+v, before %+v", after, before)
	}
	all, _ := h.store.Alerts(ctx, state.AlertFilter{})
	if len(all) != 1 {
		t.Fatalf("alerts: %+v", all)
	}
}
