package cli

import (
	"context"
	"fmt"
	"strconv"

	"github.com/cxhub/cxhub/core/engine"
	"github.com/cxhub/cxhub/core/state"
	"github.com/spf13/cobra"
)

func newDLQCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dlq",
		Short: "List, show, replay or discard dead letters: records that failed permanently",
	}
	var pipeline, status string
	var limit int
	list := &cobra.Command{
		Use:   "list",
		Short: "List dead letters (pending by default)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, st, err := a.readState()
			if err != nil {
				return err
			}
			f := state.DeadLetterFilter{Pipeline: pipeline, Limit: limit}
			if status != "all" {
				f.Status = state.DeadLetterStatus(status)
			}
			dls, err := st.DeadLetters(cmd.Context(), f)
			if err != nil {
				return err
			}
			if a.json() {
				return printJSON(a.opts.stdout, deadLettersJSON(dls))
			}
			t := newTable(a.opts.stdout, "ID", "PIPELINE", "STREAM", "KEY", "STATUS", "KIND", "ATTEMPTS", "CREATED", "ERROR")
			for _, d := range dls {
				t.row(fmt.Sprint(d.ID), d.Pipeline, d.Stream, a.cell(d.Key, 30), string(d.Status), d.ErrorKind,
					fmt.Sprint(d.Attempts), formatTime(d.CreatedAt), a.cell(d.Error, 80))
			}
			t.flush()
			return nil
		},
	}
	list.Flags().StringVarP(&pipeline, "pipeline", "p", "", "only this pipeline's dead letters")
	list.Flags().StringVar(&status, "status", "pending", "pending, replayed, discarded or all")
	list.Flags().IntVarP(&limit, "limit", "n", 0, "at most this many (0: all)")

	show := &cobra.Command{
		Use:   "show <id>",
		Short: "Show one dead letter with its payload and error",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, dls, err := a.deadLettersByID(cmd.Context(), args)
			if err != nil {
				return err
			}
			if a.json() {
				return printJSON(a.opts.stdout, deadLettersJSON(dls)[0])
			}
			d := dls[0]
			fmt.Fprintf(a.opts.stdout, "id:        %d\npipeline:  %s\nrun:       %d\nstream:    %s\nkey:       %s\nop:        %s\n"+
				"status:    %s\nkind:      %s\nattempts:  %d\ncreated:   %s\nlast try:  %s\nerror:     %s\npayload:   %s\n",
				d.ID, d.Pipeline, d.RunID, d.Stream, d.Key, d.Op, d.Status, d.ErrorKind, d.Attempts,
				formatTime(d.CreatedAt), formatTime(d.LastTriedAt), d.Error, d.Data)
			return nil
		},
	}

	var replayPipeline string
	replay := &cobra.Command{
		Use:   "replay --pipeline <name> [id...]",
		Short: "Send pending dead letters through their pipeline again, with its current config",
		Long: "Replay a pipeline's pending dead letters (all, or the given ids) through the pipeline's current map,\n" +
			"where and destination: fix the config or the destination, then replay. Records written now are marked\n" +
			"replayed; records that fail again stay pending with their new error. An id that is no dead letter, one\n" +
			"no longer pending or another pipeline's is refused: nothing is replayed and the command exits 1.",
		RunE: func(cmd *cobra.Command, args []string) error {
			if replayPipeline == "" {
				return fmt.Errorf("--pipeline is required")
			}
			ids, err := parseIDs(args)
			if err != nil {
				return err
			}
			if _, err := a.h().Pipelines([]string{replayPipeline}); err != nil {
				return a.reportConfigError(err)
			}
			if _, err := a.h().Runner(cmd.Context()); err != nil {
				return a.reportConfigError(err)
			}
			// Ids that are no pending dead letter of the pipeline are not
			// silently skipped: nothing is replayed and the command fails.
			refused, err := a.h().CheckDeadLetterIDs(cmd.Context(), replayPipeline, ids)
			if err != nil {
				return err
			}
			if len(refused) > 0 {
				return fmt.Errorf("dlq replay --pipeline %s: %w; nothing was replayed", replayPipeline, refused)
			}
			var failedAgain int64
			replayIDs := func(ctx context.Context, name string) engine.Result {
				res := a.h().Replay(ctx, name, ids)
				failedAgain = res.Counts.DeadLettered
				return res
			}
			if err := a.runAll(cmd.Context(), []string{replayPipeline}, replayIDs); err != nil {
				return err
			}
			st, err := a.h().Store()
			if err != nil {
				return err
			}
			left, err := st.CountDeadLetters(cmd.Context(), replayPipeline, state.DeadLetterPending)
			if err != nil {
				return err
			}
			if !a.json() {
				fmt.Fprintf(a.opts.stderr, "%s: %d dead letter(s) still pending\n", replayPipeline, left)
			}
			if failedAgain > 0 {
				if !a.json() {
					fmt.Fprintf(a.opts.stderr, "%s: %d record(s) failed again: see `cxhub dlq list --pipeline %s`\n",
						replayPipeline, failedAgain, replayPipeline)
				}
				return errReported
			}
			return nil
		},
	}
	replay.Flags().StringVarP(&replayPipeline, "pipeline", "p", "", "the pipeline whose dead letters to replay")

	discard := &cobra.Command{
		Use:   "discard <id>...",
		Short: "Mark dead letters as discarded: they are kept for the record but never replayed",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, known, err := a.deadLettersByID(cmd.Context(), args)
			if err != nil {
				return err
			}
			var pending []int64
			for _, d := range known {
				if d.Status == state.DeadLetterPending {
					pending = append(pending, d.ID)
				} else if !a.json() {
					fmt.Fprintf(a.opts.stderr, "dead letter %d is already %s\n", d.ID, d.Status)
				}
			}
			n, err := a.h().Discard(cmd.Context(), pending)
			if err != nil {
				return err
			}
			if a.json() {
				return printJSON(a.opts.stdout, map[string]any{"discarded": n})
			}
			fmt.Fprintf(a.opts.stdout, "%d dead letter(s) discarded\n", n)
			return nil
		},
	}
	cmd.AddCommand(list, show, replay, discard)
	return cmd
}

