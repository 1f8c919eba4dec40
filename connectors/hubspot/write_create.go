package hubspot

import (
	"context"
	"fmt"
	"maps"

	"github.com/cxhub/cxhub/sdk"
)

// createOnce creates the objects of records the core has no link for
// (batch/create), so that one write session never makes two objects of
// one source record: the first record of a key is created, and the id
// HubSpot gives is kept (writer.made); a later record of that key — in
// the same batch (a source that changed twice between two syncs) or in a
// batch the core sends again because it failed — updates that object
// instead. It returns the outcome of every input, and the record indexes of
// the records written by update.
//
// A create is not idempotent. Its answer lost in transit is not retried
// (HubSpot may have made the object), and when the core retries the batch
// in a later session, or after a crash, the object is made again. A key
// property (company_key_property, note_key_property) removes that risk by
// upserting instead.
func (w *writer) createOnce(ctx context.Context, creates []pending) (map[int]outcome, []int, error) {
	var first, later []pending
	inBatch := map[string]bool{}
	for _, p := range creates {
		k := p.rec.Key
		if k != "" && (w.made[k] != "" || inBatch[k]) {
			later = append(later, p)
			continue
		}
		if k != "" {
			inBatch[k] = true
		}
		first = append(first, p)
	}
	out := map[int]outcome{}
	for _, chunk := range chunks(first) {
		got, err := w.send(ctx, opCreate, chunk)
		if err != nil {
			return nil, nil, err
		}
		for _, p := range chunk {
			if o := got[p.at]; o.err == nil && p.rec.Key != "" {
				w.made[p.rec.Key] = o.id
			}
		}
		maps.Copy(out, got)
	}
	var updates []pending
	var ats []int
	for _, p := range later {
		id := w.made[p.rec.Key]
		if id == "" {
			out[p.at] = outcome{err: sdk.Transient(fmt.Errorf("%s record %s: not written: the record of the same key before "+
				"it in this batch was not created, and this one would make another %s", w.obj.name, p.rec.Key, singular(w.obj.name)))}
			continue
		}
		updates = append(updates, pending{at: p.at, rec: p.rec, key: id,
			input: map[string]any{"id": id, "properties": p.input["properties"]}})
		ats = append(ats, p.at)
	}
	more, err := w.write(ctx, opUpdate, updates)
	if err != nil && ctx.Err() != nil {
		return nil, nil, ctx.Err()
	}
	if err != nil {
		// The creates are made: fail only the updates, so that the core
		// keeps the links of the objects made.
		for _, p := range updates {
			out[p.at] = outcome{err: err}
		}
		return out, nil, nil
	}
	maps.Copy(out, more)
	return out, ats, nil
}
