package sandbox

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// CallLimitHeader reports the leaky bucket's level: "32/40".
const CallLimitHeader = "X-Shopify-Shop-Api-Call-Limit"

// tooManyBody is Shopify's 429 body.
const tooManyBody = "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."

// leakyBucket is Shopify's rate limit: per token, a bucket of size
// requests draining leak a second, on the real time.
type leakyBucket struct {
	size int
	leak float64
	mu   sync.Mutex
	by   map[string]*level
}

type level struct {
	n  float64
	at time.Time
}

func newLeakyBucket(size int, leak float64) *leakyBucket {
	return &leakyBucket{size: size, leak: leak, by: map[string]*level{}}
}

// take counts a request of token at now if the bucket has room; it returns
// the level after it (rounded up, as the header reports it) and, when
// refused, how long until there is room.
func (b *leakyBucket) take(token string, now time.Time) (used int, wait time.Duration, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	l := b.by[token]
	if l == nil {
		l = &level{at: now}
		b.by[token] = l
	}
	l.n = math.Max(l.n-now.Sub(l.at).Seconds()*b.leak, 0)
	l.at = now
	if l.n+1 > float64(b.size)+1e-9 {
		over := l.n + 1 - float64(b.size)
		return b.size, time.Duration(over / b.leak * float64(time.Second)), false
	}
	l.n++
	return int(math.Ceil(l.n - 1e-9)), 0, true
}

// admit counts the request in the token's bucket and sets the call-limit
// header; a full bucket is answered 429 and admit returns false.
func (s *Sandbox) admit(w http.ResponseWriter, token string) bool {
	used, wait, ok := s.bucket.take(token, time.Now())
	if s.opts.NoRateLimit {
		ok = true
	}
	w.Header().Set(CallLimitHeader, fmt.Sprintf("%d/%d", used, s.bucket.size))
	if !ok {
		writeTooMany(w, wait)
	}
	return ok
}

// writeTooMany answers 429 as Shopify does: a float Retry-After and the
// errors body.
func writeTooMany(w http.ResponseWriter, after time.Duration) {
	w.Header().Set("Retry-After", strconv.FormatFloat(math.Max(after.Seconds(), 0), 'f', 1, 64))
	writeErrors(w, http.StatusTooManyRequests, tooManyBody)
}

func writeJSON(w http.ResponseWriter, status int, v any) { kit.WriteJSON(w, status, v) }

// writeErrors answers with Shopify's {"errors": ...} shape: a string, or an
// object of field → messages.
func writeErrors(w http.ResponseWriter, status int, errs any) {
	writeJSON(w, status, map[string]any{"errors": errs})
}

// respondFault writes the answer of a fault the kit injects.
func (s *Sandbox) respondFault(w http.ResponseWriter, _ *http.Request, status int) {
	switch {
	case status == http.StatusTooManyRequests:
		w.Header().Set(CallLimitHeader, fmt.Sprintf("%d/%d", s.opts.BucketSize, s.opts.BucketSize))
		writeTooMany(w, max(s.opts.FaultRetryAfter, 0))
	case status == http.StatusUnauthorized:
		writeErrors(w, status, "[API] Invalid API key or access token (unrecognized login or wrong password)")
	case status == http.StatusForbidden:
		writeErrors(w, status, "[API] This action requires merchant approval for read_customers scope.")
	case status == http.StatusNotFound:
		writeErrors(w, status, "Not Found")
	case status >= 500:
		writeErrors(w, status, "Internal Server Error")
	default:
		writeErrors(w, status, http.StatusText(status))
	}
}
