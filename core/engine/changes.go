package engine

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// Change detection (docs/two-way.md): after mapping, a record whose content
// the destination already holds from us is not written (counted unchanged),
// and in a two-way sync a record that is only the echo of our own write to
// its source is not carried back (counted echo). What was written is
// remembered as a fingerprint of the mapped fields — not of the whole
// source record, so that a modified time the vendor stamps on every write
// changes nothing — committed with the write's link.
//
// A fingerprint is kept on the link of the write, written by the same
// statement. A plain pipeline fingerprints the whole mapped record, on its
// link to the destination object. The two pipelines of a sync share one
// fingerprint per pair of objects, on the link from side a's object, with
// a hash per field: a field mapped both ways as the identity has one key
// in both directions, so the value read back from b is recognised as the
// one written from a.

// fingerprint is the Data of a state.Fingerprint.
type fingerprint struct {
	// W is the side a sync last wrote to ("a" or "b"); "" for a plain pipeline.
	W string `json:"w,omitempty"`
	// F holds a hash per field key; a plain pipeline has one, "". A sync's
	// also holds markers by field key: "?key" a conflict parked for a
	// person, "!key" the hash of the other side's value that won a
	// conflict, "-<side>key" the hash of that side's value that lost it
	// (read again, by a webhook or a replay, it is no change).
	F map[string]string `json:"f"`
	// K holds the values of the send_always fields last written, by field
	// key: the keys a write settling a conflict must send too.
	K map[string]json.RawMessage `json:"k,omitempty"`
}

// fieldHash is a short hash of a field's JSON value.
func fieldHash(raw []byte) string {
	sum := sha256.Sum256(raw)
	return base64.RawStdEncoding.EncodeToString(sum[:12])
}

// fingerprintQuery is where p's fingerprints are: on the links of its
// pair of streams, for its scope (the pipeline, or its sync), found by the
// keys of the records p reads. The two pipelines of a sync share the
// links from side a: the pipeline writing to a finds them by their
// destination ids.
func (p *pipeline) fingerprintQuery() state.FingerprintQuery {
	q := state.FingerprintQuery{Scope: p.cfg.Name, SrcConnection: p.from.Name, SrcStream: p.cfg.From.Stream,
		DstConnection: p.to.Name, DstStream: p.cfg.To.Stream}
	if role := p.cfg.Sync; role != nil {
		q.Scope = role.Sync
		if role.ToSide == "a" {
			q.SrcConnection, q.SrcStream, q.DstConnection, q.DstStream = q.DstConnection, q.DstStream, q.SrcConnection, q.SrcStream
			q.ByDst = true
		}
	}
	return q
}

// link is the link between the record p read with key and the object id
// of p's destination, as fingerprintQuery finds it, carrying fp (nil: no
// new fingerprint).
func (p *pipeline) link(key, id string, fp []byte) state.Link {
	q := p.fingerprintQuery()
	l := state.Link{SrcConnection: q.SrcConnection, SrcStream: q.SrcStream, SrcKey: key,
		DstConnection: q.DstConnection, DstStream: q.DstStream, DstID: id}
	if q.ByDst {
		l.SrcKey, l.DstID = id, key
	}
	if fp != nil {
		l.Scope, l.Fingerprint = q.Scope, fp
	}
	return l
}

// linkEnds returns the key of the record p read and the id of the object
// in p's destination that l links (as p.link made it).
func (p *pipeline) linkEnds(l state.Link) (key, id string) {
	if p.cfg.Sync != nil && p.cfg.Sync.ToSide == "a" {
		return l.DstID, l.SrcKey
	}
	return l.SrcKey, l.DstID
}

// anchor is the connection and stream of side a of p's sync (or of p's
// destination): where conflicts name their object.
func (p *pipeline) anchor() (connection, stream string) {
	if role := p.cfg.Sync; role != nil && role.ToSide == "b" {
		return p.from.Name, p.cfg.From.Stream
	}
	return p.to.Name, p.cfg.To.Stream
}

// anchorKey is the key of side a's object of a sync's record, "" if it
// does not exist yet.
func (p *pipeline) anchorKey(rec *sdk.Record) string {
	if role := p.cfg.Sync; role != nil && role.ToSide == "b" {
		return rec.Key
	}
	return rec.TargetID
}

