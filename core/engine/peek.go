package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// A pipeline of a two-way sync writes only the fields that changed on its
// source. To tell when the other side changed the same field since the
// last sync — a conflict — it first reads what changed on its destination
// since the reverse pipeline last read it (a peek: nothing is written,
// no checkpoint moves), mapped as the reverse pipeline maps it.

// peeked is what changed on the other side of one pair of objects.
type peeked struct {
	fields    map[string]peekedField // by the field's key in the fingerprints
	updatedAt time.Time
}

type peekedField struct {
	hash string
	raw  string
}

// reverseOf returns the other pipeline of p's sync.
func (r *Runner) reverseOf(p *pipeline) (*pipeline, error) {
	for _, q := range r.Config.Pipelines {
		if q.Sync != nil && q.Sync.Sync == p.cfg.Sync.Sync && q.Name != p.cfg.Name {
			return r.prepare(q.Name)
		}
	}
	return nil, sdk.ConfigError(fmt.Errorf("pipeline %s: the other pipeline of sync %s is missing", p.cfg.Name, p.cfg.Sync.Sync))
}

// collector is an sdk.Emitter that keeps every record. Each batch and
// checkpoint is progress for the run's watchdog (nil: none): a long peek
// at a large change set is a read making progress, not a hang.
type collector struct {
	records []sdk.Record
	wd      *watchdog
}

func (c *collector) Emit(records ...sdk.Record) error {
	c.wd.progress()
	c.records = append(c.records, records...)
	return nil
}

func (c *collector) Checkpoint(string, []byte) error {
	c.wd.progress()
	return nil
}

// peekInboxPage is how many inbox entries peekInbox reads at a time.
const peekInboxPage = 1000

// peekInbox adds to got the records pushed to rp's source that rp has not
// delivered yet.
func (r *Runner) peekInbox(ctx context.Context, rp *pipeline, got *collector) error {
	cursor, err := r.Store.InboxCursor(ctx, rp.cfg.Name)
	if err != nil {
		return final(fmt.Errorf("peek: read inbox cursor of %s: %w", rp.cfg.Name, err))
	}
	for {
		entries, err := r.Store.ReadInbox(ctx, rp.from.Name, rp.cfg.From.Stream, cursor, peekInboxPage)
		if err != nil {
			return final(fmt.Errorf("peek: read inbox of %s: %w", rp.cfg.Name, err))
		}
		for _, e := range entries {
			got.records = append(got.records, recordOfEntry(e))
		}
		if len(entries) < peekInboxPage {
			return nil
		}
		cursor = entries[len(entries)-1].ID
	}
}

// peek reads the changes of p's destination, by anchor key; nil if p is
// not part of a sync or its destination cannot be read.
func (r *Runner) peek(ctx context.Context, p *pipeline, dst sdk.Destination, wd *watchdog) (map[string]*peeked, error) {
	if p.cfg.Sync == nil {
		return nil, nil
	}
	src, ok := dst.(sdk.Source)
	if !ok {
		return nil, nil
	}
	rp, err := r.reverseOf(p)
	if err != nil {
		return nil, err
	}
	states, err := r.Store.Checkpoints(ctx, rp.cfg.Name)
	if err != nil {
		return nil, final(fmt.Errorf("load checkpoints of %s: %w", rp.cfg.Name, err))
	}
	got := collector{wd: wd}
	err = src.Read(ctx, sdk.ReadRequest{
		Config:    sdk.Config(rp.from.Config),
		Streams:   []sdk.StreamState{{Stream: rp.cfg.From.Stream, State: states[rp.cfg.From.Stream]}},
		BatchSize: rp.cfg.BatchSize,
	}, &got)
	if err != nil {
		return nil, fmt.Errorf("peek at %s.%s: %w", rp.from.Name, rp.cfg.From.Stream, err)
	}
	// What webhooks pushed to the other pipeline and it has not delivered
	// yet are changes too, some the read does not show yet (Zendesk's
	// exports leave out the last minute). Of an object both show, the
	// later modified wins (the inbox's on a tie: it comes after).
	if err := r.peekInbox(ctx, rp, &got); err != nil {
		return nil, err
	}
	// The anchor is side a's key: the record's own when peeking at a, the
	// linked one when peeking at b.
	anchors := map[string]string{}
	if p.cfg.Sync.ToSide == "a" {
		for _, rec := range got.records {
			anchors[rec.Key] = rec.Key
		}
	} else if len(got.records) > 0 {
		keys := make([]string, 0, len(got.records))
		for _, rec := range got.records {
			keys = append(keys, rec.Key)
		}
		if anchors, err = r.Store.LookupLinks(ctx, rp.from.Name, rp.cfg.From.Stream, rp.to.Name, rp.cfg.To.Stream, keys); err != nil {
			return nil, final(fmt.Errorf("peek: look up links: %w", err))
		}
	}
	out := map[string]*peeked{}
	for _, rec := range got.records {
		anchor := anchors[rec.Key]
		if anchor == "" || rec.Op != sdk.Upsert || rec.Problem != "" || !rp.filter.Match(rec.Data) {
			continue
		}
		if seen, ok := out[anchor]; ok && seen.updatedAt.After(rec.UpdatedAt) {
			continue // an inbox entry older than what the read showed
		}
		mapped, err := rp.mapper.Apply(nil, rec.Data)
		if err != nil {
			continue // the reverse pipeline dead-letters it
		}
		pk := &peeked{fields: map[string]peekedField{}, updatedAt: rec.UpdatedAt}
		gjson.ParseBytes(mapped).ForEach(func(k, v gjson.Result) bool {
			if f, ok := rp.cfg.Sync.Fields[k.String()]; ok && f.Owner != "" && f.Owner != config.OwnerOnCreate {
				pk.fields[f.Key] = peekedField{hash: fieldHash([]byte(v.Raw)), raw: v.Raw}
			}
			return true
		})
		out[anchor] = pk
	}
	return out, nil
}
