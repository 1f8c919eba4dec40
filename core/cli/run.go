package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/engine"
	"github.com/cxhub/cxhub/core/hub"
	"github.com/cxhub/cxhub/core/server"
	"github.com/spf13/cobra"
)

func newRunCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "run [pipeline...]",
		Short: "Run pipelines on their schedules until stopped: cxhub serve without the HTTP listener",
		Long: "Run the named pipelines (by default every pipeline that has a schedule) in the foreground on their\n" +
			"schedules, exactly as `cxhub serve` does, but without its HTTP listener (no API, webhooks or metrics).\n" +
			"Pipelines run side by side, never one twice at once. One line per finished run goes to stdout (-o json:\n" +
			"one JSON object per line). SIGINT or SIGTERM stops: runs in flight commit what they finished and\n" +
			"resume from their checkpoints next time.",
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.h().Config()
			if err != nil {
				return a.reportConfigError(err)
			}
			names, err := scheduledPipelines(cfg, args)
			if err != nil {
				return err
			}
			if err := a.notePaused(cmd.Context(), cfg.File, names); err != nil {
				return err
			}
			defer a.h().Subscribe(a.runReporter())()
			return a.serve(cmd.Context(), server.Options{NoListen: true, Only: names})
		},
	}
}

// notePaused says on stderr which of names an operator paused: run keeps
// them (a resume through the API or cxhub resume takes effect at their
// next tick) but does not run them, which would otherwise look like a hang.
func (a *app) notePaused(ctx context.Context, configFile string, names []string) error {
	st, err := a.h().ReadStore()
	if err != nil {
		return err
	}
	paused, err := st.Paused(ctx)
	if err != nil {
		return fmt.Errorf("read which pipelines are paused: %w", err)
	}
	for _, n := range names {
		if paused[n] {
			fmt.Fprintf(a.opts.stderr, "%s: paused: cxhub run does not run it until it is resumed with `%s` "+
				"(with a SQLite state, stop cxhub run first: it holds the state)\n", n, cxhubCommand(configFile, "resume", n))
		}
	}
	return nil
}

// scheduledPipelines returns the pipelines to run: the named ones, each of
// which must have a schedule, or every pipeline that has one.
func scheduledPipelines(cfg *config.Config, names []string) ([]string, error) {
	var out []string
	if len(names) == 0 {
		for _, p := range cfg.Pipelines {
			if p.Scheduled() {
				out = append(out, p.Name)
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("no pipeline in %s has a schedule: add `schedule: 5m` to a pipeline, or use `cxhub sync`", cfg.File)
		}
		return out, nil
	}
	for _, n := range names {
		p, ok := cfg.Pipeline(n)
		if !ok {
			return nil, fmt.Errorf("no pipeline named %q in %s", n, cfg.File)
		}
		if !p.Scheduled() {
			return nil, fmt.Errorf("pipeline %q has no schedule: add `schedule: 5m` to it, or use `cxhub sync %s`", n, n)
		}
	}
	return hub.Distinct(names), nil
}

// runReporter returns an event handler that prints one line per finished
// scheduled run.
func (a *app) runReporter() func(engine.Event) {
	var mu sync.Mutex
	return func(e engine.Event) {
		if e.Kind != engine.EventRunFinished {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		errText := ""
		if e.Err != nil {
			errText = a.redact(e.Err.Error())
		}
		if a.json() {
			line, _ := json.Marshal(map[string]any{"time": e.Time.UTC(), "pipeline": e.Pipeline, "run": e.RunID,
				"status": e.Status, "counts": e.Total, "duration_ms": e.Elapsed.Milliseconds(), "error": errText})
			fmt.Fprintf(a.opts.stdout, "%s\n", line)
			return
		}
		c := e.Total
		msg := fmt.Sprintf("%s  %s  run %d %s: read %d written %d filtered %d dead %d retries %d in %s",
			e.Time.Format(time.RFC3339), e.Pipeline, e.RunID, e.Status, c.Read, c.Written, c.Filtered,
			c.DeadLettered, c.Retries, e.Elapsed.Round(time.Millisecond))
		if errText != "" {
			msg += ": " + strings.ReplaceAll(errText, "\n", " ")
		}
		fmt.Fprintln(a.opts.stdout, msg)
	}
}
