package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/sdk"
)

// DeliverPushed takes the pipeline's share of the inbox — records pushed to
// its source connection and stream (verified webhooks), stored before their
// sender was answered — to their outcome, like Sync does with records it
// reads: mapped, filtered, staged, written or dead-lettered. Each batch's
// outcome is committed together with the pipeline's inbox cursor, so a
// crash at any moment re-delivers from the last committed entry and loses
// none. The caller runs one operation of a pipeline at a time.
func (r *Runner) DeliverPushed(ctx context.Context, name string) Result {
	return r.run(ctx, name, SourcePushed, func(ctx context.Context, p *pipeline, t *tally) error {
		return r.deliverOnce(ctx, p, t)
	})
}

func (r *Runner) deliverOnce(ctx context.Context, p *pipeline, t *tally) (err error) {
	ctx, cancel, wd := r.startWatchdog(ctx, t)
	defer cancel()
	defer func() {
		if hung := hungCause(ctx); hung != nil {
			err = hung
		}
	}()
	cursor, err := r.Store.InboxCursor(ctx, p.cfg.Name)
	if err != nil {
		return final(fmt.Errorf("read inbox cursor: %w", err))
	}
	entries, err := r.Store.ReadInbox(ctx, p.from.Name, p.cfg.From.Stream, cursor, p.cfg.BatchSize)
	if err != nil || len(entries) == 0 {
		if err != nil {
			err = final(fmt.Errorf("read inbox: %w", err))
		}
		return err
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
	closed := false
	defer func() {
		if !closed {
			_ = closeWriter(ctx, w)
		}
	}()
	bw := r.newBatchWriter(p, t, w)
	bw.wd = wd
	if bw.peeked, err = r.peek(ctx, p, dst, wd); err != nil {
		return err // conflicts are looked for as in a read run
	}
	for len(entries) > 0 {
		recs := make([]sdk.Record, len(entries))
		for i, e := range entries {
			recs[i] = recordOfEntry(e)
		}
		c, seq, err := bw.processNext(ctx, recs)
		if err != nil {
			return err
		}
		c.InboxCursor = entries[len(entries)-1].ID
		if err := r.commit(context.WithoutCancel(ctx), t, c); err != nil {
			return err
		}
		bw.committed(seq, c.Links)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if entries, err = r.Store.ReadInbox(ctx, p.from.Name, p.cfg.From.Stream, c.InboxCursor, p.cfg.BatchSize); err != nil {
			return final(fmt.Errorf("read inbox: %w", err))
		}
	}
	closed = true
	if err := w.Close(ctx); err != nil {
		return fmt.Errorf("close writer for %s.%s: %w", p.to.Name, p.cfg.To.Stream, err)
	}
	return nil
}

// recordOfEntry is the record an inbox entry holds.
func recordOfEntry(e state.InboxEntry) sdk.Record {
	op := sdk.Upsert
	if e.Op == sdk.Delete.String() {
		op = sdk.Delete
	}
	return sdk.Record{Stream: e.Stream, Key: e.Key, Op: op, Data: e.Data, UpdatedAt: e.UpdatedAt, Problem: e.Problem}
}

// EntriesOf turns the records a connection's webhook handler verified into
// inbox entries of that connection, from one delivery.
func EntriesOf(connection, deliveryID string, recs []sdk.Record) ([]state.InboxEntry, error) {
	out := make([]state.InboxEntry, 0, len(recs))
	for _, r := range recs {
		if r.Stream == "" {
			return nil, errors.New("a pushed record has no stream")
		}
		key := r.Key
		if key == "" && r.Problem == "" {
			key = keyless(r.Data)
			r.Problem = "the webhook gave the record no key"
		}
		if key == "" {
			key = keyless(r.Data)
		}
		if len(key) > sdk.MaxKeyBytes {
			// The inbox indexes keys, and PostgreSQL's indexes refuse long
			// entries: the record is stored under a stand-in key, as a
			// problem the pipeline dead-letters.
			if r.Problem == "" {
				r.Problem = sdk.KeyTooLong(key)
			}
			key = keyless([]byte(key))
		}
		out = append(out, state.InboxEntry{Connection: connection, Stream: r.Stream, Key: key, Op: r.Op.String(),
			Data: r.Data, UpdatedAt: r.UpdatedAt, DeliveryID: deliveryID, Problem: r.Problem})
	}
	return out, nil
}
