package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/cxhub/cxhub/core/engine"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// prepareRuns validates the config, verifies and checks the connectors and
// opens the state for writing (refused while another process writes it),
// before any run starts.
func (a *app) prepareRuns(cmd *cobra.Command) error {
	if _, err := a.h().Runner(cmd.Context()); err != nil {
		return a.reportConfigError(err)
	}
	return nil
}

func newSyncCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "sync [pipeline...]",
		Short: "Run pipelines once: everything changed since each one's last checkpoint",
		Long: "Run the named pipelines (all of them if none is named), one after the other. Each resumes from its\n" +
			"last checkpoint. Exits 1 if any run failed. On a terminal, live progress is shown on stderr.",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.prepareRuns(cmd); err != nil {
				return err
			}
			names, err := a.h().Pipelines(args)
			if err != nil {
				return err
			}
			return a.runAll(cmd.Context(), names, a.h().Sync)
		},
	}
}

// runAll runs each pipeline with run, shows progress, and prints a summary.
func (a *app) runAll(ctx context.Context, names []string, run func(context.Context, string) engine.Result) error {
	prog := newProgress(a.opts.stderr, !a.json())
	defer a.h().Subscribe(prog.update)()
	var results []engine.Result
	failed := false
	for _, n := range names {
		if ctx.Err() != nil {
			break
		}
		res := run(ctx, n)
		prog.done()
		results = append(results, res)
		failed = failed || res.Err != nil
	}
	if a.json() {
		out := make([]map[string]any, len(results))
		for i, res := range results {
			m := map[string]any{"pipeline": res.Pipeline, "run": res.RunID, "status": res.Status,
				"counts": res.Counts, "duration_ms": res.Duration.Milliseconds()}
			if res.Err != nil {
				m["error"] = a.redact(res.Err.Error())
			}
			out[i] = m
		}
		_ = printJSON(a.opts.stdout, out)
	} else {
		t := newTable(a.opts.stdout, "PIPELINE", "RUN", "STATUS", "READ", "WRITTEN", "CREATED", "UPDATED", "FILTERED", "DEAD", "RETRIES", "DURATION")
		for _, res := range results {
			c := res.Counts
			t.row(res.Pipeline, fmt.Sprint(res.RunID), string(res.Status), fmt.Sprint(c.Read), fmt.Sprint(c.Written),
				fmt.Sprint(c.Created), fmt.Sprint(c.Updated), fmt.Sprint(c.Filtered), fmt.Sprint(c.DeadLettered),
				fmt.Sprint(c.Retries), res.Duration.Round(time.Millisecond).String())
		}
		t.flush()
		for _, res := range results {
			if res.Err != nil {
				fmt.Fprintf(a.opts.stderr, "%s: %s\n", res.Pipeline, a.redact(res.Err.Error()))
			}
			if res.Counts.DeadLettered > 0 {
				fmt.Fprintf(a.opts.stderr, "%s: %d record(s) dead-lettered: see `cxhub dlq list --pipeline %s`\n",
					res.Pipeline, res.Counts.DeadLettered, res.Pipeline)
			}
		}
	}
	if failed {
		return errReported
	}
	return ctx.Err()
}

// progress draws one live line per run on a terminal.
type progress struct {
	mu   sync.Mutex
	w    io.Writer
	on   bool
	last time.Time
	drew bool
}

func newProgress(w io.Writer, wanted bool) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, on: wanted && ok && term.IsTerminal(int(f.Fd()))}
}

func (p *progress) update(e engine.Event) {
	if !p.on || e.Kind != engine.EventBatchCommitted {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	c := e.Total
	rate := 0.0
	if s := e.Elapsed.Seconds(); s > 0 {
		rate = float64(c.Read) / s
	}
	fmt.Fprintf(p.w, "\r\033[K%s  read %d  written %d  filtered %d  dead %d  retries %d  %.0f rec/s",
		e.Pipeline, c.Read, c.Written, c.Filtered, c.DeadLettered, c.Retries, rate)
	p.drew = true
}

func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drew {
		fmt.Fprint(p.w, "\r\033[K")
		p.drew = false
	}
	p.last = time.Time{}
}
