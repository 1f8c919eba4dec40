package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/engine"
	"github.com/cxhub/cxhub/core/hub"
	"github.com/cxhub/cxhub/core/state"
)

// Hub is what the metrics need of the hub runtime; *hub.Hub has it.
type Hub interface {
	// Config names the pipelines whose series exist from the start.
	Config() (*config.Config, error)
	// Subscribe feeds the run metrics.
	Subscribe(fn func(engine.Event)) (cancel func())
	// Status and ReadStore feed the metrics computed at scrape time.
	Status(ctx context.Context) ([]hub.PipelineStatus, error)
	ReadStore() (state.Store, error)
	// Logger receives scrape errors.
	Logger() *slog.Logger
}

var _ Hub = (*hub.Hub)(nil)

// The outcomes of a webhook delivery the server reports (WebhookDelivery
// takes any, these are the ones it uses).
const (
	// OutcomeAccepted: verified and stored.
	OutcomeAccepted = "accepted"
	// OutcomeDuplicate: a redelivery the inbox already held.
	OutcomeDuplicate = "duplicate"
	// OutcomeRejected: the signature did not verify (401), or the body was
	// too large or malformed.
	OutcomeRejected = "rejected"
	// OutcomeUnknownConnection: no connection has that name (404).
	OutcomeUnknownConnection = "unknown_connection"
	// OutcomeError: it could not be stored (a plugin or state failure);
	// the vendor is asked to retry.
	OutcomeError = "error"
)

// Buckets of the histograms, in seconds.
var (
	runDurationBuckets    = []float64{0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600}
	webhookLatencyBuckets = []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}
)

// scrapeTimeout bounds the state queries of one scrape.
const scrapeTimeout = 10 * time.Second

// Metrics holds a hub's metrics in its own registry. It is safe for
// concurrent use. Close it to stop following the hub's events.
type Metrics struct {
	hub    Hub
	reg    *prometheus.Registry
	cancel func()

	mu      sync.Mutex
	known   map[string]bool // pipelines that have series
	conns   map[string]bool // the config's connections; nil before a config
	running map[string]int  // runs under way by pipeline, as seen from their start

	read, filtered, written, created, updated, deadLettered *prometheus.CounterVec
	runDuration                                             *prometheus.HistogramVec
	runsInProgress, inboxHeldBack                           *prometheus.GaugeVec
	reloadOK, reloadTime                                    prometheus.Gauge
	restarts, hangs, retries, rateLimited, rateLimitWait    *prometheus.CounterVec
	webhookDeliveries                                       *prometheus.CounterVec
	webhookLatency                                          *prometheus.HistogramVec
}

