package monitor

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/state"
)

// minStaleness is the shortest staleness window derived from a schedule.
const minStaleness = 15 * time.Minute

// rules are a pipeline's thresholds, overrides applied.
type rules struct {
	staleness   time.Duration // 0: no staleness alert
	errorRate   float64
	deadLetters int
}

// rulesFor returns a pipeline's thresholds at now: its own monitor
// overrides, then the monitor section's, then the defaults. Staleness: the
// pipeline's own window applies whatever its schedule; the monitor's
// applies to scheduled pipelines; without either, a scheduled pipeline's
// window is three of its intervals (for a cron schedule, the gap between
// its next two times), at least 15 minutes, and an unscheduled pipeline
// (run by hand or by webhooks) has none.
func rulesFor(cfg *config.Config, p *config.Pipeline, now time.Time) rules {
	r := rules{errorRate: config.DefaultErrorRate, deadLetters: config.DefaultDeadLetters}
	mon := cfg.Monitor
	if mon.ErrorRate > 0 {
		r.errorRate = mon.ErrorRate
	}
	if p.Monitor.ErrorRate > 0 {
		r.errorRate = p.Monitor.ErrorRate
	}
	if mon.DeadLetters > 0 {
		r.deadLetters = mon.DeadLetters
	}
	if p.Monitor.DeadLetters > 0 {
		r.deadLetters = p.Monitor.DeadLetters
	}
	switch {
	case p.Monitor.Staleness > 0:
		r.staleness = p.Monitor.Staleness
	case !p.Scheduled():
	case mon.Staleness > 0:
		r.staleness = mon.Staleness
	default:
		r.staleness = max(3*scheduleInterval(p, now), minStaleness)
	}
	return r
}

// scheduleInterval is the time between two scheduled runs of p.
func scheduleInterval(p *config.Pipeline, now time.Time) time.Duration {
	if p.Cron == "" {
		return p.Schedule
	}
	s, err := config.ParseCron(p.Cron)
	if err != nil {
		return 0
	}
	next := s.Next(now)
	return s.Next(next).Sub(next)
}

// evaluate checks every pipeline's conditions, fires and resolves their
// alerts, and resolves the alerts of connections and pipelines no longer
// in the config.
func (m *Monitor) evaluate(ctx context.Context, st state.Store) {
	cfg, err := m.config()
	if err != nil || ctx.Err() != nil {
		return
	}
	now := m.opts.Now()
	for _, p := range cfg.Pipelines {
		if err := m.evaluatePipeline(ctx, st, cfg, p, now); err != nil && ctx.Err() == nil {
			m.log.Error("evaluate pipeline", "pipeline", p.Name, "error", err)
		}
	}
	m.resolveGone(ctx, cfg)
}

// stalenessRuns is how many of a pipeline's newest runs an evaluation
// reads.
const stalenessRuns = 50

