package cli

import (
	"fmt"

	"github.com/cxhub/cxhub/core/state"
	"github.com/spf13/cobra"
)

func newConflictsCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "conflicts",
		Short: "Conflicts of two-way syncs: fields both sides changed, and which value was kept",
	}
	var sync string
	var limit int
	list := &cobra.Command{
		Use:   "list",
		Short: "List conflicts, newest first, with both values",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 0 {
				return fmt.Errorf("--limit: expected 0 (all) or more, got %d", limit)
			}
			cfg, err := a.h().Config()
			if err != nil {
				return a.reportConfigError(err)
			}
			if noStateYet(cfg) {
				if _, known := cfg.SyncOf(sync); sync != "" && !known {
					return fmt.Errorf("no sync named %q in %s", sync, cfg.File)
				}
				if a.json() {
					return printJSON(a.opts.stdout, []state.Conflict{})
				}
				a.nothingYet(cfg, "conflicts")
				return nil
			}
			cs, err := a.h().Conflicts(cmd.Context(), sync, limit)
			if err != nil {
				return err
			}
			if a.json() {
				if cs == nil {
					cs = []state.Conflict{} // a list, never null
				}
				return printJSON(a.opts.stdout, cs)
			}
			t := newTable(a.opts.stdout, "ID", "SYNC", "OBJECT", "FIELD", "A", "B", "RULE", "KEPT", "RUN", "AT")
			for _, c := range cs {
				kept := c.Winner
				if kept == "" {
					kept = "parked"
				}
				t.row(fmt.Sprint(c.ID), c.Sync, truncate(c.Connection+"."+c.Stream+"/"+c.Key, 40), c.Field,
					truncate(c.ValueA, 30), truncate(c.ValueB, 30), c.Rule, kept, fmt.Sprint(c.RunID), formatTime(c.CreatedAt))
			}
			t.flush()
			return nil
		},
	}
	list.Flags().StringVarP(&sync, "sync", "s", "", "only this sync's conflicts")
	list.Flags().IntVarP(&limit, "limit", "n", 50, "at most this many (0: all)")
	var take string
	resolve := &cobra.Command{
		Use:   "resolve <id> --take a|b",
		Short: "Settle a parked conflict (rule manual): keep side a's or b's value, and write it to the other side",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := parseIDs(args)
			if err != nil {
				return err
			}
			if take != "a" && take != "b" {
				return fmt.Errorf("--take: expected a or b, got %q", take)
			}
			if _, err := a.h().Runner(cmd.Context()); err != nil {
				return a.reportConfigError(err)
			}
			res := a.h().ResolveConflict(cmd.Context(), ids[0], take)
			if res.Err != nil {
				return res.Err
			}
			if !a.json() {
				fmt.Fprintf(a.opts.stderr, "conflict %d: %s's value kept and written by %s\n", ids[0], take, res.Pipeline)
			}
			return nil
		},
	}
	resolve.Flags().StringVar(&take, "take", "", "the side whose value to keep: a or b")
	cmd.AddCommand(list, resolve)
	return cmd
}
