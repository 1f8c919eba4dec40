package sandbox

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// limits are the sandbox's rate limits per token: HubSpot's rolling
// ten-second window, the search endpoints' own per-second window, and the
// daily count. They run on the wall clock, not on Options.Now, so that a
// test with a frozen data clock still sees its windows slide.
type limits struct {
	general   *kit.Window
	search    *kit.Window
	off       bool
	daily     int
	mu        sync.Mutex
	used      map[string]int // requests today, per token
	remaining map[string]int // what the last request left in the window, per token
}

func newLimits(o Options) *limits {
	return &limits{
		general:   kit.NewWindow(o.RateLimit, o.RateInterval),
		search:    kit.NewWindow(o.SearchLimit, o.SearchInterval),
		off:       o.NoRateLimit,
		daily:     o.DailyLimit,
		used:      map[string]int{},
		remaining: map[string]int{},
	}
}

// isSearch reports whether r is a request to a search endpoint, which has
// its own limit and answers without the X-HubSpot-RateLimit headers.
func isSearch(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/search")
}

// bearer returns the token of r's Authorization header, or "".
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// limit takes one request of token from the windows that apply to r and
// writes the rate-limit headers; it answers 429 itself and returns false
// when a window is full.
func (s *Sandbox) limit(w http.ResponseWriter, r *http.Request, token string) bool {
	l := s.limits
	now := time.Now()
	if isSearch(r) {
		if !l.off && !l.search.Take(token, now).Allowed {
			s.searchLimited(w)
			return false
		}
		return s.takeDaily(w, token, false)
	}
	d := kit.Decision{Allowed: true, Remaining: l.general.Limit()}
	if !l.off {
		d = l.general.Take(token, now)
	}
	if !d.Allowed {
		s.setRateHeaders(w, token, 0)
		s.rateLimited(w)
		return false
	}
	s.setRateHeaders(w, token, d.Remaining)
	return s.takeDaily(w, token, true)
}

// takeDaily counts a request against the day's limit.
func (s *Sandbox) takeDaily(w http.ResponseWriter, token string, headers bool) bool {
	l := s.limits
	l.mu.Lock()
	used := l.used[token]
	ok := used < l.daily
	if ok {
		used++
		l.used[token] = used
	}
	l.mu.Unlock()
	if headers {
		w.Header().Set("X-HubSpot-RateLimit-Daily-Remaining", strconv.Itoa(l.daily-used))
	}
	if !ok {
		s.dailyLimited(w)
		return false
	}
	return true
}

// setRateHeaders writes the X-HubSpot-RateLimit-* headers; remaining < 0
// means "as the last request left it", without taking a request.
func (s *Sandbox) setRateHeaders(w http.ResponseWriter, token string, remaining int) {
	l := s.limits
	l.mu.Lock()
	if remaining < 0 {
		remaining = l.general.Limit()
		if r, ok := l.remaining[token]; ok {
			remaining = r
		}
	} else {
		l.remaining[token] = remaining
	}
	daily := l.daily - l.used[token]
	l.mu.Unlock()
	h := w.Header()
	h.Set("X-HubSpot-RateLimit-Max", strconv.Itoa(l.general.Limit()))
	h.Set("X-HubSpot-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-HubSpot-RateLimit-Interval-Milliseconds", strconv.FormatInt(l.general.Interval().Milliseconds(), 10))
	h.Set("X-HubSpot-RateLimit-Daily", strconv.Itoa(l.daily))
	h.Set("X-HubSpot-RateLimit-Daily-Remaining", strconv.Itoa(daily))
}
