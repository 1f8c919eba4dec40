package metrics

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	hubspot "github.com/cxhub/cxhub/connectors/hubspot/sandbox"
	"github.com/cxhub/cxhub/core/hub"
	"github.com/cxhub/cxhub/core/internal/testfiles"
	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// TestMetricsCarryAFinishedSync syncs a file of customers into the
// HubSpot sandbox through a real hub and the real plugins (two refused
// by HubSpot for their emails), then scrapes /metrics and parses it with
// Prometheus's text parser.
func TestMetricsCarryAFinishedSync(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the file and HubSpot plugins")
	}
	plugins := t.TempDir()
	for _, name := range []string{"hubspot", "file"} {
		bin := sdktest.BuildPlugin(t, "../../connectors/"+name+"/cmd/cxhub-connector-"+name)
		testfiles.CopyExecutable(t, bin, filepath.Join(plugins, "cxhub-connector-"+name))
	}
	hs, err := hubspot.New(hubspot.Options{Contacts: -1, Companies: -1, Notes: -1, NoRateLimit: true})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := hs.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "in"), 0o755); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for i := range 25 {
		email := fmt.Sprintf("customer%d@example.com", i)
		if i%10 == 3 {
			email = fmt.Sprintf("not-an-email-%d", i)
		}
		lines = append(lines, fmt.Sprintf(`{"id":"c%d","email":%q,"first":"Ann","last":"Lee%d"}`, i, email, i))
	}
	if err := os.WriteFile(filepath.Join(dir, "in", "customers.jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	configPath := filepath.Join(dir, "cxhub.yaml")
	config := fmt.Sprintf(`version: 1
state: {path: state.db}
connections:
  inbox:
    connector: file
    config: {dir: in, streams: {customers: {key: id}}}
  crm:
    connector: hubspot
    config: {base_url: "%s", token: %s}
pipelines:
  - name: load
    from: {connection: inbox, stream: customers}
    to:   {connection: crm,   stream: contacts}
    map: {email: email, firstname: first, lastname: last}
    batch_size: 10
  - name: idle
    from: {connection: crm, stream: contacts}
    to:   {connection: inbox, stream: customers}
`, srv.URL, hubspot.DefaultToken)
	if err := os.WriteFile(configPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	h := hub.New(hub.Options{ConfigPath: configPath, PluginsDir: plugins, LogOutput: io.Discard})
	defer h.Close()
	m := New(h)
	defer m.Close()

	res := h.Sync(context.Background(), "load")
	if res.Err != nil || res.Status != state.RunSucceeded {
		t.Fatalf("sync: %v %v", res.Status, res.Err)
	}
	c := res.Counts
	if c.Read != 25 || c.DeadLettered != 3 || c.Written != 22 || c.Created != 22 {
		t.Fatalf("the sync's counts: %+v", c)
	}
	st, err := h.ReadStore()
	if err != nil {
		t.Fatal(err)
	}
	runs, err := st.Runs(context.Background(), state.RunFilter{Pipeline: "load"})
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs %+v, %v", runs, err)
	}

	fams := scrape(t, m.Handler())
	want := []struct {
		family string
		labels []string
		value  float64
	}{
		{"cxhub_records_read_total", []string{"pipeline", "load"}, float64(c.Read)},
		{"cxhub_records_written_total", []string{"pipeline", "load"}, float64(c.Written)},
		{"cxhub_records_created_total", []string{"pipeline", "load"}, float64(c.Created)},
		{"cxhub_records_updated_total", []string{"pipeline", "load"}, float64(c.Updated)},
		{"cxhub_records_dead_lettered_total", []string{"pipeline", "load"}, float64(c.DeadLettered)},
		{"cxhub_records_filtered_total", []string{"pipeline", "load"}, 0},
		{"cxhub_run_duration_seconds", []string{"pipeline", "load", "status", "succeeded"}, 1},
		{"cxhub_runs_in_progress", []string{"pipeline", "load"}, 0},
		{"cxhub_dead_letters_pending", []string{"pipeline", "load"}, float64(c.DeadLettered)},
		{"cxhub_pipeline_last_success_timestamp_seconds", []string{"pipeline", "load"}, float64(runs[0].FinishedAt.UnixMilli()) / 1000},
		{"cxhub_records_read_total", []string{"pipeline", "idle"}, 0},
		{"cxhub_dead_letters_pending", []string{"pipeline", "idle"}, 0},
	}
	for _, w := range want {
		got, ok := value(fams, w.family, w.labels...)
		if !ok || got != w.value {
			t.Errorf("%s%v = %v (present %v), want %v", w.family, w.labels, got, ok, w.value)
		}
	}
	age, ok := value(fams, "cxhub_pipeline_checkpoint_age_seconds", "pipeline", "load")
	if !ok || age < 0 || age > time.Since(runs[0].StartedAt).Seconds()+1 {
		t.Errorf("checkpoint age %v (present %v), want between 0 and the time since the run started", age, ok)
	}
	if _, ok := value(fams, "cxhub_pipeline_last_success_timestamp_seconds", "pipeline", "idle"); ok {
		t.Error("a last success for a pipeline that never ran")
	}
	if got := fams["cxhub_run_duration_seconds"].GetMetric()[0].GetHistogram().GetSampleSum(); got <= 0 || got > res.Duration.Seconds()+1 {
		t.Errorf("run duration sum %v, the run took %v", got, res.Duration)
	}
}
