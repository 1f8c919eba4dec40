package httpx

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// RateLimits pace a Client's requests so that the vendor does not have to
// refuse them. Every request belongs to a bucket (Request.Bucket, "" being
// the default one); each bucket is paced on its own.
//
// Both kinds of limit are sliding windows over the moments requests
// finished, which is never earlier than the moment the vendor counted them:
// no more than Requests of them in any Interval, not even across the edge of
// a window (a token bucket with a burst of Requests would let through twice
// that many in some rolling Interval).
type RateLimits struct {
	// Static are limits known from the vendor's documentation, per bucket:
	// {"search": {Requests: 4, Interval: time.Second}}.
	Static map[string]Limit
	// Headers name the rate-limit headers the vendor sends. The client
	// learns from every response that carries them, 429s included.
	Headers RateHeaders
	// Reserve is how many requests of a vendor-reported remaining budget
	// are left unused, for other users of the same quota; zero by default.
	Reserve int
	// Leaky are vendors' leaky buckets, per bucket (see LeakyBucket).
	Leaky map[string]LeakyBucket
	// Quota names the headers of a long-period quota (a daily one): once
	// it is spent, calls fail at once with a *QuotaExhausted (quota.go).
	Quota QuotaHeaders
}

// Limit allows Requests requests in any Interval.
type Limit struct {
	Requests int
	Interval time.Duration
}

// RateHeaders name a vendor's rate-limit response headers; any may be empty.
//
// Once Limit and the window's length (Interval, or else the longest Reset
// seen) are known, the bucket enforces that sliding window too, counting
// the requests already in flight when it learns it (the vendor may not have
// counted them yet, but it will). When Remaining says the vendor has
// counted more requests than the client knows of (other users of the same
// quota), the window is filled up to match, so that Remaining 0 makes the
// next request wait for the oldest to leave it.
// With Reset, a Remaining at or below RateLimits.Reserve makes the bucket
// wait until the reset. A Limit above 10,000 (a daily quota) is paced by
// Remaining and Reset only.
type RateHeaders struct {
	// Limit is the header with the most requests allowed per window
	// ("X-HubSpot-RateLimit-Max", "X-Rate-Limit", "ratelimit-limit").
	Limit string
	// Remaining is the header with the requests left in the window
	// ("X-HubSpot-RateLimit-Remaining", "ratelimit-remaining").
	Remaining string
	// Reset is the header with the seconds until the window resets, whole
	// or fractional ("ratelimit-reset"). A value above 10^9 is read as the
	// Unix time of the reset.
	Reset string
	// Interval is the header with the window's length in milliseconds
	// ("X-HubSpot-RateLimit-Interval-Milliseconds").
	Interval string
	// Bucket is the bucket the headers describe; "" means the bucket of the
	// request whose response carries them.
	Bucket string
}

// check refuses limits that cannot be enforced.
func (r *RateLimits) check() error {
	for name, l := range r.Static {
		if l.Requests <= 0 || l.Interval <= 0 {
			return fmt.Errorf("rate limit of bucket %q: requests and interval must be positive", name)
		}
	}
	if r.Reserve < 0 {
		return fmt.Errorf("rate limit reserve %d is negative", r.Reserve)
	}
	for name, lb := range r.Leaky {
		if err := lb.check(); err != nil {
			return fmt.Errorf("rate limit of bucket %q: %w", name, err)
		}
	}
	return nil
}

// limiter holds the buckets of one Client.
type limiter struct {
	clock   clock
	static  map[string]Limit
	leaky   map[string]LeakyBucket
	headers RateHeaders
	reserve int

	mu      sync.Mutex
	buckets map[string]*bucket
}

func newLimiter(c clock, rl RateLimits) *limiter {
	return &limiter{
		clock:   c,
		static:  maps.Clone(rl.Static),
		leaky:   maps.Clone(rl.Leaky),
		headers: rl.Headers,
		reserve: rl.Reserve,
		buckets: make(map[string]*bucket),
	}
}

// bucket returns the named bucket, made on first use. l.mu must be held.
func (l *limiter) bucket(name string) *bucket {
	b := l.buckets[name]
	if b == nil {
		b = &bucket{changed: make(chan struct{})}
		if s, ok := l.static[name]; ok {
			b.static = &window{limit: s.Requests, interval: s.Interval}
		}
		if lb, ok := l.leaky[name]; ok {
			b.leaky = newLeakyState(lb)
		}
		l.buckets[name] = b
	}
	return b
}

// acquire waits until bucket name lets one more request start, and takes
// its place. If the wait is known to be longer than maxWait, it returns at
// once with that wait and an error; if ctx ends first, with ctx's error.
func (l *limiter) acquire(ctx context.Context, name string, maxWait time.Duration) (*slot, time.Duration, error) {
	for {
		l.mu.Lock()
		b := l.bucket(name)
		d, known := b.wait(l.clock.Now(), l.reserve)
		if d <= 0 {
			s := b.take(l)
			l.mu.Unlock()
			return s, 0, nil
		}
		if known && d > maxWait {
			l.mu.Unlock()
			return nil, d, fmt.Errorf("rate limits need a wait of %s, longer than the max wait of %s", d, maxWait)
		}
		changed := b.changed
		b.waiting++
		l.mu.Unlock()

		sdk.Waiting(ctx, pacingReason(name, d), l.clock.Now().Add(d))
		fired, stop := l.clock.After(d)
		var err error
		select {
		case <-ctx.Done():
			err = ctx.Err()
		case <-fired:
		case <-changed:
		}
		stop()
		l.mu.Lock()
		b.waiting--
		l.mu.Unlock()
		if err != nil {
			return nil, 0, err
		}
	}
}