// deadLettersByID returns the dead letters with the ids in args, in id
// order; an id that is not one is an error.
func (a *app) deadLettersByID(ctx context.Context, args []string) (state.Store, []state.DeadLetter, error) {
	ids, err := parseIDs(args)
	if err != nil {
		return nil, nil, err
	}
	_, st, err := a.readState()
	if err != nil {
		return nil, nil, err
	}
	dls, err := st.DeadLetters(ctx, state.DeadLetterFilter{IDs: ids})
	if err != nil {
		return nil, nil, err
	}
	found := make(map[int64]bool, len(dls))
	for _, d := range dls {
		found[d.ID] = true
	}
	for _, id := range ids {
		if !found[id] {
			return nil, nil, fmt.Errorf("no dead letter with id %d", id)
		}
	}
	return st, dls, nil
}

func parseIDs(args []string) ([]int64, error) {
	ids := make([]int64, len(args))
	for i, a := range args {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("%q is not a dead letter id (a positive number)", a)
		}
		ids[i] = id
	}
	return ids, nil
}

func deadLettersJSON(dls []state.DeadLetter) []map[string]any {
	out := make([]map[string]any, len(dls))
	for i, d := range dls {
		out[i] = map[string]any{"id": d.ID, "pipeline": d.Pipeline, "run": d.RunID, "stream": d.Stream, "key": d.Key,
			"op": d.Op, "status": d.Status, "error_kind": d.ErrorKind, "error": d.Error, "attempts": d.Attempts,
			"created_at": d.CreatedAt, "last_tried_at": d.LastTriedAt, "payload": string(d.Data)}
	}
	return out
}
