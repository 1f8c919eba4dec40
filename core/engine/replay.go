package engine

import (
	"context"
	"fmt"

	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/sdk"
)

// Replay sends a pipeline's pending dead letters (all of them, or those
// with the given ids) through the pipeline again, with its current map,
// where and destination. A record written now is marked replayed; one the
// filter now drops is marked discarded; one that fails again stays pending
// with its new reason and a higher attempt count, and is counted as
// dead-lettered in the replay's run. A record the source could not read
// (SourceProblem) fails again with its reason: only a fix at the source,
// and a fresh read, mends it.
func (r *Runner) Replay(ctx context.Context, name string, ids []int64) Result {
	return r.run(ctx, name, SourceReplay, func(ctx context.Context, p *pipeline, t *tally) error {
		return r.replayOnce(ctx, p, t, ids)
	})
}

func (r *Runner) replayOnce(ctx context.Context, p *pipeline, t *tally, ids []int64) (err error) {
	ctx, cancel, wd := r.startWatchdog(ctx, t)
	defer cancel()
	defer func() {
		if hung := hungCause(ctx); hung != nil {
			err = hung
		}
	}()
	dls, err := r.Store.DeadLetters(ctx, state.DeadLetterFilter{Pipeline: p.cfg.Name, Status: state.DeadLetterPending, IDs: ids})
	if err != nil {
		return final(fmt.Errorf("list dead letters: %w", err))
	}
	if len(dls) == 0 {
		return nil
	}
	_, dst, stop, err := r.open(ctx, p, false)
	defer stop()
	if err != nil {
		return err
	}
	w, err := dst.OpenWriter(ctx, sdk.OpenWriterRequest{Config: sdk.Config(p.to.Config), Stream: p.cfg.To.Stream})
	if err != nil {
		return fmt.Errorf("open writer for %s.%s: %w", p.to.Name, p.cfg.To.Stream, err)
	}
	bw := r.newBatchWriter(p, t, w)
	bw.wd = wd
	if bw.peeked, err = r.peek(ctx, p, dst, wd); err != nil {
		_ = closeWriter(ctx, w)
		return err // conflicts are looked for as in a read run
	}
	for start := 0; start < len(dls); start += p.cfg.BatchSize {
		chunk := dls[start:min(start+p.cfg.BatchSize, len(dls))]
		recs := make([]sdk.Record, len(chunk))
		for i, dl := range chunk {
			op := sdk.Upsert
			if dl.Op == sdk.Delete.String() {
				op = sdk.Delete
			}
			recs[i] = sdk.Record{Stream: dl.Stream, Key: dl.Key, Op: op, Data: dl.Data, UpdatedAt: dl.UpdatedAt}
			if dl.SourceProblem {
				recs[i].Problem = dl.Error
			}
		}
		c, err := bw.process(ctx, recs, chunk)
		if err != nil {
			_ = closeWriter(ctx, w)
			return err
		}
		if err := r.commit(ctx, t, c); err != nil {
			_ = closeWriter(ctx, w)
			return err
		}
	}
	if err := w.Close(ctx); err != nil {
		return fmt.Errorf("close writer for %s.%s: %w", p.to.Name, p.cfg.To.Stream, err)
	}
	return nil
}
