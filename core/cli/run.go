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
	"github.com/spf13/cobra"
)

func newRunCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "run [pipeline...]",
		Short: "Run pipelines on their schedules until stopped (SIGINT or SIGTERM)",
		Long: "Run the named pipelines (by default every pipeline that has a schedule) in the foreground: each runs\n" +
			"at once, then again `schedule` after its previous run finished, never overlapping itself. Pipelines\n" +
			"run side by side. A failed run is reported and retried at the next tick; it does not stop the others.\n" +
			"One line per finished run goes to stdout (-o json: one JSON object per line). SIGINT or SIGTERM stops\n" +
			"the scheduler: runs in flight are interrupted safely and resume from their checkpoints next time.",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.prepareRuns(cmd); err != nil {
				return err
			}
			cfg, err := a.h().Config()
			if err != nil {
				return err
			}
			schedules, err := schedulesOf(cfg, args)
			if err != nil {
				return err
			}
			if len(schedules) == 0 {
				return fmt.Errorf("no pipeline in %s has a schedule: add `schedule: 5m` to a pipeline, or use `cxhub sync`", cfg.File)
			}
			report := a.runReporter()
			var wg sync.WaitGroup
			for name, every := range schedules {
				wg.Add(1)
				go func() {
					defer wg.Done()
					schedule(cmd.Context(), every, func(ctx context.Context) { report(a.h().Sync(ctx, name)) })
				}()
			}
			wg.Wait()
			return nil
		},
	}
}

// schedulesOf returns the schedule of each pipeline to run.
func schedulesOf(cfg *config.Config, names []string) (map[string]time.Duration, error) {
	out := map[string]time.Duration{}
	if len(names) == 0 {
		for _, p := range cfg.Pipelines {
			if p.Schedule > 0 {
				out[p.Name] = p.Schedule
			}
		}
		return out, nil
	}
	for _, n := range names {
		p, ok := cfg.Pipeline(n)
		if !ok {
			return nil, fmt.Errorf("no pipeline named %q in %s", n, cfg.File)
		}
		if p.Schedule <= 0 {
			return nil, fmt.Errorf("pipeline %q has no schedule: add `schedule: 5m` to it, or use `cxhub sync %s`", n, n)
		}
		out[n] = p.Schedule
	}
	return out, nil
}

// schedule calls run at once, then every `every` after the previous call
// returned, until ctx ends.
func schedule(ctx context.Context, every time.Duration, run func(context.Context)) {
	for ctx.Err() == nil {
		run(ctx)
		t := time.NewTimer(every)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
	}
}

// runReporter returns a function that prints one line per finished run.
func (a *app) runReporter() func(engine.Result) {
	var mu sync.Mutex
	return func(res engine.Result) {
		mu.Lock()
		defer mu.Unlock()
		errText := ""
		if res.Err != nil {
			errText = a.redact(res.Err.Error())
		}
		if a.json() {
			line, _ := json.Marshal(map[string]any{"time": time.Now().UTC(), "pipeline": res.Pipeline, "run": res.RunID,
				"status": res.Status, "counts": res.Counts, "duration_ms": res.Duration.Milliseconds(), "error": errText})
			fmt.Fprintf(a.opts.stdout, "%s\n", line)
			return
		}
		c := res.Counts
		msg := fmt.Sprintf("%s  %s  run %d %s: read %d written %d filtered %d dead %d retries %d in %s",
			time.Now().Format(time.RFC3339), res.Pipeline, res.RunID, res.Status, c.Read, c.Written, c.Filtered,
			c.DeadLettered, c.Retries, res.Duration.Round(time.Millisecond))
		if errText != "" {
			msg += ": " + strings.ReplaceAll(errText, "\n", " ")
		}
		fmt.Fprintln(a.opts.stdout, msg)
	}
}
