package monitor

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/state"
)

func TestRulesFor(t *testing.T) {
	now := time.Date(2026, 12, 7, 3, 7, 0, 0, time.UTC)
	mon := config.Monitor{ErrorRate: 0.2, DeadLetters: 100}
	tests := []struct {
		name string
		mon  config.Monitor
		p    config.Pipeline
		want rules
	}{
		{"every minute: at least 15m", mon, config.Pipeline{Schedule: time.Minute}, rules{15 * time.Minute, 0.2, 100}},
		{"every 10 minutes: three intervals", mon, config.Pipeline{Schedule: 10 * time.Minute}, rules{30 * time.Minute, 0.2, 100}},
		{"cron every 20 minutes", mon, config.Pipeline{Cron: "*/20 * * * *"}, rules{time.Hour, 0.2, 100}},
		{"cron hourly", mon, config.Pipeline{Cron: "@hourly"}, rules{3 * time.Hour, 0.2, 100}},
		{"unscheduled: no staleness", mon, config.Pipeline{}, rules{0, 0.2, 100}},
		{"the monitor's staleness for a scheduled pipeline", config.Monitor{Staleness: time.Hour},
			config.Pipeline{Schedule: time.Minute}, rules{time.Hour, config.DefaultErrorRate, config.DefaultDeadLetters}},
		{"not for an unscheduled one", config.Monitor{Staleness: time.Hour}, config.Pipeline{}, rules{0, 0.2, 100}},
		{"the pipeline's own, whatever its schedule", mon,
			config.Pipeline{Monitor: config.PipelineMonitor{Staleness: 2 * time.Hour, ErrorRate: 0.5, DeadLetters: 7}},
			rules{2 * time.Hour, 0.5, 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rulesFor(&config.Config{Monitor: tt.mon}, &tt.p, now); got != tt.want {
				t.Errorf("rulesFor = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// recordRun stores a finished run of pipeline with counts and as many
// dead letters as counts say.
func recordRun(t *testing.T, st state.Store, pipeline string, status state.RunStatus, c state.Counts) int64 {
	t.Helper()
	ctx := context.Background()
	id, err := st.StartRun(ctx, pipeline)
	if err != nil {
		t.Fatal(err)
	}
	commit := state.Commit{RunID: id, Pipeline: pipeline, Counts: c}
	for i := range c.DeadLettered {
		commit.DeadLetters = append(commit.DeadLetters, state.DeadLetter{Stream: "contacts",
			Key: fmt.Sprintf("r%d-%d", id, i), Op: "upsert", Data: []byte(`{}`), ErrorKind: "bad_record", Error: "invalid email"})
	}
	if err := st.Commit(ctx, commit); err != nil {
		t.Fatal(err)
	}
	if err := st.FinishRun(ctx, id, status, ""); err != nil {
		t.Fatal(err)
	}
	return id
}

func firingKeys(t *testing.T, st state.Store) map[string]string {
	out := map[string]string{}
	for _, a := range firing(t, st) {
		out[a.Key] = a.Message
	}
	return out
}

func TestStalenessFromTheScheduleWithAFakeClock(t *testing.T) {
	ctx := context.Background()
	h := newFakeHub(t, testConfig()) // scheduled every 10m: window 30m
	start := time.Now()
	clock := &fakeClock{now: start}
	m := New(h, quickOptions(clock))
	m.watchPipelinesLocked(h.cfg)

	clock.Set(start.Add(29 * time.Minute))
	m.evaluate(ctx, h.store)
	if got := firingKeys(t, h.store); len(got) != 0 {
		t.Fatalf("firing within the window: %v", got)
	}
	clock.Set(start.Add(31 * time.Minute))
	m.evaluate(ctx, h.store)
	msg, ok := firingKeys(t, h.store)["pipeline_stale:export"]
	if !ok || !strings.Contains(msg, "no successful run since monitoring began") || !strings.Contains(msg, "30m0s") {
		t.Fatalf("past the window: %v", firingKeys(t, h.store))
	}

	recordRun(t, h.store, "export", state.RunFailed, state.Counts{})
	m.evaluate(ctx, h.store)
	if _, ok := firingKeys(t, h.store)["pipeline_stale:export"]; !ok {
		t.Fatal("a failed run resolved the staleness alert")
	}
	recordRun(t, h.store, "export", state.RunSucceeded, state.Counts{})
	clock.Set(time.Now())
	m.evaluate(ctx, h.store)
	if got := firingKeys(t, h.store); len(got) != 0 {
		t.Fatalf("firing after a successful run: %v", got)
	}
	clock.Set(time.Now().Add(31 * time.Minute))
	m.evaluate(ctx, h.store)
	msg, ok = firingKeys(t, h.store)["pipeline_stale:export"]
	if !ok || !strings.Contains(msg, "no successful run since 20") {
		t.Fatalf("31m after the last success: %v", firingKeys(t, h.store))
	}
}

func TestUnscheduledPipelineIsNeverStale(t *testing.T) {
	cfg := testConfig()
	cfg.Pipelines[0].Schedule = 0
	h := newFakeHub(t, cfg)
	clock := &fakeClock{now: time.Now()}
	m := New(h, quickOptions(clock))
	m.watchPipelinesLocked(cfg)
	clock.Set(clock.Now().Add(1000 * time.Hour))
	m.evaluate(context.Background(), h.store)
	if got := firingKeys(t, h.store); len(got) != 0 {
		t.Fatalf("firing: %v", got)
	}
}

func TestErrorRateOfTheLastRunThatReadRecords(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig()
	cfg.Monitor.DeadLetters = 1000
	h := newFakeHub(t, cfg)
	m := New(h, quickOptions(nil))
	m.watchPipelinesLocked(cfg)

	recordRun(t, h.store, "export", state.RunSucceeded, state.Counts{Read: 100, Written: 81, DeadLettered: 19})
	m.evaluate(ctx, h.store)
	if got := firingKeys(t, h.store); len(got) != 0 {
		t.Fatalf("firing at 19%% (threshold 20%%): %v", got)
	}
	id := recordRun(t, h.store, "export", state.RunSucceeded, state.Counts{Read: 10, Written: 8, DeadLettered: 2})
	m.evaluate(ctx, h.store)
	want := fmt.Sprintf("pipeline export: run %d dead-lettered 2 of 10 records read (20%%, threshold 20%%)", id)
	if got := firingKeys(t, h.store)["pipeline_error_rate:export"]; got != want {
		t.Fatalf("error rate alert %q, want %q", got, want)
	}
	// A run that read nothing proves nothing either way.
	recordRun(t, h.store, "export", state.RunSucceeded, state.Counts{})
	m.evaluate(ctx, h.store)
	if _, ok := firingKeys(t, h.store)["pipeline_error_rate:export"]; !ok {
		t.Fatal("a run that read nothing resolved the error rate alert")
	}
	recordRun(t, h.store, "export", state.RunSucceeded, state.Counts{Read: 10, Written: 10})
	m.evaluate(ctx, h.store)
	if got := firingKeys(t, h.store); len(got) != 0 {
		t.Fatalf("firing after a clean run: %v", got)
	}
}

// TestErrorRateResolvesOnceItsDeadLettersAreHandled: a pipeline whose
// runs since read nothing (an incremental source with nothing new) kept
// its error-rate alert firing after an operator replayed or discarded
// every dead letter; it resolves then, and only when none is pending.
func TestErrorRateResolvesOnceItsDeadLettersAreHandled(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig()
	cfg.Monitor.DeadLetters = 1000
	h := newFakeHub(t, cfg)
	m := New(h, quickOptions(nil))
	m.watchPipelinesLocked(cfg)
	recordRun(t, h.store, "export", state.RunSucceeded, state.Counts{Read: 10, Written: 0, DeadLettered: 10})
	recordRun(t, h.store, "export", state.RunSucceeded, state.Counts{})
	m.evaluate(ctx, h.store)
	if _, ok := firingKeys(t, h.store)["pipeline_error_rate:export"]; !ok {
		t.Fatal("no error rate alert at 100%")
	}
	dls, err := h.store.DeadLetters(ctx, state.DeadLetterFilter{Pipeline: "export", Status: state.DeadLetterPending})
	if err != nil || len(dls) != 10 {
		t.Fatalf("dead letters: %d, %v", len(dls), err)
	}
	var ids []int64
	for _, d := range dls[:9] {
		ids = append(ids, d.ID)
	}
	if _, err := h.store.SetDeadLetterStatus(ctx, ids, state.DeadLetterDiscarded); err != nil {
		t.Fatal(err)
	}
	m.evaluate(ctx, h.store)
	if _, ok := firingKeys(t, h.store)["pipeline_error_rate:export"]; !ok {
		t.Fatal("the error rate alert resolved with a dead letter still pending")
	}
	if _, err := h.store.SetDeadLetterStatus(ctx, []int64{dls[9].ID}, state.DeadLetterReplayed); err != nil {
		t.Fatal(err)
	}
	m.evaluate(ctx, h.store)
	if got := firingKeys(t, h.store); len(got) != 0 {
		t.Fatalf("firing once every dead letter was handled: %v", got)
	}
}

func TestDeadLetterDepthAndItsOverride(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig() // dead_letters: 3
	cfg.Monitor.ErrorRate = 1
	h := newFakeHub(t, cfg)
	m := New(h, quickOptions(nil))
	recordRun(t, h.store, "export", state.RunSucceeded, state.Counts{Read: 100, Written: 98, DeadLettered: 2})
	m.evaluate(ctx, h.store)
	if got := firingKeys(t, h.store); len(got) != 0 {
		t.Fatalf("firing at 2 pending (threshold 3): %v", got)
	}
	recordRun(t, h.store, "export", state.RunSucceeded, state.Counts{Read: 100, Written: 99, DeadLettered: 1})
	m.evaluate(ctx, h.store)
	if got := firingKeys(t, h.store)["pipeline_dead_letters:export"]; !strings.Contains(got, "has 3 pending dead letters (threshold 3)") {
		t.Fatalf("at 3 pending: %v", firingKeys(t, h.store))
	}
	// The pipeline's own threshold wins; a reload takes it.
	cfg2 := testConfig()
	cfg2.Monitor.ErrorRate = 1
	cfg2.Pipelines[0].Monitor.DeadLetters = 10
	m.Reload(cfg2)
	m.evaluate(ctx, h.store)
	if got := firingKeys(t, h.store); len(got) != 0 {
		t.Fatalf("firing with a threshold of 10: %v", got)
	}
}

func TestPluginHungFiresAndResolvesOnTheNextSuccess(t *testing.T) {
	ctx := context.Background()
	h := newFakeHub(t, testConfig())
	m := New(h, quickOptions(nil))
	recordRun(t, h.store, "export", state.RunSucceeded, state.Counts{})
	time.Sleep(2 * time.Millisecond) // the store's clock counts milliseconds
	m.PluginHung("export", "hubspot: no batch for 5m0s, killed (token tok-s3cret)")
	got := firing(t, h.store)
	if len(got) != 1 || got[0].Key != "plugin_hung:export" || got[0].Kind != KindPluginHung ||
		got[0].Message != "a plugin of pipeline export made no progress: hubspot: no batch for 5m0s, killed (token [redacted])" {
		t.Fatalf("firing: %+v", got)
	}
	m.evaluate(ctx, h.store) // the success before the hang does not resolve it
	if len(firing(t, h.store)) != 1 {
		t.Fatal("resolved by a success from before the hang")
	}
	time.Sleep(2 * time.Millisecond)
	recordRun(t, h.store, "export", state.RunSucceeded, state.Counts{})
	m.evaluate(ctx, h.store)
	if got := firing(t, h.store); len(got) != 0 {
		t.Fatalf("firing after a success: %+v", got)
	}
}

func TestAlertsOfRemovedConnectionsAndPipelinesResolve(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig()
	h := newFakeHub(t, cfg)
	h.setCheck(failing)
	m := New(h, quickOptions(nil))
	for range 3 {
		m.checkConnection(ctx, "crm")
	}
	m.PluginHung("export", "")
	if got := firingKeys(t, h.store); len(got) != 2 {
		t.Fatalf("firing: %v", got)
	}
	m.Reload(&config.Config{Connections: map[string]*config.Connection{}})
	m.evaluate(ctx, h.store)
	if got := firingKeys(t, h.store); len(got) != 0 {
		t.Fatalf("firing after both left the config: %v", got)
	}
	resolved, _ := h.store.Alerts(ctx, state.AlertFilter{Status: state.AlertResolved})
	for _, a := range resolved {
		if !strings.HasSuffix(a.Message, "is no longer in the config") {
			t.Errorf("resolved %s: %q", a.Key, a.Message)
		}
	}
}

// TestStalenessCountsFromTheFailedRunsBeforeTheMonitorStarted: a pipeline
// whose runs have all failed for two hours is stale at once when the
// monitor starts (a restart, a new staleness window), counted from its
// first run; it was counted from when the monitor began, so the alert
// came a whole window late and said the wrong time.
func TestStalenessCountsFromTheFailedRunsBeforeTheMonitorStarted(t *testing.T) {
	ctx := context.Background()
	h := newFakeHub(t, testConfig()) // scheduled every 10m: window 30m
	first := time.Now()
	for range 3 {
		recordRun(t, h.store, "export", state.RunFailed, state.Counts{})
	}
	clock := &fakeClock{now: first.Add(2 * time.Hour)} // the monitor starts two hours later
	m := New(h, quickOptions(clock))
	m.watchPipelinesLocked(h.cfg)
	m.evaluate(ctx, h.store)
	msg, ok := firingKeys(t, h.store)["pipeline_stale:export"]
	if !ok {
		t.Fatalf("a pipeline that has not succeeded in two hours (window 30m) is not stale: %v", firingKeys(t, h.store))
	}
	runs, err := h.store.Runs(ctx, state.RunFilter{Pipeline: "export"})
	if err != nil || len(runs) != 3 {
		t.Fatal(runs, err)
	}
	if want := "no successful run since its first run at " + runs[2].StartedAt.UTC().Format(time.RFC3339); !strings.Contains(msg, want) {
		t.Errorf("message %q, want it to say %q", msg, want)
	}
}
