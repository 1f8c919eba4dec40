package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
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
	var force bool
	cmd := &cobra.Command{
		Use:   "sync [pipeline...]",
		Short: "Run pipelines once: everything changed since each one's last checkpoint",
		Long: "Run the named pipelines (all of them if none is named), one after the other. Each resumes from its\n" +
			"last checkpoint. Exits 1 if any run failed. On a terminal, live progress is shown on stderr.\n\n" +
			"A pipeline an operator paused (cxhub pause, the API or the dashboard) is not run: named, the command\n" +
			"refuses and runs nothing; unnamed, it is skipped with a note on stderr. --force runs it anyway, once,\n" +
			"and leaves it paused.",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.prepareRuns(cmd); err != nil {
				return err
			}
			names, err := a.h().Pipelines(args)
			if err != nil {
				return err
			}
			if !force {
				if names, err = a.unpaused(cmd.Context(), names, len(args) > 0); err != nil {
					return err
				}
				if len(names) == 0 && !a.json() {
					return nil // every pipeline is paused: the notes said so
				}
			}
			return a.runAll(cmd.Context(), names, a.h().Sync)
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "run the named pipelines even if an operator paused them (they stay paused)")
	return cmd
}

// unpaused returns names without the pipelines an operator paused. When
// the pipelines were named (named), a paused one is an error instead:
// the operator asked for exactly these runs, so none runs. Skipped ones
// are noted on stderr.
func (a *app) unpaused(ctx context.Context, names []string, named bool) ([]string, error) {
	st, err := a.h().Store()
	if err != nil {
		return nil, err
	}
	paused, err := st.Paused(ctx)
	if err != nil {
		return nil, fmt.Errorf("read which pipelines are paused: %w", err)
	}
	cfg, err := a.h().Config()
	if err != nil {
		return nil, err
	}
	var out, held []string
	for _, n := range names {
		if paused[n] {
			held = append(held, n)
		} else {
			out = append(out, n)
		}
	}
	if len(held) == 0 {
		return names, nil
	}
	if named {
		var msgs []string
		for _, n := range held {
			msgs = append(msgs, pausedMessage(cfg.File, n))
		}
		return nil, fmt.Errorf("%s; nothing was run", strings.Join(msgs, "; "))
	}
	for _, n := range held {
		fmt.Fprintf(a.opts.stderr, "%s: skipped: %s\n", n, pausedMessage(cfg.File, n))
	}
	return out, nil
}

// pausedMessage says that a pipeline is paused and how to resume or
// force it.
func pausedMessage(configFile, pipeline string) string {
	return fmt.Sprintf("pipeline %s is paused (an operator paused it with cxhub pause, the API or the dashboard); "+
		"resume it with `%s` (or POST /api/v1/pipelines/%s/resume while cxhub serve runs), or run it once anyway with `%s`",
		pipeline, cxhubCommand(configFile, "resume", pipeline), pipeline, cxhubCommand(configFile, "sync", "--force", pipeline))
}

// cxhubCommand is the command line that runs cxhub with args on the config
// at configFile, as a POSIX shell takes it.
func cxhubCommand(configFile string, args ...string) string {
	words := []string{"cxhub", "-c", shellQuote(configFile)}
	for _, arg := range args {
		words = append(words, shellQuote(arg))
	}
	return strings.Join(words, " ")
}

// shellQuote quotes s for a POSIX shell if it needs it.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@%+=,", r))
	}) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// newPauseCmd returns `cxhub pause` (paused true) or `cxhub resume`.
func newPauseCmd(a *app, paused bool) *cobra.Command {
	use, short, did := "pause <pipeline>...", "Pause pipelines: no schedule, sync, trigger or pushed record runs them until resumed", "paused"
	if !paused {
		use, short, did = "resume <pipeline>...", "Resume paused pipelines: they run on their schedules again", "resumed"
	}
	return &cobra.Command{
		Use:   use,
		Short: short,
		Long: short + ".\nThe pause is kept in the state, as the API's pause does, so `cxhub serve` and `cxhub run` see it at\n" +
			"their next tick. With a SQLite state, this command cannot write it while cxhub serve or run holds it:\n" +
			"use the API of cxhub serve (POST /api/v1/pipelines/<name>/" + map[bool]string{true: "pause", false: "resume"}[paused] + ") or the dashboard then, or stop cxhub run.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.h().Config()
			if err != nil {
				return a.reportConfigError(err)
			}
			for _, n := range args {
				if _, ok := cfg.Pipeline(n); !ok {
					return fmt.Errorf("no pipeline named %q in %s", n, cfg.File)
				}
			}
			st, err := a.h().Store()
			if err != nil {
				return err
			}
			for _, n := range args {
				if err := st.SetPaused(cmd.Context(), n, paused); err != nil {
					return fmt.Errorf("%s %s: %w", map[bool]string{true: "pause", false: "resume"}[paused], n, err)
				}
			}
			if a.json() {
				out := make([]map[string]any, len(args))
				for i, n := range args {
					out[i] = map[string]any{"pipeline": n, "paused": paused}
				}
				return printJSON(a.opts.stdout, out)
			}
			for _, n := range args {
				fmt.Fprintf(a.opts.stdout, "%s: %s\n", n, did)
			}
			return nil
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
