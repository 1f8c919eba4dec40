package httpx

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// A rolling window's vendor counts requests from their start; the client
// counts them until they finish. A response that is slow to arrive reports
// requests the client has meanwhile let go from its window: they are the
// client's own, not someone else's, and must not be added again as
// phantoms that would block the window for a whole interval (which made a
// second burst pace at one request per window). Limit 2 per second:
//
//	A 0.000–0.001, B 0.0015–0.002; C starts at 1.001 (A has left the
//	client's window), the vendor counts B and C (Remaining 0), and C's
//	answer arrives at 1.5, after B has left the client's window too.
//
// Room for the next request must come at once, not at 2.5.
func TestSlowAnswerDoesNotFillTheWindowWithTheClientsOwnRequests(t *testing.T) {
	clock := newFakeClock()
	t0 := clock.Now()
	l := newLimiter(clock, RateLimits{Headers: RateHeaders{Limit: "X-Max", Remaining: "X-Remaining", Interval: "X-Interval"}})
	h := func(remaining string) http.Header {
		return http.Header{"X-Max": {"2"}, "X-Remaining": {remaining}, "X-Interval": {"1000"}}
	}
	at := func(d time.Duration) { clock.Advance(t0.Add(d).Sub(clock.Now())) }
	request := func(start, end time.Duration, remaining string) {
		t.Helper()
		at(start)
		s, wait, err := l.acquire(context.Background(), "", time.Minute)
		if err != nil || wait != 0 {
			t.Fatalf("acquire at %v: wait %v, %v", start, wait, err)
		}
		if got := clock.Now().Sub(t0); got != start {
			t.Fatalf("request meant for %v started at %v", start, got)
		}
		at(end)
		l.observe("", s, h(remaining))
		s.release()
	}
	request(0, time.Millisecond, "1")                          // A
	request(1500*time.Microsecond, 2*time.Millisecond, "0")    // B
	request(1001*time.Millisecond, 1500*time.Millisecond, "0") // C: the vendor counted B and C
	l.mu.Lock()
	d, _ := l.bucket("").wait(clock.Now(), 0)
	l.mu.Unlock()
	if d != 0 {
		t.Fatalf("the next request must wait %v, want no wait (C alone is in the window)", d)
	}
}