// evaluatePipeline checks one pipeline's conditions.
func (m *Monitor) evaluatePipeline(ctx context.Context, st state.Store, cfg *config.Config, p *config.Pipeline, now time.Time) error {
	r := rulesFor(cfg, p, now)
	runs, err := st.Runs(ctx, state.RunFilter{Pipeline: p.Name, Limit: stalenessRuns})
	if err != nil {
		return err
	}
	var lastSuccess time.Time
	var measured *state.Run // the last finished run that read records
	for i := range runs {
		run := &runs[i]
		if run.Status == state.RunSucceeded && lastSuccess.IsZero() {
			lastSuccess = run.FinishedAt
		}
		if measured == nil && run.Status != state.RunRunning && run.Counts.Read > 0 {
			measured = run
		}
	}

	// Staleness.
	key := alertKey(KindPipelineStale, p.Name)
	if r.staleness > 0 {
		since, what := lastSuccess, "no successful run since "
		if since.IsZero() {
			m.mu.Lock()
			since = m.firstSeen[p.Name]
			m.mu.Unlock()
			what = "no successful run since monitoring began at "
			// No success among the runs looked at: it has failed since
			// the oldest of them at least, which may be long before the
			// monitor began (a restart, a new staleness window).
			if n := len(runs); n > 0 && (since.IsZero() || runs[n-1].StartedAt.Before(since)) {
				since = runs[n-1].StartedAt
				what = "no successful run since its first run at "
				if n == stalenessRuns {
					what = fmt.Sprintf("no successful run in its last %d runs, since ", n)
				}
			}
		}
		if !since.IsZero() && now.Sub(since) > r.staleness {
			m.fire(ctx, KindPipelineStale, p.Name, fmt.Sprintf("pipeline %s: %s%s (staleness window %s)",
				p.Name, what, since.UTC().Format(time.RFC3339), r.staleness))
		} else if !lastSuccess.IsZero() {
			m.resolve(ctx, key, fmt.Sprintf("pipeline %s succeeded at %s", p.Name, lastSuccess.UTC().Format(time.RFC3339)))
		}
	} else {
		m.resolve(ctx, key, fmt.Sprintf("pipeline %s has no staleness window any more", p.Name))
	}

	// Error rate of the last finished run that read records, while
	// dead letters wait: once an operator replayed or discarded every one
	// (the runs since may have read nothing new to measure by), the alert
	// resolves.
	pending, err := st.CountDeadLetters(ctx, p.Name, state.DeadLetterPending)
	if err != nil {
		return err
	}
	key = alertKey(KindErrorRate, p.Name)
	if measured != nil {
		rate := float64(measured.Counts.DeadLettered) / float64(measured.Counts.Read)
		what := fmt.Sprintf("pipeline %s: run %d dead-lettered %d of %d records read (%s, threshold %s)",
			p.Name, measured.ID, measured.Counts.DeadLettered, measured.Counts.Read, percent(rate), percent(r.errorRate))
		switch {
		case measured.Counts.DeadLettered > 0 && rate >= r.errorRate && pending > 0:
			m.fire(ctx, KindErrorRate, p.Name, what)
		case measured.Counts.DeadLettered > 0 && rate >= r.errorRate:
			m.resolve(ctx, key, what+"; no dead letter is pending now: they were replayed or discarded")
		default:
			m.resolve(ctx, key, what)
		}
	}

	// Dead-letter depth.
	key = alertKey(KindDeadLetters, p.Name)
	if pending >= int64(r.deadLetters) {
		m.fire(ctx, KindDeadLetters, p.Name, fmt.Sprintf("pipeline %s has %d pending dead letters (threshold %d); see cxhub dlq list -p %s",
			p.Name, pending, r.deadLetters, p.Name))
	} else {
		m.resolve(ctx, key, fmt.Sprintf("pipeline %s has %d pending dead letters (threshold %d)", p.Name, pending, r.deadLetters))
	}

	// A hung plugin is over once the pipeline succeeds after the alert.
	key = alertKey(KindPluginHung, p.Name)
	if a, ok := m.firingAlert(key); ok && lastSuccess.After(a.FiredAt) {
		m.resolve(ctx, key, fmt.Sprintf("pipeline %s succeeded at %s", p.Name, lastSuccess.UTC().Format(time.RFC3339)))
	}
	return nil
}

// resolveGone resolves the alerts about connections and pipelines that
// the config no longer has.
func (m *Monitor) resolveGone(ctx context.Context, cfg *config.Config) {
	m.mu.Lock()
	var gone []state.Alert
	for _, a := range m.firing {
		_, isPipeline := cfg.Pipeline(a.Subject)
		_, isConn := cfg.Connections[a.Subject]
		if pipelineKinds[a.Kind] && !isPipeline || a.Kind == KindConnectionFailing && !isConn {
			gone = append(gone, a)
		}
	}
	m.mu.Unlock()
	for _, a := range gone {
		what := "pipeline"
		if a.Kind == KindConnectionFailing {
			what = "connection"
		}
		m.resolve(ctx, a.Key, fmt.Sprintf("%s %s is no longer in the config", what, a.Subject))
	}
}

// percent writes a share as a percentage, without needless decimals.
func percent(x float64) string {
	s := strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.1f", x*100), "0"), ".")
	return s + "%"
}
