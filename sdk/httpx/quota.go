package httpx

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// QuotaHeaders name the headers of a vendor's long-period request quota (a
// daily quota, as SurveyMonkey's X-Ratelimit-App-Global-Day-* headers
// report it), which, unlike a per-minute window, is not worth waiting for
// inside a call: once it is spent, the client sends nothing more until it
// resets and every call fails at once with a *QuotaExhausted error.
type QuotaHeaders struct {
	// Name says which quota it is in messages ("daily").
	Name string
	// Remaining is the header with the requests left in the period.
	Remaining string
	// Reset is the header with the seconds until the period resets, or
	// the Unix time of the reset (a value above 10^9).
	Reset string
}

// QuotaExhausted is the cause of a call refused because the vendor's quota
// (RateLimits.Quota) is spent: a 429 whose quota headers say nothing is
// left, or any call after one. The error Do returns wraps it in an
// sdk.RateLimited error whose wait is the time until ResetAt; find it with
// errors.As to stop a read cleanly at its last checkpoint rather than fail.
type QuotaExhausted struct {
	// Name is the quota's name from QuotaHeaders ("daily").
	Name string
	// ResetAt is when the vendor said the quota resets; zero if it did not.
	ResetAt time.Time
}

// Error reads "daily quota exhausted, resets at 2026-12-08T00:00:00Z".
func (e *QuotaExhausted) Error() string {
	name := or(e.Name, "request")
	if e.ResetAt.IsZero() {
		return name + " quota exhausted"
	}
	return fmt.Sprintf("%s quota exhausted, resets at %s", name, e.ResetAt.UTC().Format(time.RFC3339))
}

// IsQuotaExhausted returns the *QuotaExhausted in err's chain, if any.
func IsQuotaExhausted(err error) (*QuotaExhausted, bool) {
	var q *QuotaExhausted
	ok := errors.As(err, &q)
	return q, ok
}

// quota tracks what the vendor's quota headers last said. Its zero value
// (no headers named) never refuses anything.
type quota struct {
	headers QuotaHeaders
	mu      sync.Mutex
	spent   bool
	resetAt time.Time
}

func newQuota(h QuotaHeaders) *quota { return &quota{headers: h} }

// observe learns from a response's quota headers.
func (q *quota) observe(h http.Header, now time.Time) {
	if q.headers.Remaining == "" {
		return
	}
	remaining, ok := headerInt(h, q.headers.Remaining)
	if !ok {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.spent = remaining <= 0
	q.resetAt = time.Time{}
	if q.headers.Reset != "" {
		if d, ok := parseReset(h.Get(q.headers.Reset), now); ok {
			q.resetAt = now.Add(d)
		}
	}
}

// exhausted returns the quota's error and the wait until it resets if it
// is spent at now; nil once its reset has passed.
func (q *quota) exhausted(now time.Time) (*QuotaExhausted, time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.spent {
		return nil, 0
	}
	if !q.resetAt.IsZero() && !now.Before(q.resetAt) {
		q.spent = false
		return nil, 0
	}
	wait := time.Duration(0)
	if !q.resetAt.IsZero() {
		wait = q.resetAt.Sub(now)
	}
	return &QuotaExhausted{Name: q.headers.Name, ResetAt: q.resetAt}, wait
}
