package hubspot

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
	"github.com/tidwall/gjson"
)

// scan reads one stream through POST /crm/v3/objects/{type}/search, in
// order of last-modified date, from a position.
//
// Every page is a new query starting where the previous page ended
// ("keyset" paging), never the search's own offset: an offset over a
// result set that changes while it is read skips an object each time an
// earlier one is modified (it moves to the end and the rest shift down
// one), and it cannot go past 10,000 results. The last-modified date is
// the only sort HubSpot promises to apply, so objects with the same date
// may come in any order: the open date's ids already emitted are kept and
// skipped when the next query returns them again; a page whose objects all
// share one date (more of them than a page holds) switches to a query of
// that date alone sorted by id, paged by id. Checkpoints only cover dates
// read completely (or ids read in order), and stay behind the search
// index's lag (see lagWindow), so a read resumed from any of them misses
// nothing. A full page that brings nothing after the read's position
// (HubSpot ignoring a filter) fails the read rather than ask again.
type scan struct {
	client *httpx.Client
	obj    object
	props  []string
	page   int
	out    sdk.Emitter
	log    *slog.Logger
	// lag is the config's search_lag: how far behind the server's clock
	// checkpoints stay.
	lag time.Duration
	// enrich, if set, returns a value to add to each object of a page as
	// the field enrichField (a note's associations), by id.
	enrich      func(ctx context.Context, ids []string) (map[string][]byte, error)
	enrichField string
	// skip, if set, says which results were already emitted as they are
	// (by a full read's list): they count as read, but are not emitted.
	skip func(h hit) bool
	// quietUntil holds back mid-read checkpoints at dates before it (the
	// last one is always sent): a full read's catch-up sends none until it
	// has passed every date its list emitted, so that no record after a
	// checkpoint is older than one before it.
	quietUntil int64
	// win is the lag window of the read that run is doing.
	win *lagWindow
	// del, with read_deletes, is where the read's deletes start; every
	// checkpoint carries it (see deletions).
	del *deletions
	// last is the last checkpoint sent.
	last position
}

// save sends the checkpoint p, with the deletions' watermark when the
// read emits deletes.
func (s *scan) save(p position) error {
	p.DeletedAt, p.DeletedSeen = 0, nil
	if s.del != nil {
		p.DeletedAt, p.DeletedSeen = s.del.at, s.del.seen
	}
	s.last = p
	return s.out.Checkpoint(s.obj.name, p.bytes())
}

// hit is one search result.
type hit struct {
	id  string
	ts  int64
	raw gjson.Result
}

// run emits every object changed after from, with checkpoints.
func (s *scan) run(ctx context.Context, from position) error {
	s.win = newLagWindow(s.lag, from)
	cur, floor := from.TS, from.ID // the open date, and the ids at it already covered
	seen := map[string]bool{}      // ids at cur read by this read
	complete := from.mark()        // everything up to it is read
	sent := from.mark()            // the position of the last checkpoint sent (or given)
	checkpoint := func(p position) error {
		if p.TS < s.quietUntil {
			return nil
		}
		c := s.win.claim(p)
		if !sent.before(c) { // nothing new (or behind the last one sent)
			return nil
		}
		sent = c
		return s.save(s.win.state(c))
	}
	for first := true; ; first = false {
		hits, header, err := s.search(ctx, s.after(cur, floor), []searchSort{{s.obj.modified, "ASCENDING"}})
		if err != nil {
			return err
		}
		if first && !s.win.start(header, hits) {
			s.log.Warn("hubspot: the search's answer has no usable Date header: the checkpoint's lag window "+
				"starts from the newest date read instead of the server's clock", "stream", s.obj.name)
		}
		var batch []hit
		advanced := false
		for _, h := range hits {
			if h.ts > cur {
				complete = position{TS: cur, ID: maxID(append(keysOf(seen), floor)...)}
				cur, floor, seen = h.ts, "", map[string]bool{}
			}
			if h.ts < cur || (h.ts == cur && (seen[h.id] || (floor != "" && compareIDs(h.id, floor) <= 0))) {
				continue
			}
			seen[h.id], advanced = true, true
			s.take(h, &batch)
		}
		if err := s.emit(ctx, batch); err != nil {
			return err
		}
		if len(hits) < s.page {
			// The query ran out: everything is read. Every read ends with
			// a checkpoint, even one that read nothing.
			reached := position{TS: cur, ID: maxID(append(keysOf(seen), floor)...)}
			return s.save(s.win.final(reached))
		}
		if !advanced {
			return s.stuck(cur, floor, len(hits))
		}
		if err := checkpoint(complete); err != nil {
			return err
		}
		if hits[0].ts == cur && hits[len(hits)-1].ts == cur {
			// A whole page of one date: there may be more of them than a
			// page holds. Read that date alone, by id.
			if floor, err = s.ties(ctx, cur, floor, seen, checkpoint); err != nil {
				return err
			}
			seen, complete = map[string]bool{}, position{TS: cur, ID: floor}
		}
	}
}

// take counts h as read and adds it to batch unless it was emitted before
// as it is (by the list of a full read, or before the checkpoint read from).
func (s *scan) take(h hit, batch *[]hit) {
	s.win.cover(h)
	if s.win.emitted(h) || (s.skip != nil && s.skip(h)) {
		return
	}
	*batch = append(*batch, h)
}

