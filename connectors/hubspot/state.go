package hubspot

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// position is a read's checkpoint: every object whose last-modified date
// (in epoch milliseconds) is before TS, or equal to it with an id up to ID,
// has been emitted, and so has each object of Seen at the date it maps to.
// An empty ID covers nothing at TS itself. The zero position is the start.
//
// Its JSON is {"ts":1714557600000,"id":"512","at":"2024-05-01T10:00:00.000Z"},
// with "seen":{"1001":1714557612000,...} when a lag window holds the
// position back (see lagWindow); "at" is TS for people reading
// `cxhub state show`, and is ignored. Checkpoints without "seen", as
// earlier versions wrote them, read as they always did.
//
// With read_deletes, "deleted_at" (epoch milliseconds) and "deleted_seen"
// ({"1001":1714557612000}) are where the read's deletes start (see
// deletions); a checkpoint without them, as versions before 0.3.0 and
// reads without read_deletes write them, starts the deletes at its ts.
type position struct {
	TS          int64            `json:"ts"`
	ID          string           `json:"id,omitempty"`
	At          string           `json:"at,omitempty"`
	Seen        map[string]int64 `json:"seen,omitempty"`
	DeletedAt   int64            `json:"deleted_at,omitempty"`
	DeletedSeen map[string]int64 `json:"deleted_seen,omitempty"`
}

// parseState reads a checkpoint; nil or empty is the start.
func parseState(state []byte) (position, error) {
	var p position
	if len(state) == 0 {
		return p, nil
	}
	if err := json.Unmarshal(state, &p); err != nil {
		return position{}, fmt.Errorf("checkpoint %q is not a hubspot position: %w", state, err)
	}
	if p.TS < 0 || (p.ID != "" && !isID(p.ID)) {
		return position{}, fmt.Errorf("checkpoint %q: want a non-negative ts and a numeric id", state)
	}
	for id, ts := range p.Seen {
		if !isID(id) || ts < 0 {
			return position{}, fmt.Errorf("checkpoint %q: seen %q: %d: want numeric ids and non-negative dates", state, id, ts)
		}
	}
	if p.DeletedAt < 0 {
		return position{}, fmt.Errorf("checkpoint %q: deleted_at %d: want a non-negative date", state, p.DeletedAt)
	}
	for id, ts := range p.DeletedSeen {
		if !isID(id) || ts < 0 {
			return position{}, fmt.Errorf("checkpoint %q: deleted_seen %q: %d: want numeric ids and non-negative dates", state, id, ts)
		}
	}
	return p, nil
}

// isStart reports whether p is the start: nothing read yet.
func (p position) isStart() bool { return p.TS == 0 && p.ID == "" && len(p.Seen) == 0 }

// mark returns p's place in the order of (date, id), without Seen.
func (p position) mark() position { return position{TS: p.TS, ID: p.ID} }

// before reports whether p comes before q in the order of (date, id).
func (p position) before(q position) bool {
	return p.TS < q.TS || (p.TS == q.TS && compareIDs(p.ID, q.ID) < 0)
}

// bytes returns the checkpoint's JSON.
func (p position) bytes() []byte {
	p.At = time.UnixMilli(p.TS).UTC().Format(isoMillis)
	b, _ := json.Marshal(p)
	return b
}

// isoMillis is how HubSpot writes dates.
const isoMillis = "2006-01-02T15:04:05.000Z"

// isID reports whether s is a HubSpot object id: decimal digits.
func isID(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// compareIDs orders decimal ids by value; "" comes before every id.
func compareIDs(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

// maxID returns the greatest of ids by value ("" if none).
func maxID(ids ...string) string {
	best := ""
	for _, id := range ids {
		if id != "" && (best == "" || compareIDs(id, best) > 0) {
			best = id
		}
	}
	return best
}
