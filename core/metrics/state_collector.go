package metrics

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cxhub/cxhub/core/monitor"
	"github.com/cxhub/cxhub/core/state"
)

// The metrics computed from the state at each scrape.
var (
	lastSuccessDesc = prometheus.NewDesc("cxhub_pipeline_last_success_timestamp_seconds",
		"When the pipeline's last successful run finished (Unix time); absent if none of its last 50 runs succeeded.",
		[]string{"pipeline"}, nil)
	checkpointAgeDesc = prometheus.NewDesc("cxhub_pipeline_checkpoint_age_seconds",
		"Time since the pipeline's newest checkpoint was stored; absent before its first.",
		[]string{"pipeline"}, nil)
	deadLettersDesc = prometheus.NewDesc("cxhub_dead_letters_pending",
		"Dead letters of the pipeline waiting for a replay or a discard.",
		[]string{"pipeline"}, nil)
	alertsFiringDesc = prometheus.NewDesc("cxhub_alerts_firing",
		"Alerts firing now, by kind (connection_failing, pipeline_stale, pipeline_error_rate, pipeline_dead_letters, plugin_hung, inbox_retention_held).",
		[]string{"kind"}, nil)
)

// stateCollector reads the hub's status and alerts at scrape time.
type stateCollector struct {
	hub Hub
}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{lastSuccessDesc, checkpointAgeDesc, deadLettersDesc, alertsFiringDesc} {
		ch <- d
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	now := time.Now()
	status, err := c.hub.Status(ctx)
	if err != nil {
		err = fmt.Errorf("read the pipelines' status: %w", err)
		for _, d := range []*prometheus.Desc{lastSuccessDesc, checkpointAgeDesc, deadLettersDesc} {
			ch <- prometheus.NewInvalidMetric(d, err)
		}
	}
	for _, p := range status {
		if !p.LastSuccess.IsZero() {
			ch <- prometheus.MustNewConstMetric(lastSuccessDesc, prometheus.GaugeValue, float64(p.LastSuccess.UnixMilli())/1000, p.Name)
		}
		if !p.Checkpoint.IsZero() {
			ch <- prometheus.MustNewConstMetric(checkpointAgeDesc, prometheus.GaugeValue, max(0, now.Sub(p.Checkpoint).Seconds()), p.Name)
		}
		ch <- prometheus.MustNewConstMetric(deadLettersDesc, prometheus.GaugeValue, float64(p.DeadLetters), p.Name)
	}
	c.collectAlerts(ctx, ch)
}

// alertKinds are the kinds of alert the monitor raises.
var alertKinds = []string{monitor.KindConnectionFailing, monitor.KindPipelineStale, monitor.KindErrorRate,
	monitor.KindDeadLetters, monitor.KindPluginHung, monitor.KindInboxHeld}

// collectAlerts counts the firing alerts by kind, 0 for a kind none of
// whose alerts fires.
func (c *stateCollector) collectAlerts(ctx context.Context, ch chan<- prometheus.Metric) {
	st, err := c.hub.ReadStore()
	var alerts []state.Alert
	if err == nil {
		alerts, err = st.Alerts(ctx, state.AlertFilter{Status: state.AlertFiring, Limit: 1 << 20})
	}
	if err != nil {
		ch <- prometheus.NewInvalidMetric(alertsFiringDesc, fmt.Errorf("read the firing alerts: %w", err))
		return
	}
	// Every kind is served, 0 when none fires, so that a query or a graph
	// of a kind sees it drop to 0 instead of its series ending.
	byKind := map[string]int{}
	for _, k := range alertKinds {
		byKind[k] = 0
	}
	for _, a := range alerts {
		byKind[a.Kind]++
	}
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		ch <- prometheus.MustNewConstMetric(alertsFiringDesc, prometheus.GaugeValue, float64(byKind[k]), k)
	}
}
