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

func TestRemainingAtReserveWaitsForReset(t *testing.T) {
	tests := []struct {
		name     string
		limit    int
		left     int // the vendor's remaining before the first request
		reserve  int
		requests int
		want     []time.Duration // when each request reached the server
	}{
		// Remaining 1, then 0: the third request waits for the reset.
		{"window of 700", 700, 2, 0, 3, []time.Duration{0, 0, 3 * time.Second}},
		// Above 10,000 no window is learned: only the budget paces.
		{"daily quota", 70_000, 2, 0, 3, []time.Duration{0, 0, 3 * time.Second}},
		// Remaining 6, then 5 = the reserve: wait; then 4: wait again.
		{"daily quota with a reserve", 70_000, 7, 5, 4, []time.Duration{0, 0, 3 * time.Second, 6 * time.Second}},
		{"daily quota without a reserve", 70_000, 7, 0, 4, []time.Duration{0, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			start := clock.Now()
			var mu sync.Mutex
			var arrivals []time.Duration
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				arrivals = append(arrivals, clock.Now().Sub(start))
				n := len(arrivals)
				mu.Unlock()
				w.Header().Set("ratelimit-limit", strconv.Itoa(tt.limit))
				w.Header().Set("ratelimit-remaining", strconv.Itoa(tt.left-n))
				w.Header().Set("ratelimit-reset", "3")
				writeJSON(w, http.StatusOK, `{}`)
			})
			c := newClient(t, srv.URL, Options{clock: clock, RateLimits: RateLimits{
				Reserve: tt.reserve,
				Headers: RateHeaders{Limit: "ratelimit-limit", Remaining: "ratelimit-remaining", Reset: "ratelimit-reset"},
			}})
			for range tt.requests {
				if _, err := c.Get(context.Background(), "/tickets.json", nil); err != nil {
					t.Fatal(err)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if fmt.Sprint(arrivals) != fmt.Sprint(tt.want) {
				t.Errorf("requests arrived at %v, want %v", arrivals, tt.want)
			}
		})
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
