package httpx

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// slidingServer refuses with 429 any request that would make more than limit
// arrive in any interval, and reports its state in rate-limit headers. It
// reads the time with time.Now: inside a synctest bubble, the bubble's.
type slidingServer struct {
	limit    int
	interval time.Duration

	mu       sync.Mutex
	arrivals []time.Time
	ok, over int
}

func (s *slidingServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	now := time.Now()
	kept := s.arrivals[:0]
	for _, a := range s.arrivals {
		if now.Sub(a) < s.interval {
			kept = append(kept, a)
		}
	}
	s.arrivals = kept
	full := len(s.arrivals) >= s.limit
	if !full {
		s.arrivals = append(s.arrivals, now)
		s.ok++
	} else {
		s.over++
	}
	remaining := s.limit - len(s.arrivals)
	reset := s.interval - now.Sub(s.arrivals[0])
	s.mu.Unlock()

	h := w.Header()
	h.Set("X-HubSpot-RateLimit-Max", strconv.Itoa(s.limit))
	h.Set("X-HubSpot-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-HubSpot-RateLimit-Interval-Milliseconds", strconv.Itoa(int(s.interval/time.Millisecond)))
	h.Set("ratelimit-limit", strconv.Itoa(s.limit))
	h.Set("ratelimit-remaining", strconv.Itoa(remaining))
	h.Set("ratelimit-reset", strconv.FormatFloat(reset.Seconds(), 'f', 3, 64))
	if full {
		writeJSON(w, http.StatusTooManyRequests, `{"message":"You have reached your ten_secondly_rolling limit."}`)
		return
	}
	writeJSON(w, http.StatusOK, `{"results":[]}`)
}

// memoryTransport hands requests to a handler in memory, taking time as the
// clock of the synctest bubble it runs in counts it. A request reaches the
// handler after trip, except requests 2 to 1+slow (in the order they were
// sent), which take slowTrip, as if they had to open new connections first;
// every answer comes back after trip.
type memoryTransport struct {
	handler        http.Handler
	trip, slowTrip time.Duration
	slow           int

	sent atomic.Int32
}

func (m *memoryTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_ = r.Body.Close()
	}
	up := m.trip
	if n := int(m.sent.Add(1)); n >= 2 && n <= 1+m.slow {
		up = m.slowTrip
	}
	if err := sleep(r.Context(), realClock{}, up); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	m.handler.ServeHTTP(rec, r)
	if err := sleep(r.Context(), realClock{}, m.trip); err != nil {
		return nil, err
	}
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// TestNoTooManyRequestsUnderASlidingWindow has workers send requests, taken
// from a shared count, to a vendor that enforces a sliding window, in a
// synctest bubble: time is fake and moves only when every goroutine waits,
// so the run is the same every time. The first request of each worker but
// one reaches the vendor late: the client must count them from the moment
// they start, even though it learns the vendor's window (from the one early
// answer) while they are in flight; the early worker meanwhile has time for
// a whole window of requests.
func TestNoTooManyRequestsUnderASlidingWindow(t *testing.T) {
	const (
		limit    = 20
		interval = time.Second
		workers  = 5
		requests = 60 // three windows' worth
	)
	tests := []struct {
		name     string
		limits   RateLimits
		want429s bool
	}{
		{"no limits (the server does refuse)", RateLimits{}, true},
		{"static", RateLimits{Static: map[string]Limit{"": {Requests: limit, Interval: interval}}}, false},
		{"learned from limit, remaining and interval", RateLimits{Headers: hubspotHeaders}, false},
		{"learned from limit, remaining and reset", RateLimits{Headers: RateHeaders{
			Limit: "ratelimit-limit", Remaining: "ratelimit-remaining", Reset: "ratelimit-reset"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				server := &slidingServer{limit: limit, interval: interval}
				transport := &memoryTransport{handler: server, trip: 10 * time.Millisecond, slowTrip: 3 * interval / 2, slow: workers - 1}
				c := newClient(t, "https://api.example.com", Options{MaxRetries: -1, RateLimits: tt.limits, Transport: transport})
				var wg sync.WaitGroup
				var taken, failures atomic.Int32
				for range workers {
					wg.Go(func() {
						for taken.Add(1) <= requests {
							if _, err := c.Get(context.Background(), "/crm/v3/objects/contacts", nil); err != nil {
								failures.Add(1)
							}
						}
					})
				}
				wg.Wait()
				server.mu.Lock()
				ok, over := server.ok, server.over
				server.mu.Unlock()
				if ok+over != requests || int(failures.Load()) != over {
					t.Fatalf("server saw %d+%d requests, client %d failures; want %d requests", ok, over, failures.Load(), requests)
				}
				if tt.want429s && over == 0 {
					t.Errorf("no 429 without limits: the server does not enforce its window")
				}
				if !tt.want429s && over != 0 {
					t.Errorf("%d requests refused with 429, want none", over)
				}
			})
		})
	}
}

