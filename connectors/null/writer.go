package null

import (
	"context"

	"github.com/cxhub/cxhub/sdk"
)

// idPrefix begins the id of every record when return_ids is on.
const idPrefix = "null-"

// writer counts what it is given and drops it. The core calls it from one
// goroutine at a time, as sdk.Writer allows.
type writer struct {
	stats     Stats
	returnIDs bool
	statsPath string // "" for none
	// ids is scratch space for a batch's ids, end to end.
	ids []byte
}

// Write answers every record as written, with the id null-<key> when
// return_ids is on, and never as created: null holds nothing, so nothing
// is ever new to it (a record written twice is answered the same twice).
// With ids, a batch costs one string for all of them, not one per record.
func (w *writer) Write(_ context.Context, req sdk.WriteRequest) (sdk.WriteResponse, error) {
	results := make([]sdk.Result, len(req.Records))
	var ids string
	if w.returnIDs {
		w.ids = w.ids[:0]
		for i := range req.Records {
			w.ids = append(w.ids, idPrefix...)
			w.ids = append(w.ids, req.Records[i].Key...)
		}
		ids = string(w.ids)
	}
	at := 0
	for i := range req.Records {
		r := &req.Records[i]
		w.stats.Records++
		if r.Op == sdk.Delete {
			w.stats.Deletes++
		}
		w.stats.Bytes += int64(len(r.Data))
		if w.returnIDs {
			end := at + len(idPrefix) + len(r.Key)
			results[i].ID = ids[at:end]
			at = end
		}
	}
	return sdk.WriteResponse{Results: results}, nil
}

// Close writes the writer's totals to its stats file, if it has one.
func (w *writer) Close(context.Context) error {
	if w.statsPath == "" {
		return nil
	}
	return writeStats(w.statsPath, w.stats)
}
