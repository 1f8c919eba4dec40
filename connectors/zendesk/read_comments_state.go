package zendesk

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// commentsExport marks a ticket_comments checkpoint of the ticket events
// export.
const commentsExport = "ticket_events"

// legacyLookback is how far before the time of an old per-ticket
// checkpoint an upgraded read starts: the per-ticket reader had emitted
// every comment of the tickets before its cursor, but a ticket changed
// again just before that read (inside the export's last minute) may hold
// a slightly older comment it never emitted.
const legacyLookback = time.Hour

// commentsState is the ticket_comments checkpoint: the second the next
// request starts at (the time-based export's start_time, inclusive), and
// the ids of that second's events already emitted, which the export gives
// again.
type commentsState struct {
	Export    string  `json:"export"`
	StartTime int64   `json:"start_time"`
	Seen      []int64 `json:"seen,omitempty"`
}

func (s commentsState) encode() []byte {
	b, _ := json.Marshal(s) // strings and integers: cannot fail
	return b
}

// decodeCommentsState reads a ticket_comments checkpoint; none means from
// startTime. A checkpoint of the old per-ticket reader ({"cursor": ..} of
// the ticket export, or a bare cursor) is upgraded: the read starts an
// hour (legacyLookback) before the time in the cursor, so that nothing is
// skipped (comments of that hour may come again; destinations upsert by
// id), or, when the cursor carries no time, from startTime, re-reading
// every comment. Either way the read says so in the log. {"start_time": N},
// what the old reader wrote before a first page, starts at N.
func decodeCommentsState(ctx context.Context, raw []byte, startTime int64) (commentsState, error) {
	if len(raw) == 0 {
		return commentsState{Export: commentsExport, StartTime: startTime}, nil
	}
	if raw[0] != '{' {
		return upgradeLegacy(ctx, strings.TrimSpace(string(raw)), startTime), nil
	}
	var s struct {
		commentsState
		Cursor string `json:"cursor"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return commentsState{}, fmt.Errorf("checkpoint %q is not one this connector wrote: %w", raw, err)
	}
	switch {
	case s.Export == commentsExport:
		return s.commentsState, nil
	case s.Export != "":
		return commentsState{}, fmt.Errorf("checkpoint %q is of another export (%q)", raw, s.Export)
	case s.Cursor != "":
		return upgradeLegacy(ctx, s.Cursor, startTime), nil
	}
	return commentsState{Export: commentsExport, StartTime: s.StartTime}, nil
}

// upgradeLegacy makes the state that continues an old per-ticket
// checkpoint, and logs what it does.
func upgradeLegacy(ctx context.Context, cursor string, startTime int64) commentsState {
	log := sdk.Logger(ctx)
	at, ok := cursorTime(cursor)
	if !ok {
		log.Warn("zendesk ticket_comments: the checkpoint is an old per-ticket one whose cursor carries no time; "+
			"reading every comment again from start_time", "start_time", startTime)
		return commentsState{Export: commentsExport, StartTime: startTime}
	}
	start := max(at-int64(legacyLookback/time.Second), startTime, 0)
	log.Info("zendesk ticket_comments: upgrading an old per-ticket checkpoint to the ticket events export; "+
		"comments of the hour before it may come again", "cursor_time", time.Unix(at, 0).UTC(), "start_time", start)
	return commentsState{Export: commentsExport, StartTime: start}
}

// zendeskCursor is what Zendesk's incremental export cursors decode to:
// "<unix seconds>.<fraction>||<id>|" (as in Zendesk's own examples, e.g.
// "MTU3NjYxMzUzOS4wfHw0Njd8"). It is not a documented format, hence the
// fallback when it does not match.
var zendeskCursor = regexp.MustCompile(`^(\d{1,12})(?:\.\d+)?\|\|`)

// cursorTime reads the time in an incremental export cursor.
func cursorTime(cursor string) (int64, bool) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		raw, err := enc.DecodeString(cursor)
		if err != nil {
			continue
		}
		if m := zendeskCursor.FindSubmatch(raw); m != nil {
			at, err := strconv.ParseInt(string(m[1]), 10, 64)
			return at, err == nil
		}
	}
	return 0, false
}

// advance returns the state after a page of events (in the export's time
// order) and the events not read before: those of the state's own second
// already seen are dropped. The next start is the last event's second, as
// the export's end_time is; its events are remembered as seen. An empty
// page leaves the state as it is.
func (s commentsState) advance(page []gjson.Result) (commentsState, []gjson.Result) {
	seen := make(map[int64]bool, len(s.Seen))
	for _, id := range s.Seen {
		seen[id] = true
	}
	next := commentsState{Export: commentsExport, StartTime: s.StartTime, Seen: slices.Clone(s.Seen)}
	var fresh []gjson.Result
	for _, ev := range page {
		id, at := ev.Get("id").Int(), eventTime(ev)
		if at == s.StartTime && seen[id] {
			continue
		}
		fresh = append(fresh, ev)
		switch {
		case at > next.StartTime:
			next.StartTime, next.Seen = at, []int64{id}
		case at == next.StartTime:
			next.Seen = append(next.Seen, id)
		}
	}
	return next, fresh
}

// eventTime is an event's timestamp (unix seconds), else its created_at.
func eventTime(ev gjson.Result) int64 {
	if ts := ev.Get("timestamp"); ts.Type == gjson.Number {
		return ts.Int()
	}
	return parseTime(ev.Get("created_at").String()).Unix()
}
