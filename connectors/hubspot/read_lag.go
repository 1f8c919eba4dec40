package hubspot

import (
	"net/http"
	"time"
)

// lagWindow keeps the checkpoints of a search-based read behind HubSpot's
// search index.
//
// The index shows a change a few seconds after it is made, and HubSpot
// dates a change when it starts writing it, so an object can turn up in
// search after objects dated later than it were read: a checkpoint at the
// newest object read would skip it for ever. So a checkpoint never claims
// more than the floor — the server's clock at the read's first search (its
// Date header) less the lag (search_lag) — and lists, as Seen, the objects
// the read covered after the position it claims, each with the date it had.
// The next read searches from that position and skips the objects whose
// (id, date) is in Seen: an object that changed again has a new date and
// comes again. Seen holds only the objects changed within the lag, and a
// read from a checkpoint with nothing changed since returns nothing.
//
// The floor rests on the first search because every later one comes after
// it: an object dated before the floor was in the index for all of them.
// With a lag of zero a checkpoint is the newest position read, as it was
// before the window existed.
type lagWindow struct {
	lag  time.Duration
	from position // where the read started, with the objects it says were emitted
	// floor is (server's clock at the first search − lag, no id), once known.
	floor position
	known bool
	// kept are the objects read at or after keepFrom, by id, with their
	// date: the candidates for a checkpoint's Seen.
	kept     map[string]int64
	keepFrom int64
}

func newLagWindow(lag time.Duration, from position) *lagWindow {
	return &lagWindow{lag: lag, from: from, kept: map[string]int64{}}
}

// start sets the floor from the answer to the read's first search: its
// Date header less the lag. Without a Date it can read, it uses the
// newest date that answer shows, or from's if it is later (neither is
// after the server's clock), and returns false so the caller can warn.
func (w *lagWindow) start(header http.Header, hits []hit) bool {
	if w.known || w.lag <= 0 {
		return true
	}
	w.known = true
	now, err := http.ParseTime(header.Get("Date"))
	ok := err == nil
	clock := now.UnixMilli()
	if !ok {
		clock = w.from.TS
		for _, h := range hits {
			clock = max(clock, h.ts)
		}
	}
	w.floor = position{TS: max(clock-w.lag.Milliseconds(), 0)}
	w.keepFrom = max(w.floor.TS, w.from.TS)
	return ok
}

// emitted reports whether the checkpoint the read started from says h was
// emitted as it is now.
func (w *lagWindow) emitted(h hit) bool {
	ts, ok := w.from.Seen[h.id]
	return ok && ts == h.ts
}

// cover notes that h is read: emitted now, or before.
func (w *lagWindow) cover(h hit) {
	if w.known && h.ts >= w.keepFrom {
		w.kept[h.id] = h.ts // a later date, if the object came again, replaces an earlier one
	}
}

// claim returns the position a checkpoint may claim when everything up to
// p is read: p, but not past the floor, and never before the position the
// read started from.
func (w *lagWindow) claim(p position) position {
	p = p.mark()
	if w.known && w.floor.before(p) {
		p = w.floor
	}
	if from := w.from.mark(); p.before(from) {
		p = from
	}
	return p
}

// final returns the last checkpoint of a read that has read all the
// search shows, up to reached: with a lag, the floor (or from, if later),
// as everything dated before the floor was in the index.
func (w *lagWindow) final(reached position) position {
	if !w.known {
		return reached.mark()
	}
	c := w.floor
	if from := w.from.mark(); c.before(from) {
		c = from
	}
	return w.state(c)
}

// state returns the checkpoint at c: c, and the objects read after it.
func (w *lagWindow) state(c position) position {
	c = c.mark()
	for id, ts := range w.kept {
		if c.before(position{TS: ts, ID: id}) {
			if c.Seen == nil {
				c.Seen = map[string]int64{}
			}
			c.Seen[id] = ts
		}
	}
	return c
}
