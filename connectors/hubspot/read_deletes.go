package hubspot

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
	"github.com/tidwall/gjson"
)

// deletions is where the deletes of a read with read_deletes start: the
// watermark of the checkpoint read from, in epoch milliseconds of
// archivedAt, and the objects archived at or after it already emitted.
//
// Every object archived before at was emitted as a delete, or was archived
// before the deletes were read at all; of those archived at or after it,
// seen holds the ones emitted, each with its archivedAt (an object archived
// again, after a restore, has a new one and comes again). A checkpoint
// without a watermark (written before read_deletes was turned on, or by a
// version without it) starts from its own date: the deletions after the
// time it covers, never every deletion HubSpot keeps. A full read starts
// from the list's start (from zero, every archived object, when the list's
// answer has no Date header to take it from).
type deletions struct {
	at   int64
	seen map[string]int64
}

// newDeletions returns the deletions of a read from the checkpoint from.
func newDeletions(from position) *deletions {
	if from.DeletedAt == 0 {
		return &deletions{at: from.TS}
	}
	return &deletions{at: from.DeletedAt, seen: from.DeletedSeen}
}

// deletes lists the stream's archived objects (GET
// /crm/v3/objects/{type}?archived=true, 100 a page, in id order: the list
// has no order by date, so every read lists them all, which HubSpot keeps
// for 90 days) and emits a delete record for each archived since the
// read's watermark and not emitted yet, then sends a checkpoint: the
// position the read reached, with the new watermark. The watermark stays
// search_lag behind the server's clock, as a search's checkpoint does, and
// the objects archived after it are kept in the checkpoint to be skipped.
func (s *scan) deletes(ctx context.Context) error {
	first := &httpx.Request{Path: "/crm/v3/objects/" + s.obj.name, Query: url.Values{
		"archived":   {"true"},
		"limit":      {strconv.Itoa(maxListPage)},
		"properties": {"hs_object_id"},
	}}
	d := s.del
	clock, started := int64(0), false
	recent := map[string]int64{} // the objects archived at or after d.at, with their archivedAt
	newest := d.at
	for resp, err := range s.client.Pages(ctx, first, httpx.CursorInBody("paging.next.after", "after")) {
		if err != nil {
			return err
		}
		if !started {
			started = true
			if at, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
				clock = at.UnixMilli()
			}
		}
		var batch []sdk.Record
		for _, r := range resp.Get("results").Array() {
			id, at := r.Get("id").String(), archivedAt(r)
			if !isID(id) || at < d.at {
				continue
			}
			recent[id], newest = at, max(newest, at)
			if ts, ok := d.seen[id]; ok && ts == at {
				continue
			}
			batch = append(batch, sdk.Record{Stream: s.obj.name, Key: id, Op: sdk.Delete,
				Data: []byte(`{"id":"` + id + `"}`), UpdatedAt: time.UnixMilli(at).UTC()})
		}
		if len(batch) > 0 {
			if err := s.out.Emit(batch...); err != nil {
				return err
			}
		}
	}
	mark := newest
	if clock > 0 {
		mark = min(mark, clock-s.lag.Milliseconds())
	}
	next := &deletions{at: max(d.at, mark)}
	for id, at := range recent {
		if at >= next.at {
			if next.seen == nil {
				next.seen = map[string]int64{}
			}
			next.seen[id] = at
		}
	}
	s.del = next
	return s.save(s.last)
}

// archivedAt returns when an archived object was archived, in epoch
// milliseconds: its archivedAt, or else its updatedAt.
func archivedAt(r gjson.Result) int64 {
	for _, v := range []string{r.Get("archivedAt").String(), r.Get("updatedAt").String()} {
		if at, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return at.UnixMilli()
		}
	}
	return 0
}