// skipUnchanged drops from out the records that need no write, counting
// them in c, and gives every other upsert the fingerprint its link
// commits; known holds the fingerprints of the linked keys (attachLookup).
// A replayed dead letter that needs no write is resolved as replayed.
func (b *batchWriter) skipUnchanged(out []outgoing, known map[string][]byte, replayOf []state.DeadLetter, c *state.Commit) ([]outgoing, error) {
	p := b.p
	kept := out[:0]
	for _, o := range out {
		if o.rec.Op != sdk.Upsert {
			if o.rec.TargetID != "" && p.cfg.Sync == nil {
				// What a deleted object held is no longer there.
				o.fp = []byte(`{"f":{}}`)
			}
			kept = append(kept, o)
			continue
		}
		var prev *fingerprint
		if data, ok := known[o.rec.Key]; ok && o.rec.TargetID != "" {
			prev = new(fingerprint)
			if err := json.Unmarshal(data, prev); err != nil {
				prev = nil // unreadable: as if there were none, the record is written
			}
		}
		d := b.decide(o.rec, p.anchorKey(&o.rec), prev)
		c.Conflicts = append(c.Conflicts, d.conflicts...)
		if d.skip {
			if d.echo {
				c.Counts.Echo++
			} else {
				c.Counts.Unchanged++
			}
			if d.dirty {
				// A conflict the other side won: remember the winner, so that
				// its value is carried back without a second conflict.
				enc, err := json.Marshal(d.next)
				if err != nil {
					return nil, final(fmt.Errorf("encode fingerprint: %w", err))
				}
				c.Links = append(c.Links, p.link(o.rec.Key, o.rec.TargetID, enc))
			}
			if replayOf != nil {
				c.Replayed = append(c.Replayed, replayOf[o.src].ID)
			}
			continue
		}
		o.rec.Data = d.data
		enc, err := d.encode()
		if err != nil {
			return nil, final(fmt.Errorf("encode fingerprint: %w", err))
		}
		o.fp = enc
		kept = append(kept, o)
	}
	return kept, nil
}

// decision is what to do with one mapped record.
type decision struct {
	plain     string       // a plain pipeline's: the hash of the record written
	next      *fingerprint // a sync's: the fingerprint once written
	data      []byte       // what to write
	skip      bool         // write nothing
	echo      bool         // skipped as the echo of our own write
	dirty     bool         // skipped, but next must be committed
	conflicts []state.Conflict
}

