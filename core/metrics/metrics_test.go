package metrics

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/engine"
	"github.com/cxhub/cxhub/core/hub"
	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/core/state/sqlite"
)

func openStore(t *testing.T) state.Store {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func TestEventsBecomeCountersAndHistograms(t *testing.T) {
	h := &fakeHub{cfg: &config.Config{Pipelines: []*config.Pipeline{{Name: "idle"}},
		Connections: map[string]*config.Connection{"crm": {Name: "crm"}}}, store: openStore(t)}
	m := New(h)
	defer m.Close()
	ev := func(e engine.Event) { e.Pipeline = "contacts"; h.publish(e) }
	h.publish(engine.Event{Kind: engine.EventRunFinished, Pipeline: "idle", Status: state.RunSucceeded}) // started before New
	ev(engine.Event{Kind: engine.EventRunStarted})
	ev(engine.Event{Kind: engine.EventBatchCommitted, Counts: state.Counts{Read: 500, Filtered: 10, Written: 480, Created: 400, Updated: 80, DeadLettered: 10}})
	ev(engine.Event{Kind: engine.EventRateLimitWait, Wait: 1500 * time.Millisecond})
	ev(engine.Event{Kind: engine.EventRetry, Records: 7, Wait: 2 * time.Second})
	ev(engine.Event{Kind: engine.EventRateLimitWait, Wait: 500 * time.Millisecond})
	ev(engine.Event{Kind: engine.EventPluginRestart, Wait: time.Second})
	ev(engine.Event{Kind: engine.EventBatchCommitted, Counts: state.Counts{Read: 5, Written: 5, Created: 5, Restarts: 1, Retries: 7}})
	fams := scrape(t, m.Handler())
	if v, _ := value(fams, "cxhub_runs_in_progress", "pipeline", "contacts"); v != 1 {
		t.Errorf("runs in progress during the run: %v", v)
	}
	ev(engine.Event{Kind: engine.EventRunFinished, Status: state.RunSucceeded, Elapsed: 42 * time.Second})
	m.PluginHung("contacts")
	m.WebhookDelivery("crm", OutcomeAccepted)
	m.WebhookDelivery("crm", OutcomeAccepted)
	m.WebhookDelivery("crm", OutcomeRejected)
	m.WebhookDelivery("wp-admin", OutcomeUnknownConnection)
	m.WebhookDelivery("phpmyadmin", OutcomeUnknownConnection)
	m.ObserveWebhookLatency("contacts", 0.2)

	fams = scrape(t, m.Handler())
	want := []struct {
		family string
		labels []string
		value  float64
	}{
		{"cxhub_records_read_total", []string{"pipeline", "contacts"}, 505},
		{"cxhub_records_filtered_total", []string{"pipeline", "contacts"}, 10},
		{"cxhub_records_written_total", []string{"pipeline", "contacts"}, 485},
		{"cxhub_records_created_total", []string{"pipeline", "contacts"}, 405},
		{"cxhub_records_updated_total", []string{"pipeline", "contacts"}, 80},
		{"cxhub_records_dead_lettered_total", []string{"pipeline", "contacts"}, 10},
		{"cxhub_retries_total", []string{"pipeline", "contacts"}, 7}, // from the events, not again from the counts
		{"cxhub_plugin_restarts_total", []string{"pipeline", "contacts"}, 1},
		{"cxhub_plugin_hangs_total", []string{"pipeline", "contacts"}, 1},
		{"cxhub_rate_limited_total", []string{"pipeline", "contacts"}, 2},
		{"cxhub_rate_limit_wait_seconds_total", []string{"pipeline", "contacts"}, 2},
		{"cxhub_runs_in_progress", []string{"pipeline", "contacts"}, 0},
		{"cxhub_run_duration_seconds", []string{"pipeline", "contacts", "status", "succeeded"}, 1},
		{"cxhub_webhook_deliveries_total", []string{"connection", "crm", "outcome", "accepted"}, 2},
		{"cxhub_webhook_deliveries_total", []string{"connection", "crm", "outcome", "rejected"}, 1},
		{"cxhub_webhook_deliveries_total", []string{"connection", "", "outcome", "unknown_connection"}, 2},
		{"cxhub_webhook_to_destination_seconds", []string{"pipeline", "contacts"}, 1},
		// The config's pipelines have their series from the start.
		{"cxhub_records_read_total", []string{"pipeline", "idle"}, 0},
		{"cxhub_runs_in_progress", []string{"pipeline", "idle"}, 0},
	}
	for _, w := range want {
		got, ok := value(fams, w.family, w.labels...)
		if !ok || got != w.value {
			t.Errorf("%s%v = %v (present %v), want %v", w.family, w.labels, got, ok, w.value)
		}
	}
	h42 := fams["cxhub_run_duration_seconds"].GetMetric()[0].GetHistogram()
	if h42.GetSampleSum() != 42 {
		t.Errorf("run duration sum %v, want 42", h42.GetSampleSum())
	}
	if n := len(fams["cxhub_webhook_deliveries_total"].GetMetric()); n != 3 {
		t.Errorf("%d webhook delivery series, want 3 (invented connection names are not labels)", n)
	}
	if _, ok := fams["go_goroutines"]; !ok {
		t.Error("no Go runtime metrics")
	}
	if _, ok := fams["process_cpu_seconds_total"]; !ok {
		t.Error("no process metrics")
	}

	// Closed: events are not counted any more.
	m.Close()
	ev(engine.Event{Kind: engine.EventBatchCommitted, Counts: state.Counts{Read: 1}})
	if got := testutil.ToFloat64(m.read.WithLabelValues("contacts")); got != 505 {
		t.Errorf("after Close: read %v", got)
	}
}

func TestStateMetricsAtScrape(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	lastSuccess := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	h := &fakeHub{cfg: &config.Config{Pipelines: []*config.Pipeline{{Name: "a"}}}, store: st, status: []hub.PipelineStatus{
		{Name: "a", LastSuccess: lastSuccess, Checkpoint: time.Now().Add(-90 * time.Second), DeadLetters: 12},
		{Name: "b"},
	}}
	for _, a := range []state.Alert{
		{Key: "pipeline_stale:a", Kind: "pipeline_stale", Subject: "a", Message: "x"},
		{Key: "pipeline_stale:b", Kind: "pipeline_stale", Subject: "b", Message: "x"},
		{Key: "plugin_hung:a", Kind: "plugin_hung", Subject: "a", Message: "x"},
		{Key: "connection_failing:crm", Kind: "connection_failing", Subject: "crm", Message: "x"},
	} {
		if _, _, err := st.FireAlert(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := st.ResolveAlert(ctx, "connection_failing:crm", "ok"); err != nil {
		t.Fatal(err)
	}
	m := New(h)
	fams := scrape(t, m.Handler())
	if v, ok := value(fams, "cxhub_pipeline_last_success_timestamp_seconds", "pipeline", "a"); !ok || v != float64(lastSuccess.Unix()) {
		t.Errorf("last success of a: %v %v", v, ok)
	}
	if _, ok := value(fams, "cxhub_pipeline_last_success_timestamp_seconds", "pipeline", "b"); ok {
		t.Error("a last success for b, which never succeeded")
	}
	if v, ok := value(fams, "cxhub_pipeline_checkpoint_age_seconds", "pipeline", "a"); !ok || math.Abs(v-90) > 30 {
		t.Errorf("checkpoint age of a: %v %v, want about 90", v, ok)
	}
	if _, ok := value(fams, "cxhub_pipeline_checkpoint_age_seconds", "pipeline", "b"); ok {
		t.Error("a checkpoint age for b, which has none")
	}
	if v, _ := value(fams, "cxhub_dead_letters_pending", "pipeline", "a"); v != 12 {
		t.Errorf("dead letters of a: %v", v)
	}
	if v, ok := value(fams, "cxhub_dead_letters_pending", "pipeline", "b"); !ok || v != 0 {
		t.Errorf("dead letters of b: %v %v", v, ok)
	}
	for kind, want := range map[string]float64{"pipeline_stale": 2, "plugin_hung": 1} {
		if v, _ := value(fams, "cxhub_alerts_firing", "kind", kind); v != want {
			t.Errorf("alerts firing of kind %s: %v, want %v", kind, v, want)
		}
	}
	// A kind whose alerts resolved is served as 0, not dropped, so that a
	// graph or rule of it sees it fall.
	if v, ok := value(fams, "cxhub_alerts_firing", "kind", "connection_failing"); !ok || v != 0 {
		t.Errorf("alerts firing of kind connection_failing, resolved: %v (served %v), want 0", v, ok)
	}

	// A state that cannot be read: the rest is still served.
	h.err = errors.New("database is locked")
	fams = scrape(t, m.Handler())
	if _, ok := fams["cxhub_dead_letters_pending"]; ok {
		t.Error("dead letters served from a state that failed")
	}
	if _, ok := fams["cxhub_alerts_firing"]; ok {
		t.Error("alerts served from a state that failed")
	}
	if _, ok := value(fams, "cxhub_records_read_total", "pipeline", "a"); !ok {
		t.Error("the event metrics went missing with the state")
	}
}

func TestReloadCreatesAndRemovesPipelineSeries(t *testing.T) {
	h := &fakeHub{cfg: &config.Config{Pipelines: []*config.Pipeline{{Name: "old"}}}, store: openStore(t)}
	m := New(h)
	h.publish(engine.Event{Kind: engine.EventBatchCommitted, Pipeline: "old", Counts: state.Counts{Read: 3}})
	m.Reload(&config.Config{Pipelines: []*config.Pipeline{{Name: "new"}}})
	fams := scrape(t, m.Handler())
	if _, ok := value(fams, "cxhub_records_read_total", "pipeline", "old"); ok {
		t.Error("the removed pipeline still has series")
	}
	if v, ok := value(fams, "cxhub_records_read_total", "pipeline", "new"); !ok || v != 0 {
		t.Errorf("the new pipeline: %v %v", v, ok)
	}
}

// Every metric the package registers follows the naming conventions.
func TestMetricNamesFollowConventions(t *testing.T) {
	st := openStore(t)
	if _, _, err := st.FireAlert(context.Background(), state.Alert{Key: "plugin_hung:p", Kind: "plugin_hung", Subject: "p", Message: "x"}); err != nil {
		t.Fatal(err)
	}
	h := &fakeHub{cfg: &config.Config{Pipelines: []*config.Pipeline{{Name: "p"}}}, store: st,
		status: []hub.PipelineStatus{{Name: "p", LastSuccess: time.Now(), Checkpoint: time.Now()}}}
	m := New(h)
	m.WebhookDelivery("c", OutcomeAccepted)
	m.ObserveWebhookLatency("p", 1)
	h.publish(engine.Event{Kind: engine.EventRunFinished, Pipeline: "p", Status: state.RunSucceeded})
	problems, err := testutil.GatherAndLint(m.Gatherer())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "cxhub_") {
			t.Errorf("%s: %s", p.Metric, p.Text)
		}
	}
	fams, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range fams {
		if strings.HasPrefix(f.GetName(), "cxhub_") {
			n++
		}
	}
	if n < 19 {
		t.Errorf("%d cxhub metrics, want at least 19", n)
	}
}
