package httpx

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// TestQuotaSpentStopsCalls: a 429 whose quota headers say nothing is left
// fails at once (no retry) with a *QuotaExhausted naming the reset, and
// the next call is refused without being sent.
func TestQuotaSpentStopsCalls(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n := calls.Add(1)
		w.Header().Set("X-Day-Remaining", strconv.Itoa(max(2-int(n), 0))) // 1 after the first call, then 0
		w.Header().Set("X-Day-Reset", "3600")
		if n >= 2 {
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"error":{"message":"Too many requests"}}`))
			return
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	c, err := New(Options{BaseURL: srv.URL, MinBackoff: time.Millisecond,
		RateLimits: RateLimits{Quota: QuotaHeaders{Name: "daily", Remaining: "X-Day-Remaining", Reset: "X-Day-Reset"}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Get(ctx, "/a", nil); err != nil {
		t.Fatalf("first call: %v", err)
	}
	_, err = c.Get(ctx, "/b", nil)
	q, ok := IsQuotaExhausted(err)
	if !ok || sdk.KindOf(err) != sdk.KindRateLimited || q.Name != "daily" || q.ResetAt.IsZero() {
		t.Fatalf("second call: %v (kind %v), want a rate-limited daily QuotaExhausted with its reset", err, sdk.KindOf(err))
	}
	if wait := sdk.RetryAfterOf(err); wait < 59*time.Minute || wait > time.Hour {
		t.Errorf("retry after %v, want about an hour", wait)
	}
	if _, err := c.Get(ctx, "/c", nil); err == nil {
		t.Fatal("third call succeeded with the quota spent")
	} else if _, ok := IsQuotaExhausted(err); !ok {
		t.Errorf("third call: %v, want QuotaExhausted", err)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("%d requests sent, want 2: the 429 is not retried and nothing is sent once the quota is spent", n)
	}
}

// TestQuotaResets: once the reset has passed, calls go out again.
func TestQuotaResets(t *testing.T) {
	q := newQuota(QuotaHeaders{Remaining: "R", Reset: "S"})
	now := time.Unix(2_000_000, 0)
	q.observe(http.Header{"R": {"0"}, "S": {"10"}}, now)
	if e, _ := q.exhausted(now.Add(5 * time.Second)); e == nil {
		t.Fatal("quota not spent 5s before its reset")
	}
	if e, _ := q.exhausted(now.Add(10 * time.Second)); e != nil {
		t.Errorf("quota still spent at its reset: %v", e)
	}
}