// ties reads every object last modified at ts with an id above floor, by
// id, skipping those in seen; it checkpoints as it goes and returns the
// greatest id at ts, which then covers them all.
func (s *scan) ties(ctx context.Context, ts int64, floor string, seen map[string]bool, checkpoint func(position) error) (string, error) {
	s.log.Debug("hubspot: a page of objects modified at the same time: reading them by id", "stream", s.obj.name, "ts", ts)
	cursor := floor
	for {
		groups := []filterGroup{{Filters: []searchFilter{{s.obj.modified, "EQ", ms(ts)}}}}
		if cursor != "" {
			groups[0].Filters = append(groups[0].Filters, searchFilter{"hs_object_id", "GT", cursor})
		}
		hits, _, err := s.search(ctx, groups, []searchSort{{"hs_object_id", "ASCENDING"}})
		if err != nil {
			return "", err
		}
		var batch []hit
		before := cursor
		for _, h := range hits {
			cursor = maxID(cursor, h.id)
			if h.ts != ts || seen[h.id] {
				continue // moved on since (its new date comes later), or already sent
			}
			seen[h.id] = true
			s.take(h, &batch)
		}
		if err := s.emit(ctx, batch); err != nil {
			return "", err
		}
		if len(hits) < s.page {
			return maxID(append(keysOf(seen), cursor)...), nil
		}
		if cursor == before {
			return "", s.stuck(ts, cursor, len(hits))
		}
		if err := checkpoint(position{TS: ts, ID: cursor}); err != nil {
			return "", err
		}
	}
}

// stuck is the error of a full page of search results none of which comes
// after the read's position (ts, id): asking again would bring the same
// page for ever, spending the search quota.
func (s *scan) stuck(ts int64, id string, n int) error {
	at := time.UnixMilli(ts).UTC().Format(isoMillis)
	if id != "" {
		at += ", id " + id
	}
	return sdk.Transient(fmt.Errorf("the %s search stopped advancing at %s: a page of %d results brought no object "+
		"after that position (is the API ignoring the search's filters?); stopping rather than asking for it again",
		s.obj.name, at, n))
}

// after returns the filter groups of "modified after (ts, floor)":
// (date > ts) OR (date = ts AND id > floor), or date >= ts without a floor.
func (s *scan) after(ts int64, floor string) []filterGroup {
	if floor == "" {
		return []filterGroup{{Filters: []searchFilter{{s.obj.modified, "GTE", ms(ts)}}}}
	}
	return []filterGroup{
		{Filters: []searchFilter{{s.obj.modified, "GT", ms(ts)}}},
		{Filters: []searchFilter{{s.obj.modified, "EQ", ms(ts)}, {"hs_object_id", "GT", floor}}},
	}
}

func ms(ts int64) string { return strconv.FormatInt(ts, 10) }

// filterGroup, searchFilter and searchSort are the parts of a search body.
type filterGroup struct {
	Filters []searchFilter `json:"filters"`
}

type searchFilter struct {
	PropertyName string `json:"propertyName"`
	Operator     string `json:"operator"`
	Value        string `json:"value"`
}

type searchSort struct {
	PropertyName string `json:"propertyName"`
	Direction    string `json:"direction"`
}

// search sends one search and returns its results and the answer's headers.
func (s *scan) search(ctx context.Context, groups []filterGroup, sorts []searchSort) ([]hit, http.Header, error) {
	body := map[string]any{"filterGroups": groups, "sorts": sorts, "properties": s.props, "limit": s.page}
	resp, err := s.client.Do(ctx, &httpx.Request{Method: "POST", Path: "/crm/v3/objects/" + s.obj.name + "/search",
		Body: body, Idempotent: true, Bucket: searchBucket})
	if err != nil {
		return nil, nil, err
	}
	results := resp.Get("results").Array()
	hits := make([]hit, 0, len(results))
	for _, r := range results {
		hits = append(hits, hit{id: r.Get("id").String(), ts: modifiedAt(r, s.obj.modified), raw: r})
	}
	return hits, resp.Header, nil
}

// modifiedAt returns an object's last-modified date in epoch milliseconds,
// from its property or else its updatedAt.
func modifiedAt(r gjson.Result, prop string) int64 {
	for _, v := range []string{r.Get("properties." + prop).String(), r.Get("updatedAt").String()} {
		if at, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return at.UnixMilli()
		}
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
	}
	return 0
}

// emit sends a page's objects as records.
func (s *scan) emit(ctx context.Context, batch []hit) error {
	if len(batch) == 0 {
		return nil
	}
	var extra map[string][]byte
	if s.enrich != nil {
		ids := make([]string, len(batch))
		for i, h := range batch {
			ids[i] = h.id
		}
		var err error
		if extra, err = s.enrich(ctx, ids); err != nil {
			return err
		}
	}
	records := make([]sdk.Record, len(batch))
	for i, h := range batch {
		records[i] = sdk.Record{Stream: s.obj.name, Key: h.id, Data: sdk.WithField([]byte(h.raw.Raw), s.enrichField, extra[h.id]),
			UpdatedAt: time.UnixMilli(h.ts).UTC()}
	}
	return s.out.Emit(records...)
}

func keysOf(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
