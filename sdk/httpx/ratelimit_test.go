package httpx

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

func TestStaticWindowSchedule(t *testing.T) {
	clock := newFakeClock()
	l := newLimiter(clock, RateLimits{Static: map[string]Limit{"search": {Requests: 3, Interval: time.Second}}})
	start := clock.Now()
	var starts []time.Duration
	for range 8 {
		s, _, err := l.acquire(context.Background(), "search", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		starts = append(starts, clock.Now().Sub(start))
		s.release()
	}
	// Three at once, then each as soon as the one three before it is a
	// second old: no later (full rate), no earlier (never 4 in a second).
	want := []time.Duration{0, 0, 0, time.Second, time.Second, time.Second, 2 * time.Second, 2 * time.Second}
	if fmt.Sprint(starts) != fmt.Sprint(want) {
		t.Errorf("starts %v, want %v", starts, want)
	}
}

func TestWindowCountsFromFinish(t *testing.T) {
	clock := newFakeClock()
	l := newLimiter(clock, RateLimits{Static: map[string]Limit{"": {Requests: 1, Interval: time.Second}}})
	start := clock.Now()
	s, _, _ := l.acquire(context.Background(), "", time.Minute)
	clock.Advance(300 * time.Millisecond) // the request takes 300ms
	s.release()
	s, _, _ = l.acquire(context.Background(), "", time.Minute)
	s.release()
	if got := clock.Now().Sub(start); got != 1300*time.Millisecond {
		t.Errorf("second request started at %s, want 1.3s: a second after the first finished", got)
	}
}

func TestWaitLongerThanMaxWaitIsReturned(t *testing.T) {
	var calls atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(w, http.StatusOK, `{}`)
	})
	clock := newFakeClock()
	c := newClient(t, srv.URL, Options{
		MaxWait:    time.Minute,
		clock:      clock,
		RateLimits: RateLimits{Static: map[string]Limit{"incremental": {Requests: 1, Interval: 10 * time.Minute}}},
	})
	req := &Request{Path: "/incremental/tickets/cursor.json", Bucket: "incremental"}
	if _, err := c.Do(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	_, err := c.Do(context.Background(), req)
	wantKind(t, err, sdk.KindRateLimited)
	asError(t, err)
	if sdk.RetryAfterOf(err) != 10*time.Minute || calls.Load() != 1 || len(clock.Waits()) != 0 {
		t.Errorf("after %s, %d requests, waits %v; want 10m, 1, none", sdk.RetryAfterOf(err), calls.Load(), clock.Waits())
	}
	if err := c.Wait(context.Background(), "incremental"); sdk.KindOf(err) != sdk.KindRateLimited {
		t.Errorf("Wait = %v, want a rate-limited error", err)
	}
}

func TestBucketsArePacedApart(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, `{}`) })
	clock := newFakeClock()
	c := newClient(t, srv.URL, Options{clock: clock,
		RateLimits: RateLimits{Static: map[string]Limit{"search": {Requests: 1, Interval: time.Second}}}})
	ctx := context.Background()
	for range 3 {
		if _, err := c.Get(ctx, "/list", nil); err != nil {
			t.Fatal(err)
		}
	}
	if w := clock.Waits(); len(w) != 0 {
		t.Fatalf("the default bucket waited %v", w)
	}
	for range 2 {
		if _, err := c.Do(ctx, &Request{Method: http.MethodPost, Path: "/search", Bucket: "search"}); err != nil {
			t.Fatal(err)
		}
	}
	if w := clock.Waits(); len(w) != 1 || w[0] != time.Second {
		t.Errorf("search waits %v, want [1s]", w)
	}
}