// New registers the hub's metrics in a new registry, with the Go runtime's
// and the process's, and starts following the hub's events. The series of
// the config's pipelines exist from the start, at zero.
func New(h Hub) *Metrics {
	m := &Metrics{hub: h, reg: prometheus.NewRegistry(), known: map[string]bool{}, running: map[string]int{}}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		v := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "cxhub", Name: name, Help: help}, labels)
		m.reg.MustRegister(v)
		return v
	}
	m.read = counter("records_read_total", "Records read from the pipeline's source or its webhook inbox; a replay reads none (the dead letters it retries count as written, or dead-lettered again).", "pipeline")
	m.filtered = counter("records_filtered_total", "Records the pipeline's where: filter dropped.", "pipeline")
	m.written = counter("records_written_total", "Records the destination accepted (created + updated).", "pipeline")
	m.created = counter("records_created_total", "Records written as new objects in the destination.", "pipeline")
	m.updated = counter("records_updated_total", "Records written as updates (or deletes) of existing objects.", "pipeline")
	m.deadLettered = counter("records_dead_lettered_total", "Records that failed for good and were kept as dead letters.", "pipeline")
	m.restarts = counter("plugin_restarts_total", "Restarts of a run's connectors from the last checkpoint after a failure.", "pipeline")
	m.hangs = counter("plugin_hangs_total", "Plugins that made no progress past monitor.hang_timeout and were killed.", "pipeline")
	m.retries = counter("retries_total", "Records written again after a transient or rate-limited failure.", "pipeline")
	m.rateLimited = counter("rate_limited_total", "Times the destination answered rate-limited (HTTP 429) and asked to wait.", "pipeline")
	m.rateLimitWait = counter("rate_limit_wait_seconds_total", "Time spent waiting as rate-limited destinations asked.", "pipeline")
	m.webhookDeliveries = counter("webhook_deliveries_total", "Webhook deliveries received, by connection (\"\" for one not in the config) and outcome (accepted, duplicate, rejected, unknown_connection, error).", "connection", "outcome")
	m.runDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "cxhub", Name: "run_duration_seconds",
		Help: "Duration of finished runs, by pipeline and status (succeeded, failed, interrupted).", Buckets: runDurationBuckets},
		[]string{"pipeline", "status"})
	m.webhookLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "cxhub", Name: "webhook_to_destination_seconds",
		Help: "Time from a webhook's receipt to its records' write in the destination, by pipeline.", Buckets: webhookLatencyBuckets},
		[]string{"pipeline"})
	m.runsInProgress = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "cxhub", Name: "runs_in_progress",
		Help: "Runs under way, by pipeline."}, []string{"pipeline"})
	m.inboxHeldBack = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "cxhub", Name: "inbox_prune_held_back",
		Help: "1 when the pipeline has webhook records older than the inbox retention still to take, which holds back the pruning of the whole webhook inbox (it grows until the pipeline takes them); 0 otherwise. Set at each pruning (every 10 minutes)."},
		[]string{"pipeline"})
	m.reloadOK = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "cxhub", Name: "config_last_reload_successful",
		Help: "1 if the config file in force is the last one read (at start or on SIGHUP); 0 if the last reload was refused: the previous config runs on, and the file on disk, as it is, would not start (the log says why: config reload refused)."})
	m.reloadTime = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "cxhub", Name: "config_last_reload_success_timestamp_seconds",
		Help: "When the config in force was read (Unix time): at start, or at the last reload that took effect."})
	m.reloadOK.Set(1)
	m.reloadTime.Set(float64(time.Now().UnixMilli()) / 1000)
	m.reg.MustRegister(m.runDuration, m.webhookLatency, m.runsInProgress, m.inboxHeldBack, m.reloadOK, m.reloadTime,
		&stateCollector{hub: h},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if cfg, err := h.Config(); err == nil {
		m.Reload(cfg)
	}
	m.cancel = h.Subscribe(m.observe)
	return m
}

// Handler serves the metrics in Prometheus's text format (or OpenMetrics,
// if the scraper asks). A state that cannot be read leaves out the
// metrics computed from it, logs why, and serves the rest.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:          slog.NewLogLogger(m.hub.Logger().Handler(), slog.LevelError),
		ErrorHandling:     promhttp.ContinueOnError,
		Registry:          m.reg,
		EnableOpenMetrics: true,
	})
}

// Gatherer returns the registry, for tests and for pushing elsewhere.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }

// Close stops following the hub's events.
func (m *Metrics) Close() {
	if m.cancel != nil {
		m.cancel()
	}
}

// Reload takes a new config: its pipelines' series are created at zero,
// and those of pipelines it no longer has are removed; the reload is
// recorded as successful, now.
func (m *Metrics) Reload(cfg *config.Config) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reloadOK.Set(1)
	m.reloadTime.Set(float64(time.Now().UnixMilli()) / 1000)
	m.conns = map[string]bool{}
	for name := range cfg.Connections {
		m.conns[name] = true
	}
	now := map[string]bool{}
	for _, p := range cfg.Pipelines {
		now[p.Name] = true
		if !m.known[p.Name] {
			m.touchLocked(p.Name)
		}
	}
	for name := range m.known {
		if !now[name] {
			for _, v := range m.pipelineVecs() {
				v.DeletePartialMatch(prometheus.Labels{"pipeline": name})
			}
			delete(m.known, name)
			delete(m.running, name)
		}
	}
}

// pipelineVecs are the vectors labelled by pipeline.
func (m *Metrics) pipelineVecs() []interface {
	DeletePartialMatch(prometheus.Labels) int
} {
	return []interface {
		DeletePartialMatch(prometheus.Labels) int
	}{m.read, m.filtered, m.written, m.created, m.updated, m.deadLettered, m.restarts, m.hangs, m.retries,
		m.rateLimited, m.rateLimitWait, m.runDuration, m.webhookLatency, m.runsInProgress, m.inboxHeldBack}
}

