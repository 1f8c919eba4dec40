package cli

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/cxhub/cxhub/core/engine"
	"github.com/cxhub/cxhub/core/hub"
	"github.com/cxhub/cxhub/core/state"
	"github.com/spf13/cobra"
)

func newDLQCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dlq",
		Short: "List, show, replay or discard dead letters: records that failed permanently",
	}
	var pipeline, status, kind string
	var limit int
	var after int64
	list := &cobra.Command{
		Use:   "list",
		Short: "List dead letters (pending by default), oldest first",
		Long: "List dead letters, oldest first, filtered by pipeline, status and kind (the reason: bad_record,\n" +
			"transient...) among all of them. With --limit, a list that stops at it with more to come ends with\n" +
			"the command for the next page, on stderr: the same with --after the last id listed.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch status {
			case "all", string(state.DeadLetterPending), string(state.DeadLetterReplayed), string(state.DeadLetterDiscarded):
			default:
				return fmt.Errorf("--status: expected pending, replayed, discarded or all, got %q", status)
			}
			if limit < 0 {
				return fmt.Errorf("--limit: expected 0 (all) or more, got %d", limit)
			}
			if after < 0 {
				return fmt.Errorf("--after: expected the last id of the page before (0: from the first), got %d", after)
			}
			if err := hub.CheckErrorKind(kind); err != nil {
				return fmt.Errorf("--kind: %w", err)
			}
			cfg, st, err := a.readState()
			if err != nil {
				return err
			}
			f := state.DeadLetterFilter{Pipeline: pipeline, Kind: kind, AfterID: after}
			if limit > 0 && limit < math.MaxInt {
				f.Limit = limit + 1 // one more: is there a next page?
			}
			if status != "all" {
				f.Status = state.DeadLetterStatus(status)
			}
			dls := []state.DeadLetter{}
			if st != nil {
				if dls, err = st.DeadLetters(cmd.Context(), f); err != nil {
					return err
				}
			}
			next := ""
			if limit > 0 && len(dls) > limit {
				dls = dls[:limit]
				next = nextDLQPage(cfg.File, pipeline, status, kind, limit, dls[limit-1].ID)
			}
			defer func() {
				if next != "" {
					fmt.Fprintf(a.opts.stderr, "%d listed; more match: the next page is `%s`\n", limit, next)
				}
			}()
			if _, known := cfg.Pipeline(pipeline); pipeline != "" && !known && len(dls) == 0 {
				// A pipeline removed from the config still lists its dead
				// letters; a name that is neither is a typo.
				var some []state.DeadLetter
				if st != nil {
					if some, err = st.DeadLetters(cmd.Context(), state.DeadLetterFilter{Pipeline: pipeline, Limit: 1}); err != nil {
						return err
					}
				}
				if len(some) == 0 {
					return fmt.Errorf("no pipeline named %q in %s, and no dead letters of one", pipeline, cfg.File)
				}
			}
			if a.json() {
				return printJSON(a.opts.stdout, deadLettersJSON(dls))
			}
			if st == nil {
				a.nothingYet(cfg, "dead letters")
				return nil
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
	list.Flags().StringVar(&kind, "kind", "", "only dead letters of this error kind (bad_record, transient, rate_limited, config, auth...)")
	list.Flags().IntVarP(&limit, "limit", "n", 0, "at most this many (0: all)")
	list.Flags().Int64Var(&after, "after", 0, "only dead letters with a larger id: the last id of the page before")

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
			"no longer pending or another pipeline's is refused: nothing is replayed and the command exits 1.\n\n" +
			"It prints how many dead letters it replayed and what became of them: written, dropped by the where\n" +
			"filter (then discarded), or failed again (still pending); it exits 1 if any failed again. With nothing\n" +
			"pending it says so and starts no run.",
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
			st, err := a.h().Store()
			if err != nil {
				return err
			}
			// How many there are to replay: counted, not loaded, when all
			// of them are (there may be many, each with its record).
			todo := int64(len(ids)) // all pending: CheckDeadLetterIDs said so
			if len(ids) == 0 {
				if todo, err = st.CountDeadLetters(cmd.Context(), replayPipeline, state.DeadLetterPending); err != nil {
					return fmt.Errorf("count the dead letters to replay: %w", err)
				}
			}
			if todo == 0 {
				// No run to refuse it, so say first if a worker holds the
				// pipeline, as a replay with something to do would.
				if err := a.h().FreeToRun(cmd.Context(), replayPipeline); err != nil {
					return err
				}
				if a.json() {
					return printJSON(a.opts.stdout, []map[string]any{})
				}
				fmt.Fprintf(a.opts.stderr, "%s: no pending dead letters: nothing to replay\n", replayPipeline)
				return nil
			}
			res := a.h().Replay(cmd.Context(), replayPipeline, ids)
			left, err := st.CountDeadLetters(cmd.Context(), replayPipeline, state.DeadLetterPending)
			if err != nil {
				return err
			}
			a.printReplay(res, todo, left)
			if res.Err != nil || res.Counts.DeadLettered > 0 {
				return errReported
			}
			return cmd.Context().Err()
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
	cfg, st, err := a.readState()
	if err != nil {
		return nil, nil, err
	}
	if st == nil {
		return nil, nil, fmt.Errorf("no dead letter with id %d: nothing has run with %s yet (its state file %s does not exist)", ids[0], cfg.File, cfg.State.Path)
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
	ids := make([]int64, 0, len(args))
	for _, a := range args {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("%q is not a dead letter id (a positive number)", a)
		}
		if !slices.Contains(ids, id) { // an id given twice counts once
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// nextDLQPage is the dlq list command, on the config at configFile, of
// the page after the one that ended with id last.
func nextDLQPage(configFile, pipeline, status, kind string, limit int, last int64) string {
	args := []string{"dlq", "list"}
	if pipeline != "" {
		args = append(args, "-p", pipeline)
	}
	if status != string(state.DeadLetterPending) {
		args = append(args, "--status", status)
	}
	if kind != "" {
		args = append(args, "--kind", kind)
	}
	args = append(args, "-n", strconv.Itoa(limit), "--after", strconv.FormatInt(last, 10))
	return cxhubCommand(configFile, args...)
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

// printReplay prints what a replay of n dead letters did: how many were
// written, dropped by the filter (now discarded), left unchanged and
// failed again (still pending), and how many of the pipeline's dead
// letters are still pending (left). A replay reads nothing from the
// source, so the counters of a sync (read, dead-lettered) would mislead.
func (a *app) printReplay(res engine.Result, n, left int64) {
	c := res.Counts
	if a.json() {
		m := map[string]any{"pipeline": res.Pipeline, "run": res.RunID, "status": res.Status,
			"replayed": n, "written": c.Written, "created": c.Created, "updated": c.Updated, "unchanged": c.Unchanged,
			"filtered": c.Filtered, "failed_again": c.DeadLettered, "still_pending": left,
			"counts": c, "duration_ms": res.Duration.Milliseconds()}
		if res.Err != nil {
			m["error"] = a.redact(res.Err.Error())
		}
		_ = printJSON(a.opts.stdout, []map[string]any{m})
		return
	}
	t := newTable(a.opts.stdout, "PIPELINE", "RUN", "STATUS", "REPLAYED", "WRITTEN", "CREATED", "UPDATED", "UNCHANGED", "FILTERED", "FAILED AGAIN", "RETRIES", "DURATION")
	t.row(res.Pipeline, fmt.Sprint(res.RunID), string(res.Status), fmt.Sprint(n), fmt.Sprint(c.Written), fmt.Sprint(c.Created),
		fmt.Sprint(c.Updated), fmt.Sprint(c.Unchanged), fmt.Sprint(c.Filtered), fmt.Sprint(c.DeadLettered), fmt.Sprint(c.Retries),
		res.Duration.Round(time.Millisecond).String())
	t.flush()
	if res.Err != nil {
		fmt.Fprintf(a.opts.stderr, "%s: %s\n", res.Pipeline, a.redact(res.Err.Error()))
	}
	msg := fmt.Sprintf("%s: replayed %d dead letter(s): %d written", res.Pipeline, n, c.Written)
	if c.Unchanged > 0 {
		msg += fmt.Sprintf(", %d already in the destination", c.Unchanged)
	}
	if c.Filtered > 0 {
		msg += fmt.Sprintf(", %d dropped by the where filter (now discarded)", c.Filtered)
	}
	msg += fmt.Sprintf(", %d failed again", c.DeadLettered)
	if c.DeadLettered > 0 {
		msg += fmt.Sprintf(" (still pending with their new error: see `cxhub dlq list --pipeline %s`)", res.Pipeline)
	}
	fmt.Fprintf(a.opts.stderr, "%s; %d dead letter(s) of %s still pending\n", msg, left, res.Pipeline)
}
