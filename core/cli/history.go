package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/state"
	"github.com/spf13/cobra"
)

// readState loads the config and opens the state read-only: read commands
// work while another cxhub process syncs. The store is nil when the state
// does not exist yet (nothing has run with this config): a read-only
// command then shows nothing rather than create the state file.
func (a *app) readState() (*config.Config, state.Store, error) {
	cfg, err := a.h().Config()
	if err != nil {
		return nil, nil, a.reportConfigError(err)
	}
	if noStateYet(cfg) {
		return cfg, nil, nil
	}
	st, err := a.h().ReadStore()
	if err != nil {
		return nil, nil, err
	}
	return cfg, st, nil
}

// noStateYet reports whether the config's state does not exist yet: a
// SQLite state file that no command has created, because nothing has run
// with this config. (Any other trouble with the path is left to the
// store's open, which says what is wrong.)
func noStateYet(cfg *config.Config) bool {
	if cfg.State.Driver != "" && cfg.State.Driver != "sqlite" {
		return false
	}
	_, err := os.Stat(cfg.State.Path)
	return errors.Is(err, fs.ErrNotExist)
}

// nothingYet is what a read-only command prints, instead of an empty
// table, when the state does not exist yet.
func (a *app) nothingYet(cfg *config.Config, what string) {
	fmt.Fprintf(a.opts.stdout, "No %s yet: nothing has run with %s (its state file %s does not exist yet).\n", what, cfg.File, cfg.State.Path)
}

func newRunsCmd(a *app) *cobra.Command {
	var pipeline string
	var limit int
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "List recent runs with their status and counts, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 1 {
				return fmt.Errorf("--limit: expected 1 or more, got %d", limit)
			}
			cfg, st, err := a.readState()
			if err != nil {
				return err
			}
			runs := []state.Run{}
			if st != nil {
				if runs, err = st.Runs(cmd.Context(), state.RunFilter{Pipeline: pipeline, Limit: limit}); err != nil {
					return err
				}
			}
			if _, known := cfg.Pipeline(pipeline); pipeline != "" && !known && len(runs) == 0 {
				return fmt.Errorf("no pipeline named %q in %s, and no runs of one", pipeline, cfg.File)
			}
			if a.json() {
				if runs == nil {
					runs = []state.Run{} // a list, never null
				}
				return printJSON(a.opts.stdout, runs)
			}
			if st == nil {
				a.nothingYet(cfg, "runs")
				return nil
			}
			t := newTable(a.opts.stdout, "RUN", "PIPELINE", "STATUS", "STARTED", "FINISHED", "READ", "WRITTEN", "UNCHANGED", "ECHO", "FILTERED", "DEAD", "RETRIES", "RESTARTS", "ERROR")
			for _, r := range runs {
				c := r.Counts
				t.row(fmt.Sprint(r.ID), r.Pipeline, string(r.Status), formatTime(r.StartedAt), formatTime(r.FinishedAt),
					fmt.Sprint(c.Read), fmt.Sprint(c.Written), fmt.Sprint(c.Unchanged), fmt.Sprint(c.Echo), fmt.Sprint(c.Filtered), fmt.Sprint(c.DeadLettered),
					fmt.Sprint(c.Retries), fmt.Sprint(c.Restarts), dash(a.cell(r.Error, 60)))
			}
			t.flush()
			return nil
		},
	}
	cmd.Flags().StringVarP(&pipeline, "pipeline", "p", "", "only this pipeline's runs")
	cmd.Flags().IntVarP(&limit, "limit", "n", 20, "how many runs, newest first (at least 1)")
	return cmd
}

func newStateCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "state", Short: "Show or reset pipelines' checkpoints"}
	cmd.AddCommand(&cobra.Command{
		Use:   "show [pipeline]",
		Short: "Show the persisted checkpoints (of one pipeline, or all)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, st, err := a.readState()
			if err != nil {
				return err
			}
			pipeline := ""
			if len(args) == 1 {
				pipeline = args[0]
			}
			cps := []state.Checkpoint{}
			if st != nil {
				if cps, err = st.ListCheckpoints(cmd.Context(), pipeline); err != nil {
					return err
				}
			}
			if _, known := cfg.Pipeline(pipeline); pipeline != "" && !known && len(cps) == 0 {
				return fmt.Errorf("no pipeline named %q in %s, and no checkpoints of one", pipeline, cfg.File)
			}
			if a.json() {
				out := make([]map[string]any, len(cps))
				for i, c := range cps {
					out[i] = map[string]any{"pipeline": c.Pipeline, "stream": c.Stream, "state": string(c.State), "updated_at": c.UpdatedAt}
				}
				return printJSON(a.opts.stdout, out)
			}
			if st == nil {
				a.nothingYet(cfg, "checkpoints")
				return nil
			}
			t := newTable(a.opts.stdout, "PIPELINE", "STREAM", "UPDATED", "STATE")
			for _, c := range cps {
				t.row(c.Pipeline, c.Stream, formatTime(c.UpdatedAt), a.cell(string(c.State), 100))
			}
			t.flush()
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "reset <pipeline>",
		Short: "Forget a pipeline's checkpoints: its next sync reads everything again",
		Long: "Forget a pipeline's checkpoints. The next sync reads the source from the start; destinations write\n" +
			"idempotently and links are kept, so this re-sends records without duplicating them.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.h().Config()
			if err != nil {
				return a.reportConfigError(err)
			}
			if _, ok := cfg.Pipeline(args[0]); !ok {
				return fmt.Errorf("no pipeline named %q in %s", args[0], cfg.File)
			}
			n, err := a.h().ResetCheckpoints(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if a.json() {
				return printJSON(a.opts.stdout, map[string]any{"pipeline": args[0], "checkpoints_removed": n})
			}
			fmt.Fprintf(a.opts.stdout, "%s: %d checkpoint(s) removed; the next sync reads from the start\n", args[0], n)
			return nil
		},
	})
	return cmd
}