// touchLocked creates a pipeline's counters at zero.
func (m *Metrics) touchLocked(pipeline string) {
	m.known[pipeline] = true
	for _, v := range []*prometheus.CounterVec{m.read, m.filtered, m.written, m.created, m.updated, m.deadLettered,
		m.restarts, m.hangs, m.retries, m.rateLimited, m.rateLimitWait} {
		v.WithLabelValues(pipeline)
	}
	m.runsInProgress.WithLabelValues(pipeline)
}

// touch makes sure a pipeline seen in an event has its series.
func (m *Metrics) touch(pipeline string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.known[pipeline] {
		m.touchLocked(pipeline)
	}
}

// observe counts one event of a run.
func (m *Metrics) observe(e engine.Event) {
	p := e.Pipeline
	if p == "" {
		return
	}
	m.touch(p)
	switch e.Kind {
	case engine.EventRunStarted:
		m.countRunning(p, +1)
	case engine.EventRunFinished:
		m.countRunning(p, -1)
		m.runDuration.WithLabelValues(p, string(e.Status)).Observe(e.Elapsed.Seconds())
	case engine.EventBatchCommitted:
		c := e.Counts
		for _, x := range []struct {
			v *prometheus.CounterVec
			n int64
		}{{m.read, c.Read}, {m.filtered, c.Filtered}, {m.written, c.Written}, {m.created, c.Created},
			{m.updated, c.Updated}, {m.deadLettered, c.DeadLettered}} {
			if x.n > 0 {
				x.v.WithLabelValues(p).Add(float64(x.n))
			}
		}
	case engine.EventRetry:
		if e.Records > 0 {
			m.retries.WithLabelValues(p).Add(float64(e.Records))
		}
	case engine.EventRateLimitWait:
		m.rateLimited.WithLabelValues(p).Inc()
		m.rateLimitWait.WithLabelValues(p).Add(e.Wait.Seconds())
	case engine.EventPluginRestart:
		m.restarts.WithLabelValues(p).Inc()
	}
}

// countRunning adds delta to the runs under way of pipeline; a run that
// started before the metrics did is not subtracted.
func (m *Metrics) countRunning(pipeline string, delta int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := max(0, m.running[pipeline]+delta)
	m.running[pipeline] = n
	m.runsInProgress.WithLabelValues(pipeline).Set(float64(n))
}

// ReloadRefused records a config reload that was refused: the config in
// force stays, and cxhub_config_last_reload_successful is 0 until a
// reload takes effect.
func (m *Metrics) ReloadRefused() {
	m.reloadOK.Set(0)
}

// InboxHeldBack sets whether the pipeline holds back the inbox pruning
// (core/server calls it for every pipeline at each pruning).
func (m *Metrics) InboxHeldBack(pipeline string, held bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.known[pipeline] {
		return // a pipeline no longer in the config: no series
	}
	v := 0.0
	if held {
		v = 1
	}
	m.inboxHeldBack.WithLabelValues(pipeline).Set(v)
}

// PluginHung counts a plugin of pipeline killed for making no progress
// (the engine's watchdog or the server calls it, as it calls the
// monitor's PluginHung).
func (m *Metrics) PluginHung(pipeline string) {
	m.touch(pipeline)
	m.hangs.WithLabelValues(pipeline).Inc()
}

// WebhookDelivery counts a webhook delivery to connection by its outcome
// (the Outcome constants). A connection the config does not have is
// counted with an empty connection label: its name comes from the
// request's path, and anyone can invent names.
func (m *Metrics) WebhookDelivery(connection, outcome string) {
	m.mu.Lock()
	if m.conns != nil && !m.conns[connection] {
		connection = ""
	}
	m.mu.Unlock()
	m.webhookDeliveries.WithLabelValues(connection, outcome).Inc()
}

// ObserveWebhookLatency records the time from a webhook's receipt to its
// records' write in pipeline's destination.
func (m *Metrics) ObserveWebhookLatency(pipeline string, seconds float64) {
	m.touch(pipeline)
	m.webhookLatency.WithLabelValues(pipeline).Observe(seconds)
}
