package engine

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/sdk"
)

// ResolveConflict settles a parked conflict (rule manual) with a person's
// choice: take is the side whose value is kept, "a" or "b". The value is
// written to the other side by the sync's pipeline that writes there, as a
// replay run of it, and the choice is committed with the write; the
// conflict's field then moves again in both directions.
func (r *Runner) ResolveConflict(ctx context.Context, id int64, take string) Result {
	if take != "a" && take != "b" {
		return Result{Err: sdk.ConfigError(fmt.Errorf("conflict %d: take a or b, not %q", id, take))}
	}
	found, err := r.Store.Conflicts(ctx, state.ConflictFilter{ID: id})
	if err != nil {
		return Result{Err: fmt.Errorf("look up conflict %d: %w", id, err)}
	}
	if len(found) == 0 {
		return Result{Err: fmt.Errorf("conflict %d: %w", id, state.ErrNotFound)}
	}
	c := found[0]
	if c.Winner != "" {
		return Result{Err: fmt.Errorf("conflict %d was settled already: %s's value was kept", id, c.Winner)}
	}
	loser := "a"
	if take == "a" {
		loser = "b"
	}
	var name string
	for _, p := range r.Config.Pipelines {
		if p.Sync != nil && p.Sync.Sync == c.Sync && p.Sync.ToSide == loser {
			name = p.Name
		}
	}
	if name == "" {
		return Result{Err: sdk.ConfigError(fmt.Errorf("conflict %d: no sync %q in %s", id, c.Sync, r.Config.File))}
	}
	return r.run(ctx, name, SourceReplay, func(ctx context.Context, p *pipeline, t *tally) error {
		return r.resolveOnce(ctx, p, t, c, take)
	})
}

func (r *Runner) resolveOnce(ctx context.Context, p *pipeline, t *tally, c state.Conflict, take string) (err error) {
	// Watched as any run: a destination that hangs on the write is stopped
	// and the resolution retried, within the run's restart budget.
	ctx, cancel, _ := r.startWatchdog(ctx, t)
	defer cancel()
	defer func() {
		if hung := hungCause(ctx); hung != nil {
			err = hung
		}
	}()
	met, ok := r.Config.Pipeline(c.Pipeline)
	if !ok || met.Sync == nil {
		return final(sdk.ConfigError(fmt.Errorf("conflict %d: pipeline %s is no longer part of sync %s", c.ID, c.Pipeline, c.Sync)))
	}
	key := met.Sync.Fields[c.Field].Key
	var field string
	for n, f := range p.cfg.Sync.Fields {
		if f.Key == key && key != "" {
			field = n
		}
	}
	if field == "" {
		return final(sdk.ConfigError(fmt.Errorf("conflict %d: field %s is no longer mapped both ways by sync %s", c.ID, c.Field, c.Sync)))
	}
	value := c.ValueA
	if take == "b" {
		value = c.ValueB
	}
	// The pair of objects: side a's key is the conflict's; b's is linked.
	var a, b config.Endpoint
	for _, q := range []*config.Pipeline{p.cfg, met} {
		if q.Sync.ToSide == "b" {
			a, b = q.From, q.To
		} else {
			a, b = q.To, q.From
		}
	}
	links, err := r.Store.LookupLinks(ctx, a.Connection, a.Stream, b.Connection, b.Stream, []string{c.Key})
	if err != nil || links[c.Key] == "" {
		return final(fmt.Errorf("conflict %d: the linked object of %s/%s/%q: %v", c.ID, a.Connection, a.Stream, c.Key, err))
	}
	rec := sdk.Record{Stream: p.cfg.To.Stream, Op: sdk.Upsert, Key: c.Key, TargetID: links[c.Key]}
	if p.cfg.Sync.ToSide == "a" {
		rec.Key, rec.TargetID = links[c.Key], c.Key
	}
	fp := fingerprint{F: map[string]string{}}
	prev, err := r.Store.LookupFingerprints(ctx, p.fingerprintQuery(), []string{rec.Key})
	if err != nil {
		return final(fmt.Errorf("look up fingerprints: %w", err))
	}
	if raw, ok := prev[rec.Key]; ok {
		_ = json.Unmarshal(raw, &fp) // unreadable: start afresh
		if fp.F == nil {
			fp.F = map[string]string{}
		}
	}
	// The value, with the keys the destination finds its object by
	// (send_always), as last written there.
	send := map[string]json.RawMessage{field: json.RawMessage(value)}
	for n, f := range p.cfg.Sync.Fields {
		if v, ok := fp.K[f.Key]; ok && f.Always {
			send[n] = v
		}
	}
	if rec.Data, err = json.Marshal(send); err != nil {
		return final(fmt.Errorf("conflict %d: value %s: %w", c.ID, value, err))
	}
	fp.W = p.cfg.Sync.ToSide
	fp.F[key] = fieldHash([]byte(value))
	delete(fp.F, "?"+key)
	delete(fp.F, "!"+key)
	enc, err := json.Marshal(fp)
	if err != nil {
		return final(fmt.Errorf("encode fingerprint: %w", err))
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
	if err := mayWrite(ctx); err != nil {
		_ = closeWriter(ctx, w)
		return err
	}
	resp, err := w.Write(ctx, sdk.WriteRequest{Records: []sdk.Record{rec}})
	if cerr := closeWriter(ctx, w); err == nil && cerr != nil {
		err = fmt.Errorf("close writer for %s.%s: %w", p.to.Name, p.cfg.To.Stream, cerr)
	}
	if err == nil && len(resp.Results) != 1 {
		err = final(fmt.Errorf("connector bug: %d results for 1 record", len(resp.Results)))
	}
	if err == nil {
		err = resp.Results[0].Err
	}
	if err != nil {
		return fmt.Errorf("conflict %d: write %s to %s.%s: %w", c.ID, field, p.to.Name, p.cfg.To.Stream, err)
	}
	return r.commit(ctx, t, state.Commit{RunID: t.runID, Pipeline: p.cfg.Name,
		Links:  []state.Link{p.link(rec.Key, rec.TargetID, enc)},
		Chosen: []state.ConflictChoice{{ID: c.ID, Winner: take}},
		Counts: state.Counts{Written: 1, Updated: 1}})
}
