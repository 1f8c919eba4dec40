package sdktest

import (
	"sync"
	"time"
)

// Clock is a clock a test moves by hand, for the Now options of a sandbox
// and a connector (Options{Now: clock.Now}), so that both see the same
// time. It is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock that reads start until it is moved.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return c.move(nil) }

// Set moves the clock to at, forwards or back.
func (c *Clock) Set(at time.Time) { c.move(func(time.Time) time.Time { return at }) }

// Advance moves the clock forwards by d.
func (c *Clock) Advance(d time.Duration) { c.move(func(now time.Time) time.Time { return now.Add(d) }) }

// move applies to, if not nil, to the clock's time under its lock, and
// returns the time after.
func (c *Clock) move(to func(time.Time) time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if to != nil {
		c.now = to(c.now)
	}
	return c.now
}
