package sandbox

import (
	"sync"
	"time"
)

// Window is a sliding-window rate limiter: at most Limit requests per key
// in any Interval, as vendors with a "rolling" limit enforce it. It is safe
// for concurrent use.
type Window struct {
	limit    int
	interval time.Duration
	mu       sync.Mutex
	starts   map[string][]time.Time // per key, the accepted requests' times, oldest first
}

// NewWindow returns a limiter of limit requests per interval and key.
func NewWindow(limit int, interval time.Duration) *Window {
	return &Window{limit: limit, interval: interval, starts: map[string][]time.Time{}}
}

// Limit returns the most requests a key may make per interval.
func (w *Window) Limit() int { return w.limit }

// Interval returns the window's length.
func (w *Window) Interval() time.Duration { return w.interval }

// Decision is a Take's answer, with what a vendor's headers report.
type Decision struct {
	// Allowed is false when the key has used its limit.
	Allowed bool
	// Remaining is how many more requests the window allows now.
	Remaining int
	// Reset is when the oldest request in the window leaves it: the soonest
	// a refused request could succeed.
	Reset time.Duration
}

// Take counts a request by key at now, if the window allows it.
func (w *Window) Take(key string, now time.Time) Decision {
	w.mu.Lock()
	defer w.mu.Unlock()
	starts := w.starts[key]
	cut := 0
	for cut < len(starts) && now.Sub(starts[cut]) >= w.interval {
		cut++
	}
	starts = starts[cut:]
	d := Decision{Allowed: len(starts) < w.limit}
	if d.Allowed {
		starts = append(starts, now)
	}
	d.Remaining = w.limit - len(starts)
	if len(starts) > 0 {
		d.Reset = w.interval - now.Sub(starts[0])
	}
	w.starts[key] = starts
	return d
}

// Reset forgets every request.
func (w *Window) Reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	clear(w.starts)
}
