package httpx

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk/host"
)

// announced notes the waits a client announces through sdk.Waiting.
type announced struct {
	mu    sync.Mutex
	waits []string
}

func (a *announced) ctx(clock *fakeClock) context.Context {
	return host.OnWaiting(context.Background(), func(reason string, until time.Time) {
		a.mu.Lock()
		defer a.mu.Unlock()
		a.waits = append(a.waits, fmt.Sprintf("%s | %s", until.Sub(clock.Now()), reason))
	})
}

func (a *announced) list() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.waits...)
}

// TestRetryWaitsAreAnnounced: every wait Do sleeps before a retry, the
// vendor's Retry-After and its own backoff alike, is announced to the core
// (sdk.Waiting) before it is slept, with its length and why.
func TestRetryWaitsAreAnnounced(t *testing.T) {
	var n int
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		n++
		switch n {
		case 1:
			w.Header().Set("Retry-After", "7")
			writeJSON(w, http.StatusTooManyRequests, `{}`)
		case 2:
			writeJSON(w, http.StatusServiceUnavailable, `{}`)
		default:
			writeJSON(w, http.StatusOK, `{}`)
		}
	})
	clock := newFakeClock()
	c := newClient(t, srv.URL, Options{clock: clock})
	var a announced
	if _, err := c.Get(a.ctx(clock), "/api/users", nil); err != nil {
		t.Fatal(err)
	}
	got, waits := a.list(), clock.Waits()
	if len(got) != 2 || len(waits) != 2 {
		t.Fatalf("announced %q for waits %v, want both waits announced", got, waits)
	}
	// Announced before the sleep: the clock had not moved yet.
	if !strings.HasPrefix(got[0], "7s | rate limited: status 429 to GET /api/users, the vendor asked to wait 7s") {
		t.Errorf("the Retry-After wait was announced as %q", got[0])
	}
	if want := waits[1].String() + " | backing off"; !strings.HasPrefix(got[1], want) || !strings.Contains(got[1], "status 503") {
		t.Errorf("the backoff was announced as %q, want %q… after status 503", got[1], want)
	}
}

// TestPacingWaitsAreAnnounced: a wait for a bucket's rate limit is
// announced too.
func TestPacingWaitsAreAnnounced(t *testing.T) {
	clock := newFakeClock()
	l := newLimiter(clock, RateLimits{Static: map[string]Limit{"search": {Requests: 1, Interval: 2 * time.Second}}})
	var a announced
	ctx := a.ctx(clock)
	for range 2 {
		s, _, err := l.acquire(ctx, "search", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		s.release()
	}
	if got := a.list(); len(got) != 1 || !strings.HasPrefix(got[0], "2s | pacing requests to the vendor's rate limit (bucket search)") {
		t.Errorf("announced %q, want the 2s pacing wait of bucket search", got)
	}
}

// TestDefaultMaxWaitSleepsLongVendorWaits: with heartbeats, a vendor's
// wait of several minutes is slept (and announced) instead of being handed
// back to the core; one of hours still is.
func TestDefaultMaxWaitSleepsLongVendorWaits(t *testing.T) {
	for _, tt := range []struct {
		after string
		slept bool
	}{{"300", true}, {"7200", false}} {
		h, _ := failFirst(1, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", tt.after)
			writeJSON(w, http.StatusTooManyRequests, `{}`)
		})
		srv := serve(t, h)
		clock := newFakeClock()
		c := newClient(t, srv.URL, Options{clock: clock})
		_, err := c.Get(context.Background(), "/x", nil)
		if slept := err == nil && len(clock.Waits()) == 1; slept != tt.slept {
			t.Errorf("Retry-After %s: slept %v (waits %v, %v), want %v", tt.after, slept, clock.Waits(), err, tt.slept)
		}
	}
}
