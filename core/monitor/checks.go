package monitor

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/cxhub/cxhub/core/config"
)

// ConnectionHealth is what the last checks of a connection said, for the
// API.
type ConnectionHealth struct {
	Connection string `json:"connection"`
	// Status is "ok", "failing" or "unchecked" (not checked yet).
	Status string `json:"status"`
	OK     bool   `json:"ok"`
	// Message is the connector's answer to a passing check; Error why the
	// last check failed (secrets redacted).
	Message string `json:"message,omitempty"`
	Error   string `json:"error,omitempty"`
	// CheckedAt is when the last check ended; LastOK when one last passed.
	CheckedAt time.Time `json:"checked_at,omitzero"`
	LastOK    time.Time `json:"last_ok,omitzero"`
	// ConsecutiveFailures counts the failed checks since the last that
	// passed; the alert fires when it reaches monitor.check_failures.
	ConsecutiveFailures int    `json:"consecutive_failures"`
	CheckInterval       string `json:"check_interval"`
	// RateLimit is what the core has seen of the connection's rate limit
	// as a destination: how often it asked to wait, and the last wait.
	RateLimit RateLimitState `json:"rate_limit"`
}

// RateLimitState is a connection's rate limiting as the core saw it: the
// waits its destination asked for (429s, Retry-After) in runs since the
// monitor started.
type RateLimitState struct {
	Waits    int       `json:"waits"`
	LastAt   time.Time `json:"last_at,omitzero"`
	LastWait string    `json:"last_wait,omitempty"`
}

// The values of ConnectionHealth.Status.
const (
	HealthOK        = "ok"
	HealthFailing   = "failing"
	HealthUnchecked = "unchecked"
)

// checker is the loop checking one connection.
type checker struct {
	interval time.Duration
	cancel   context.CancelFunc
}

// checkInterval is how often a connection is checked.
func checkInterval(cfg *config.Config, conn *config.Connection) time.Duration {
	switch {
	case conn.CheckInterval > 0:
		return conn.CheckInterval
	case cfg.Monitor.CheckInterval > 0:
		return cfg.Monitor.CheckInterval
	}
	return config.DefaultCheckInterval
}

// checkFailures is how many failed checks in a row raise the alert.
func checkFailures(cfg *config.Config) int {
	if cfg.Monitor.CheckFailures > 0 {
		return cfg.Monitor.CheckFailures
	}
	return config.DefaultCheckFailures
}

// Connections returns the health of every connection of the config, by
// name.
func (m *Monitor) Connections() []ConnectionHealth {
	cfg, _ := m.config()
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []ConnectionHealth{}
	if cfg == nil {
		return out
	}
	for name, conn := range cfg.Connections {
		h := ConnectionHealth{Connection: name, Status: HealthUnchecked}
		if cur, ok := m.health[name]; ok {
			h = *cur
		}
		h.RateLimit = m.rateLimits[name]
		h.CheckInterval = checkInterval(cfg, conn).String()
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Connection < out[j].Connection })
	return out
}

// syncCheckersLocked starts a check loop for each connection of cfg that
// has none, stops those of connections that are gone, and restarts those
// whose interval changed (their next check due an interval after the
// last).
func (m *Monitor) syncCheckersLocked(cfg *config.Config) {
	for name, c := range m.checkers {
		conn, ok := cfg.Connections[name]
		if ok && checkInterval(cfg, conn) == c.interval {
			continue
		}
		c.cancel()
		delete(m.checkers, name)
		if !ok {
			delete(m.health, name)
		}
	}
	now := m.opts.Now()
	for name, conn := range cfg.Connections {
		if _, ok := m.checkers[name]; ok {
			continue
		}
		interval := checkInterval(cfg, conn)
		var first time.Duration
		if h, ok := m.health[name]; ok && !h.CheckedAt.IsZero() {
			first = max(0, h.CheckedAt.Add(interval).Sub(now))
		}
		ctx, cancel := context.WithCancel(m.running)
		m.checkers[name] = &checker{interval: interval, cancel: cancel}
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			m.checkLoop(ctx, name, interval, first)
		}()
	}
}

// checkLoop checks a connection after first, then every interval, until
// ctx ends.
func (m *Monitor) checkLoop(ctx context.Context, name string, interval, first time.Duration) {
	t := time.NewTimer(first)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		m.checkConnection(ctx, name)
		t.Reset(interval)
	}
}

// checkConnection runs one check of a connection, keeps its result, and
// fires or resolves the connection's alert.
func (m *Monitor) checkConnection(ctx context.Context, name string) {
	cctx, cancel := context.WithTimeout(ctx, m.opts.CheckTimeout)
	resp, err := m.hub.Check(cctx, name)
	cancel()
	if ctx.Err() != nil {
		return // stopping or reloaded: this check proves nothing
	}
	cfg, cerr := m.config()
	if cerr != nil {
		return
	}
	now := m.opts.Now()
	m.mu.Lock()
	h, ok := m.health[name]
	if !ok {
		h = &ConnectionHealth{Connection: name}
		m.health[name] = h
	}
	h.CheckedAt = now
	if err == nil {
		h.Status, h.OK, h.Message, h.Error = HealthOK, true, m.hub.Redact(resp.Message), ""
		h.LastOK, h.ConsecutiveFailures = now, 0
	} else {
		h.Status, h.OK, h.Message, h.Error = HealthFailing, false, "", m.hub.Redact(err.Error())
		h.ConsecutiveFailures++
	}
	snap := *h
	m.mu.Unlock()

	key := alertKey(KindConnectionFailing, name)
	if snap.OK {
		m.resolve(ctx, key, "check passed: "+snap.Message)
		return
	}
	m.log.Warn("connection check failed", "connection", name, "consecutive", snap.ConsecutiveFailures, "error", snap.Error)
	if snap.ConsecutiveFailures >= checkFailures(cfg) {
		m.fire(ctx, KindConnectionFailing, name,
			fmt.Sprintf("connection %s failed its check %d times in a row: %s", name, snap.ConsecutiveFailures, snap.Error))
	}
}