func TestTooManyRequestsBlocksTheBucket(t *testing.T) {
	h, _ := failFirst(1, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "5")
		writeJSON(w, http.StatusTooManyRequests, `{}`)
	})
	srv := serve(t, h)
	clock := newFakeClock()
	c := newClient(t, srv.URL, Options{clock: clock, MaxRetries: -1})
	ctx := context.Background()
	_, err := c.Get(ctx, "/x", nil)
	wantKind(t, err, sdk.KindRateLimited)
	if _, err := c.Do(ctx, &Request{Path: "/y", Bucket: "other"}); err != nil {
		t.Fatal(err)
	}
	if w := clock.Waits(); len(w) != 0 {
		t.Fatalf("another bucket waited %v", w)
	}
	if _, err := c.Get(ctx, "/x", nil); err != nil {
		t.Fatal(err)
	}
	if w := clock.Waits(); len(w) != 1 || w[0] != 5*time.Second {
		t.Errorf("waits %v, want [5s]: the next request of the bucket waits out the Retry-After", w)
	}
}

func TestRemainingZeroWaitsForReset(t *testing.T) {
	var calls atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		w.Header().Set("ratelimit-limit", "700")
		w.Header().Set("ratelimit-remaining", strconv.Itoa(2-int(n)))
		w.Header().Set("ratelimit-reset", "3")
		writeJSON(w, http.StatusOK, `{}`)
	})
	clock := newFakeClock()
	c := newClient(t, srv.URL, Options{clock: clock, RateLimits: RateLimits{Headers: RateHeaders{
		Limit: "ratelimit-limit", Remaining: "ratelimit-remaining", Reset: "ratelimit-reset",
	}}})
	for range 3 {
		if _, err := c.Get(context.Background(), "/tickets.json", nil); err != nil {
			t.Fatal(err)
		}
	}
	// Remaining 1, then 0: the third request waits for the reset.
	if w := clock.Waits(); len(w) != 1 || w[0] != 3*time.Second {
		t.Errorf("waits %v, want [3s]", w)
	}
}

func TestRemainingZeroWaitsForOldestWithoutReset(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-HubSpot-RateLimit-Max", "100")
		w.Header().Set("X-HubSpot-RateLimit-Remaining", "0") // others used the quota
		w.Header().Set("X-HubSpot-RateLimit-Interval-Milliseconds", "10000")
		writeJSON(w, http.StatusOK, `{}`)
	})
	clock := newFakeClock()
	c := newClient(t, srv.URL, Options{clock: clock, RateLimits: RateLimits{Headers: hubspotHeaders}})
	for range 2 {
		if _, err := c.Get(context.Background(), "/crm/v3/objects/contacts", nil); err != nil {
			t.Fatal(err)
		}
	}
	if w := clock.Waits(); len(w) != 1 || w[0] != 10*time.Second {
		t.Errorf("waits %v, want [10s]", w)
	}
}

var hubspotHeaders = RateHeaders{
	Limit:     "X-HubSpot-RateLimit-Max",
	Remaining: "X-HubSpot-RateLimit-Remaining",
	Interval:  "X-HubSpot-RateLimit-Interval-Milliseconds",
}

// slidingServer refuses with 429 any request that would make more than limit
// arrive in any interval, and reports its state in rate-limit headers.
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

func TestNoTooManyRequestsUnderASlidingWindow(t *testing.T) {
	const (
		limit      = 20
		interval   = 200 * time.Millisecond
		goroutines = 5
		each       = 12 // 60 requests: three windows' worth
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
			server := &slidingServer{limit: limit, interval: interval}
			srv := serve(t, server.ServeHTTP)
			c := newClient(t, srv.URL, Options{MaxRetries: -1, RateLimits: tt.limits})
			var wg sync.WaitGroup
			var failures atomic.Int32
			for range goroutines {
				wg.Go(func() {
					for range each {
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
			if ok+over != goroutines*each || int(failures.Load()) != over {
				t.Fatalf("server saw %d+%d requests, client %d failures; want %d requests", ok, over, failures.Load(), goroutines*each)
			}
			if tt.want429s && over == 0 {
				t.Errorf("no 429 without limits: the server does not enforce its window")
			}
			if !tt.want429s && over != 0 {
				t.Errorf("%d requests refused with 429, want none", over)
			}
		})
	}
}