// TestLearnedWindowCountsRequestsAlreadyInFlight is the race above, step by
// step on the fake clock: five requests start before any answer says what
// the limit is; the first answer says 20 a second, of which the vendor has
// counted only that one. The four still in flight count against the window
// until they finish, and from then on as finished requests.
func TestLearnedWindowCountsRequestsAlreadyInFlight(t *testing.T) {
	const limit, started = 20, 5
	tests := []struct {
		name    string
		headers RateHeaders
		answer  http.Header
	}{
		{"limit, remaining and interval", hubspotHeaders, http.Header{
			"X-Hubspot-Ratelimit-Max":                   {strconv.Itoa(limit)},
			"X-Hubspot-Ratelimit-Remaining":             {strconv.Itoa(limit - 1)},
			"X-Hubspot-Ratelimit-Interval-Milliseconds": {"1000"},
		}},
		{"limit, remaining and reset", RateHeaders{Limit: "ratelimit-limit", Remaining: "ratelimit-remaining", Reset: "ratelimit-reset"}, http.Header{
			"Ratelimit-Limit":     {strconv.Itoa(limit)},
			"Ratelimit-Remaining": {strconv.Itoa(limit - 1)},
			"Ratelimit-Reset":     {"1"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			l := newLimiter(clock, RateLimits{Headers: tt.headers})
			var inflight []*slot
			for range started {
				s, _, err := l.acquire(context.Background(), "", time.Minute)
				if err != nil {
					t.Fatal(err)
				}
				inflight = append(inflight, s)
			}
			first := inflight[0]
			inflight = inflight[1:]
			l.observe("", first, tt.answer)
			first.release()

			// The first finished and four are in flight: room for 15.
			if n := startable(t, l); n != limit-started {
				t.Errorf("%d requests could start at once, want %d", n, limit-started)
			}
			// A second on, the finished ones have left the window; the
			// four in flight still count.
			clock.Advance(time.Second)
			if n := startable(t, l); n != limit-len(inflight) {
				t.Errorf("a second later %d requests could start, want %d", n, limit-len(inflight))
			}
			// They finish: now they count as finished, and the window is full.
			for _, s := range inflight {
				s.release()
			}
			if n := startable(t, l); n != 0 {
				t.Errorf("after the last ones finished %d requests could start, want none", n)
			}
			if w := clock.Waits(); len(w) != 0 {
				t.Errorf("the limiter waited %v; startable must not wait", w)
			}
		})
	}
}

// startable counts the requests l lets start in its default bucket without
// waiting, each finishing as soon as it starts.
func startable(t *testing.T, l *limiter) int {
	t.Helper()
	for n := 0; n <= 1000; n++ {
		s, _, err := l.acquire(context.Background(), "", 0)
		if err != nil {
			return n
		}
		s.release()
	}
	t.Fatal("the limiter let more than 1000 requests start at once")
	return 0
}