// pacingReason says why acquire waits, for sdk.Waiting.
func pacingReason(bucket string, d time.Duration) string {
	if bucket == "" {
		bucket = "default"
	}
	return fmt.Sprintf("pacing requests to the vendor's rate limit (bucket %s): next request in %s", bucket, d.Round(time.Millisecond))
}

// observe learns from the rate-limit headers of a response to the request
// holding slot s of bucket name.
func (l *limiter) observe(name string, s *slot, h http.Header) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	if b := l.buckets[name]; b != nil && b.leaky != nil {
		others := b.inflight
		if s.b == b {
			others--
		}
		b.leaky.learn(h, others, now)
	}
	if l.headers == (RateHeaders{}) {
		return
	}
	r := l.headers.read(h, now)
	if !r.any() {
		return
	}
	l.bucket(or(l.headers.Bucket, name)).learn(r, s, now)
}

// vendorWait is how long a 429 without Retry-After asks to wait, from the
// rate-limit headers: the Reset header, or else the time until the bucket's
// window (as just learned from the same response) has room. Zero if
// unknown.
func (l *limiter) vendorWait(name string, h http.Header, now time.Time) time.Duration {
	if l.headers.Reset != "" {
		if d, ok := parseReset(h.Get(l.headers.Reset), now); ok && d > 0 {
			return d
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[or(l.headers.Bucket, name)]
	if b == nil || b.learned == nil {
		return 0
	}
	d, known := b.learned.wait(l.clock.Now(), b.inflight)
	if !known {
		return 0
	}
	return d
}

// block keeps bucket name from starting requests until until.
func (l *limiter) block(name string, until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.bucket(name); until.After(b.blockedUntil) {
		b.blockedUntil = until
	}
}

// rateReport is what one response's rate-limit headers say; a zero
// duration or a false has* means the header was absent.
type rateReport struct {
	limit, remaining       int
	hasLimit, hasRemaining bool
	reset, interval        time.Duration
	hasReset               bool
}

func (r *rateReport) any() bool { return r.hasLimit || r.hasRemaining || r.hasReset }

// read parses the headers named by hs.
func (hs *RateHeaders) read(h http.Header, now time.Time) rateReport {
	var r rateReport
	r.limit, r.hasLimit = headerInt(h, hs.Limit)
	r.remaining, r.hasRemaining = headerInt(h, hs.Remaining)
	if hs.Reset != "" {
		r.reset, r.hasReset = parseReset(h.Get(hs.Reset), now)
	}
	if hs.Interval != "" {
		if ms, ok := parseNumber(strings.TrimSpace(h.Get(hs.Interval))); ok {
			r.interval = time.Duration(ms * float64(time.Millisecond))
		}
	}
	return r
}

// headerInt reads a header holding a whole number.
func headerInt(h http.Header, name string) (int, bool) {
	if name == "" {
		return 0, false
	}
	f, ok := parseNumber(strings.TrimSpace(h.Get(name)))
	if !ok || f > 1<<31 {
		return 0, false
	}
	return int(f), true
}

// bucket is the pacing state of one bucket. Its fields are guarded by the
// limiter's mutex.
type bucket struct {
	static  *window     // from RateLimits.Static; nil if none
	leaky   *leakyState // from RateLimits.Leaky; nil if none
	learned *window     // from the headers; nil until Limit and a length are known

	longestReset time.Duration // the longest Reset seen: the window's length if no Interval header
	// inflight is how many requests have started and not finished. They
	// count against every window of the bucket, the learned one included
	// even if they started before it was learned: the vendor may count
	// them any moment now.
	inflight     int
	blockedUntil time.Time // set by a 429 that said how long to wait

	// budget is how many more requests the vendor's Remaining allows until
	// budgetUntil, its reset; zero budgetUntil: no budget known.
	budget      int
	budgetUntil time.Time

	waiting int           // goroutines waiting in acquire
	changed chan struct{} // closed (and replaced) when a request finishes
}

// wait returns how long until b lets one more request start. known is false
// when that depends on requests in flight finishing: d is then only a
// fallback, and a finish wakes the waiters earlier.
func (b *bucket) wait(now time.Time, reserve int) (d time.Duration, known bool) {
	known = true
	if now.Before(b.blockedUntil) {
		d = b.blockedUntil.Sub(now)
	}
	for _, w := range [...]*window{b.static, b.learned} {
		if w == nil {
			continue
		}
		if wd, k := w.wait(now, b.inflight); wd > d {
			d, known = wd, k
		}
	}
	if b.leaky != nil {
		if wd := b.leaky.wait(now); wd > d {
			d, known = wd, true
		}
	}
	if !b.budgetUntil.IsZero() {
		if !now.Before(b.budgetUntil) {
			b.budgetUntil = time.Time{} // the vendor's window has reset
		} else if b.budget <= reserve {
			if bd := b.budgetUntil.Sub(now); bd > d {
				d, known = bd, true
			}
		}
	}
	return d, known
}

// take counts one more request started.
func (b *bucket) take(l *limiter) *slot {
	s := &slot{l: l, b: b, started: l.clock.Now()}
	b.inflight++
	if b.leaky != nil {
		b.leaky.take(l.clock.Now())
	}
	if !b.budgetUntil.IsZero() {
		b.budget--
	}
	return s
}

// learn takes in a response's report, got by the request holding s.
func (b *bucket) learn(r rateReport, s *slot, now time.Time) {
	if r.hasReset && r.reset > b.longestReset {
		b.longestReset = r.reset
	}
	length := or(r.interval, b.longestReset)
	if r.hasLimit && r.limit > 0 && r.limit <= maxLearnedLimit && length > 0 {
		if b.learned == nil {
			// The requests in flight, this one included, count in it at
			// once: b.inflight is every window's.
			b.learned = &window{}
		}
		b.learned.limit, b.learned.interval = r.limit, length
	}
	if !r.hasRemaining {
		return
	}
	remaining := max(r.remaining, 0)
	if w := b.learned; w != nil {
		// The vendor has counted requests the client has not seen: fill
		// the window with them, as if they had just finished. The request
		// that got this response is among the client's, in flight, if it
		// belongs to b; if not, it is one of those the client has not seen.
		// The vendor counted when it handled the request, after it
		// started: requests the client saw finish since an interval before
		// that start may be among those counted, though the client's window
		// has let them go by now. Counting them keeps the client from taking
		// its own past requests for someone else's, and from filling the
		// window with phantoms that would block it for a whole interval
		// (a rolling window's second burst).
		since := now
		if s != nil && s.b == b && !s.started.IsZero() {
			since = s.started
		}
		w.prune(now)
		known := w.used(b.inflight) + w.pastSince(since)
		for counted := w.limit - remaining; known < counted; known++ {
			w.done = append(w.done, now)
		}
	}
	if r.hasReset {
		// Requests in flight may not have been counted yet: assume not.
		others := b.inflight
		if s.b == b {
			others--
		}
		b.budget = remaining - others
		b.budgetUntil = now.Add(r.reset)
	}
}

// maxLearnedLimit is the largest Limit header paced as a sliding window; a
// larger one is a daily quota or the like, paced by Remaining and Reset only.
const maxLearnedLimit = 10_000

// slot is one request's place in its bucket, held from before it is sent
// until its body is read.
type slot struct {
	l        *limiter
	b        *bucket
	started  time.Time
	released bool
}

// release records the request as finished now. It may be called twice.
func (s *slot) release() {
	l := s.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if s.released {
		return
	}
	s.released = true
	now := l.clock.Now()
	b := s.b
	b.inflight--
	for _, w := range [...]*window{b.static, b.learned} {
		if w != nil {
			w.done = append(w.done, now)
		}
	}
	if b.waiting > 0 {
		close(b.changed)
		b.changed = make(chan struct{})
	}
}

// window is a sliding-window limit: at most limit requests in any interval,
// counting a request from when it starts until interval after it finished.
// The requests in flight are the bucket's, counted by every window.
type window struct {
	limit    int
	interval time.Duration
	done     []time.Time // finish times within the last interval, oldest first
	past     []time.Time // finish times of the interval before, oldest first
}

// prune forgets the requests that finished an interval ago or more (they
// stay in past for another interval).
func (w *window) prune(now time.Time) {
	n := 0
	for n < len(w.done) && !now.Before(w.done[n].Add(w.interval)) {
		n++
	}
	if n > 0 {
		w.past = append(w.past, w.done[:n]...)
		w.done = append(w.done[:0], w.done[n:]...)
	}
	m := 0
	for m < len(w.past) && !now.Before(w.past[m].Add(2*w.interval)) {
		m++
	}
	if m > 0 {
		w.past = append(w.past[:0], w.past[m:]...)
	}
}

// pastSince is how many of the requests pruned from the window finished
// less than an interval before since.
func (w *window) pastSince(since time.Time) int {
	n := 0
	for _, t := range w.past {
		if since.Before(t.Add(w.interval)) {
			n++
		}
	}
	return n
}

// used is how many requests count against the window now (after prune),
// with inflight requests in flight.
func (w *window) used(inflight int) int { return len(w.done) + inflight }

// wait returns how long until the window has room for one more request,
// with inflight requests in flight; known is false when every place is held
// by a request in flight.
func (w *window) wait(now time.Time, inflight int) (time.Duration, bool) {
	w.prune(now)
	over := w.used(inflight) - w.limit // room comes once over+1 finished requests have left
	switch {
	case over < 0:
		return 0, true
	case over < len(w.done):
		return w.done[over].Add(w.interval).Sub(now), true
	}
	return w.interval, false
}