// decide returns what to do with rec, whose fingerprint is kept on the
// object anchor; prev is that fingerprint, nil if unknown.
func (b *batchWriter) decide(rec sdk.Record, anchor string, prev *fingerprint) decision {
	role := b.p.cfg.Sync
	if role == nil {
		h := fieldHash(rec.Data)
		if prev != nil && prev.F[""] == h {
			return decision{skip: true}
		}
		return decision{plain: h, data: rec.Data}
	}
	from := "a"
	if role.ToSide == "a" {
		from = "b"
	}
	create := rec.TargetID == ""
	d := decision{next: &fingerprint{W: role.ToSide, F: map[string]string{}}}
	if prev != nil {
		for k, v := range prev.F {
			d.next.F[k] = v
		}
		if len(prev.K) > 0 {
			d.next.K = map[string]json.RawMessage{}
			for k, v := range prev.K {
				d.next.K[k] = v
			}
		}
	}
	other := b.peeked[anchor]
	// Keep the fields to write, in their order.
	var fields []gjson.Result
	var names []string
	changed, total := false, 0
	gjson.ParseBytes(rec.Data).ForEach(func(k, v gjson.Result) bool {
		total++
		name := k.String()
		rule, ok := role.Fields[name]
		if !ok {
			rule = config.SyncField{Key: role.ToSide + ":" + name, Rule: config.SyncCarry}
		}
		h := fieldHash([]byte(v.Raw))
		send := create || rule.Always
		if _, parked := d.next.F["?"+rule.Key]; parked && !create {
			return true // a conflict waits for a person: neither side's value moves
		}
		// The value of this side that lost a conflict, read again (a
		// webhook and a read both carry the same edit; a replayed dead
		// letter): not a change.
		lostKey := "-" + from + rule.Key
		lost := prev != nil && prev.F[lostKey] == h
		if !create && rule.Rule == config.SyncCarry && !lost && (prev == nil || prev.F[rule.Key] != h) {
			if prev != nil && other != nil && rule.Owner != "" && prev.F["!"+rule.Key] != h {
				if o, ok := other.fields[rule.Key]; ok && o.hash != prev.F[rule.Key] && o.hash != h {
					winner := from
					switch {
					case rule.Owner == config.OwnerA || rule.Owner == config.OwnerB:
						winner = rule.Owner
					case rule.Owner == config.OwnerManual:
						winner = ""
					case !rec.UpdatedAt.IsZero() && other.updatedAt.After(rec.UpdatedAt):
						winner = role.ToSide
					}
					d.conflicts = append(d.conflicts, b.conflict(name, anchor, from, v.Raw, o.raw, rule.Owner, winner))
					if winner == "" {
						// Parked: written by neither side until a person chooses.
						d.next.F["?"+rule.Key] = "parked"
						d.dirty = true
						return true
					}
					if winner != from {
						// The other side's value stands: not written here,
						// carried from there by the other pipeline.
						d.next.F["!"+rule.Key] = o.hash
						d.next.F[lostKey] = h
						d.dirty = true
						return true
					}
				}
			}
			send, changed = true, true
			delete(d.next.F, "!"+rule.Key)
			delete(d.next.F, lostKey)
		}
		if send {
			d.next.F[rule.Key] = h
			if rule.Always {
				if d.next.K == nil {
					d.next.K = map[string]json.RawMessage{}
				}
				d.next.K[rule.Key] = json.RawMessage(v.Raw)
			}
			if create && v.Type == gjson.Null && carriedBack(rule, role.ToSide) {
				// Nothing to create it with. A destination that finds an
				// object it has already (by email) keeps the object's value,
				// which, differing from the null remembered, is carried back
				// as a change of that side next. A null the other side's
				// value would never replace (this side owns the field, or it
				// is mapped only this way) is written.
				return true
			}
			fields = append(fields, v)
			names = append(names, name)
		}
		return true
	})
	if !create && !changed {
		d.skip, d.echo = true, !d.dirty && prev != nil && prev.W == from
		return d
	}
	if len(fields) == total {
		d.data = rec.Data
		return d
	}
	out := make([]byte, 0, len(rec.Data))
	out = append(out, '{')
	for i, v := range fields {
		if i > 0 {
			out = append(out, ',')
		}
		name, _ := json.Marshal(names[i])
		out = append(out, name...)
		out = append(out, ':')
		out = append(out, v.Raw...)
	}
	d.data = append(out, '}')
	return d
}

// carriedBack reports whether the other pipeline of the sync carries the
// field's changes on the destination side (to) back: when the most recent
// change wins (latest, manual) or that side owns the field.
func carriedBack(rule config.SyncField, to string) bool {
	return rule.Owner == config.OwnerLatest || rule.Owner == config.OwnerManual || rule.Owner == to
}

// encode returns the fingerprint to commit with the write. A plain
// pipeline's, one per record written, is built without encoding/json.
func (d *decision) encode() ([]byte, error) {
	if d.next == nil {
		enc := make([]byte, 0, len(d.plain)+12)
		enc = append(enc, `{"f":{"":"`...)
		enc = append(enc, d.plain...)
		return append(enc, `"}}`...), nil
	}
	return json.Marshal(d.next)
}

// conflict is the record of a conflict on field (as written to this
// pipeline's destination) of the pair of objects anchored at anchor.
func (b *batchWriter) conflict(field, anchor, from, ours, theirs, owner, winner string) state.Conflict {
	conn, stream := b.p.anchor()
	c := state.Conflict{Sync: b.p.cfg.Sync.Sync, Pipeline: b.p.cfg.Name, Connection: conn, Stream: stream, Key: anchor,
		Field: field, ValueA: ours, ValueB: theirs, Rule: owner, Winner: winner}
	if from == "b" {
		c.ValueA, c.ValueB = theirs, ours
	}
	return c
}
