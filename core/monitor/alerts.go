package monitor

import (
	"context"
	"fmt"
	"time"

	"github.com/cxhub/cxhub/core/state"
)

// The kinds of alert the monitor raises. An alert's key is its kind, a
// colon and its subject (the connection or pipeline): at most one alert
// per key fires at a time.
const (
	// KindConnectionFailing: a connection failed its check
	// monitor.check_failures times in a row. Resolved by a passing check.
	KindConnectionFailing = "connection_failing"
	// KindPipelineStale: a pipeline had no successful run within its
	// staleness window. Resolved by a successful run.
	KindPipelineStale = "pipeline_stale"
	// KindErrorRate: the last finished run of a pipeline that read records
	// dead-lettered at least error_rate of them. Resolved by a later run
	// under the threshold.
	KindErrorRate = "pipeline_error_rate"
	// KindDeadLetters: a pipeline has at least dead_letters pending dead
	// letters. Resolved when replays or discards bring it under.
	KindDeadLetters = "pipeline_dead_letters"
	// KindPluginHung: a pipeline's plugin made no progress for
	// monitor.hang_timeout (see PluginHung). Resolved by a successful run
	// of the pipeline after it fired.
	KindPluginHung = "plugin_hung"
	// KindInboxHeld: a pipeline has webhook records older than the inbox
	// retention still to take, which holds back the pruning of the whole
	// webhook inbox (core/server; see InboxHeld). Resolved when it has
	// taken them or leaves the config.
	KindInboxHeld = "inbox_retention_held"
)

// pipelineKinds are the kinds whose subject is a pipeline.
var pipelineKinds = map[string]bool{KindPipelineStale: true, KindErrorRate: true, KindDeadLetters: true, KindPluginHung: true,
	KindInboxHeld: true}

func alertKey(kind, subject string) string { return kind + ":" + subject }

// Alerts lists the alerts in the state, newest first (see
// state.AlertFilter: firing or resolved, and how many).
func (m *Monitor) Alerts(ctx context.Context, f state.AlertFilter) ([]state.Alert, error) {
	st, err := m.hub.Store()
	if err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	return st.Alerts(ctx, f)
}

// PluginHung raises the plugin_hung alert of a pipeline whose plugin made
// no progress past monitor.hang_timeout; detail says what hung and how
// long (the engine's watchdog, or the server, calls it once it has killed
// the plugin). The alert resolves when the pipeline next succeeds.
func (m *Monitor) PluginHung(pipeline, detail string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := m.ensureLoaded(ctx); err != nil {
		m.log.Error("raise plugin hung alert", "pipeline", pipeline, "error", err)
		return
	}
	msg := fmt.Sprintf("a plugin of pipeline %s made no progress", pipeline)
	if detail != "" {
		msg += ": " + m.hub.Redact(detail)
	}
	m.fire(ctx, KindPluginHung, pipeline, msg)
	kick(m.wake)
}

// InboxHeld fires the inbox_retention_held alert of a pipeline that has
// webhook records older than retention still to take — since is when the
// oldest of them was received — or, with since zero, resolves it. The
// server calls it for every pipeline after each pruning of the inbox.
func (m *Monitor) InboxHeld(ctx context.Context, pipeline string, since time.Time, retention time.Duration) {
	if err := m.ensureLoaded(ctx); err != nil {
		m.log.Error("raise inbox retention alert", "pipeline", pipeline, "error", err)
		return
	}
	if since.IsZero() {
		m.resolve(ctx, alertKey(KindInboxHeld, pipeline), fmt.Sprintf("pipeline %s has no webhook records older than the inbox retention to take", pipeline))
		return
	}
	m.fire(ctx, KindInboxHeld, pipeline, fmt.Sprintf("pipeline %s has webhook records to take received since %s, longer ago than the inbox retention (%s): "+
		"the webhook inbox is not pruned past them and grows until %s takes them. Resume the pipeline or fix what fails its runs; "+
		"remove it from the config if it is gone for good", pipeline, since.UTC().Format(time.RFC3339), retention, pipeline))
}

// ensureLoaded loads the firing alerts from the state, once.
func (m *Monitor) ensureLoaded(ctx context.Context) error {
	m.mu.Lock()
	loaded := m.loaded
	m.mu.Unlock()
	if loaded {
		return nil
	}
	st, err := m.hub.Store()
	if err != nil {
		return fmt.Errorf("open the state: %w", err)
	}
	return m.loadFiring(ctx, st)
}

// loadFiring remembers the alerts firing in the state, so that a condition
// still holding after a restart updates them instead of raising new ones.
func (m *Monitor) loadFiring(ctx context.Context, st state.Store) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.loaded {
		return nil
	}
	alerts, err := st.Alerts(ctx, state.AlertFilter{Status: state.AlertFiring, Limit: 1 << 20})
	if err != nil {
		return fmt.Errorf("monitor: load firing alerts: %w", err)
	}
	for _, a := range alerts {
		m.firing[a.Key] = a
	}
	m.loaded = true
	return nil
}

// firingAlert returns the alert firing with key, if any.
func (m *Monitor) firingAlert(key string) (state.Alert, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.firing[key]
	return a, ok
}

// fire raises the alert of kind about subject with msg, or updates the one
// firing; receivers are told of a new one.
func (m *Monitor) fire(ctx context.Context, kind, subject, msg string) {
	key := alertKey(kind, subject)
	if cur, ok := m.firingAlert(key); ok && cur.Message == msg {
		return
	}
	st, err := m.hub.Store()
	if err != nil {
		m.log.Error("raise alert", "key", key, "error", err)
		return
	}
	a, created, err := st.FireAlert(ctx, state.Alert{Key: key, Kind: kind, Subject: subject, Message: msg})
	if err != nil {
		m.log.Error("raise alert", "key", key, "error", err)
		return
	}
	m.mu.Lock()
	m.firing[key] = a
	m.mu.Unlock()
	if created {
		m.log.Warn("alert firing", "key", key, "id", a.ID, "message", msg)
		kick(m.notify)
	}
}

// resolve resolves the alert firing with key, if any, saying why;
// receivers are told.
func (m *Monitor) resolve(ctx context.Context, key, why string) {
	if _, ok := m.firingAlert(key); !ok {
		return
	}
	st, err := m.hub.Store()
	if err != nil {
		m.log.Error("resolve alert", "key", key, "error", err)
		return
	}
	a, found, err := st.ResolveAlert(ctx, key, why)
	if err != nil {
		m.log.Error("resolve alert", "key", key, "error", err)
		return
	}
	m.mu.Lock()
	delete(m.firing, key)
	m.mu.Unlock()
	if found {
		m.log.Info("alert resolved", "key", key, "id", a.ID, "message", why)
		kick(m.notify)
	}
}
