package webhook

import (
	"container/list"
	"sync"
	"time"
)

// Defaults of a [ReplayGuard] built with a zero or negative ttl or maxIDs, or
// used as a zero value.
const (
	// DefaultReplayTTL is twice HubSpot's five-minute timestamp tolerance:
	// a delivery accepted early in its window is still remembered when its
	// window closes.
	DefaultReplayTTL = 10 * time.Minute
	// DefaultReplayMax bounds the ids remembered: about 2 MB of memory
	// with ids as long as a UUID.
	DefaultReplayMax = 10000
)

// ReplayGuard remembers the delivery ids it was shown, each for a TTL, so
// that a delivery sent twice, by the vendor's retries or by an attacker
// replaying a signed request, is handled once. It remembers a bounded
// number of ids: past that, the oldest record is forgotten first. Pair it
// with [CheckTimestamp]: with a ttl of at least twice the timestamp
// tolerance, a replay is either too old or still remembered.
//
// A ReplayGuard lives in memory: ids are forgotten when the connector
// process ends. It is safe for concurrent use. The zero value is ready to
// use with [DefaultReplayTTL] and [DefaultReplayMax]; a ReplayGuard must not
// be copied after first use.
type ReplayGuard struct {
	ttl    time.Duration
	maxIDs int

	mu sync.Mutex
	// order holds *seenID, oldest record first; byID indexes it.
	order list.List
	byID  map[string]*list.Element
}

// seenID is one remembered id and when it was recorded.
type seenID struct {
	id string
	at time.Time
}

// NewReplayGuard returns a ReplayGuard that remembers each id for ttl and at
// most maxIDs ids at a time. A ttl or maxIDs of zero or less takes the default.
func NewReplayGuard(ttl time.Duration, maxIDs int) *ReplayGuard {
	return &ReplayGuard{ttl: ttl, maxIDs: maxIDs}
}

// Seen reports whether id was recorded at most ttl before now (or after
// now, when callers' times come out of order): true means the delivery is a
// replay and must be skipped. Otherwise Seen records id at
// now and returns false. An empty id is never a replay and is not recorded,
// since a delivery without an id cannot be told from another. A replay does
// not extend how long its id is remembered.
func (g *ReplayGuard) Seen(id string, now time.Time) bool {
	if id == "" {
		return false
	}
	ttl, maxIDs := g.limits()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.byID == nil {
		g.byID = make(map[string]*list.Element)
	}
	g.forgetExpired(now, ttl)
	if e, ok := g.byID[id]; ok {
		s := e.Value.(*seenID)
		if now.Sub(s.at) <= ttl {
			return true
		}
		// Expired but not yet forgotten (times came out of order):
		// record it afresh.
		s.at = now
		g.order.MoveToBack(e)
		return false
	}
	g.byID[id] = g.order.PushBack(&seenID{id: id, at: now})
	for g.order.Len() > maxIDs {
		g.forget(g.order.Front())
	}
	return false
}

// Len returns how many ids are remembered, expired ones included until they
// are dropped by the next Seen.
func (g *ReplayGuard) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.order.Len()
}

// limits returns the ttl and the bound in force, defaults applied.
func (g *ReplayGuard) limits() (time.Duration, int) {
	ttl, maxIDs := g.ttl, g.maxIDs
	if ttl <= 0 {
		ttl = DefaultReplayTTL
	}
	if maxIDs <= 0 {
		maxIDs = DefaultReplayMax
	}
	return ttl, maxIDs
}

// forgetExpired drops expired ids from the oldest end, stopping at the first
// one still valid. Callers may pass times slightly out of order; an expired
// id left behind a newer one is dropped later, or by the size bound.
func (g *ReplayGuard) forgetExpired(now time.Time, ttl time.Duration) {
	for e := g.order.Front(); e != nil; e = g.order.Front() {
		if now.Sub(e.Value.(*seenID).at) <= ttl {
			return
		}
		g.forget(e)
	}
}

// forget drops one remembered id.
func (g *ReplayGuard) forget(e *list.Element) {
	delete(g.byID, g.order.Remove(e).(*seenID).id)
}
