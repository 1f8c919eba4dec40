package hubspot

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cxhub/cxhub/sdk/httpx"
)

// maxListPage is the most objects one list request returns.
const maxListPage = 100

// listClockMargin is how far before the server's clock at the list's first
// page the catch-up search of a full read starts. The Date header has
// second precision; HubSpot stamps a change when it starts writing it,
// which may be visible to a list only later; and the clocks of HubSpot's
// servers differ a little. A wide margin costs only a search that returns
// the objects changed in that minute, which the catch-up skips.
const listClockMargin = time.Minute

// full reads a stream from the start: every object through the list
// endpoint (GET /crm/v3/objects/{type}, paged by id), then the changes
// made while it ran through a search from the list's start (the server's
// clock at its first page, less listClockMargin), which emits only what
// the list did not already emit as it is now: an object modified after it
// was listed comes again, with its new values; one modified before it was
// listed does not. The list sends no checkpoint (its order by id is not a
// position a search could resume from); the catch-up checkpoints as an
// incremental read does, from the list's start, and ends on the greatest
// (date, id) it covered, from which a read returns exactly what changed
// since. Without a usable Date header the catch-up searches everything.
func (s *scan) full(ctx context.Context) error {
	first := &httpx.Request{Path: "/crm/v3/objects/" + s.obj.name, Query: url.Values{
		"limit":      {strconv.Itoa(min(s.page, maxListPage))},
		"properties": {strings.Join(s.props, ",")},
	}}
	start, started := int64(0), false
	listed := map[string]int64{} // the objects listed at or after start, with their dates
	var latest int64             // the greatest date listed
	for resp, err := range s.client.Pages(ctx, first, httpx.CursorInBody("paging.next.after", "after")) {
		if err != nil {
			return err
		}
		if !started {
			started = true
			var ok bool
			if start, ok = listStart(resp.Header); ok && s.del != nil && s.del.at == 0 {
				s.del.at = start // deletes start where the list does
			}
			if !ok {
				s.log.Warn("hubspot: the list's answer has no usable Date header: the catch-up after the list searches every object",
					"stream", s.obj.name)
			}
		}
		results := resp.Get("results").Array()
		batch := make([]hit, 0, len(results))
		for _, r := range results {
			h := hit{id: r.Get("id").String(), ts: modifiedAt(r, s.obj.modified), raw: r}
			if h.ts >= start {
				listed[h.id] = h.ts
			}
			latest = max(latest, h.ts)
			batch = append(batch, h)
		}
		if err := s.emit(ctx, batch); err != nil {
			return err
		}
	}
	s.log.Debug("hubspot: listed every object; searching for the changes made meanwhile",
		"stream", s.obj.name, "from", time.UnixMilli(start).UTC().Format(isoMillis), "candidates", len(listed))
	s.skip = func(h hit) bool {
		ts, ok := listed[h.id]
		return ok && ts == h.ts
	}
	s.quietUntil = latest
	return s.run(ctx, position{TS: start})
}

// listStart returns where a full read's catch-up search starts: the time
// of the server's answer (its Date header) less listClockMargin, in epoch
// milliseconds; false, and 0, when the answer has no Date it can read.
func listStart(h http.Header) (int64, bool) {
	at, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		return 0, false
	}
	return max(at.Add(-listClockMargin).UnixMilli(), 0), true
}
