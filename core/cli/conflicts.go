package cli

import (
	"fmt"

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
			if _, err := a.h().Config(); err != nil {
				return a.reportConfigError(err)
			}
			cs, err := a.h().Conflicts(cmd.Context(), sync, limit)
			if err != nil {
				return err
			}
			if a.json() {
				return printJSON(a.opts.stdout, cs)
			}
			t := newTable(a.opts.stdout, "ID", "SYNC", "OBJECT", "FIELD", "A", "B", "RULE", "KEPT", "RUN", "AT")
			for _, c := range cs {
				t.row(fmt.Sprint(c.ID), c.Sync, truncate(c.Connection+"."+c.Stream+"/"+c.Key, 40), c.Field,
					truncate(c.ValueA, 30), truncate(c.ValueB, 30), c.Rule, c.Winner, fmt.Sprint(c.RunID), formatTime(c.CreatedAt))
			}
			t.flush()
			return nil
		},
	}
	list.Flags().StringVarP(&sync, "sync", "s", "", "only this sync's conflicts")
	list.Flags().IntVarP(&limit, "limit", "n", 50, "at most this many (0: all)")
	cmd.AddCommand(list)
	return cmd
}
