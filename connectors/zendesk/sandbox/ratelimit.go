package sandbox

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// accountKey is the rate-limit key: a sandbox is one account.
const accountKey = "account"

// admit counts the request against the account's limit and, for the
// incremental exports, theirs; it sets the rate-limit headers and, when a
// limit is used up, answers 429 and returns false. Windows run on the real
// time.
func (s *Sandbox) admit(w http.ResponseWriter, r *http.Request) bool {
	if s.opts.NoRateLimits {
		return true
	}
	now := time.Now()
	d := s.global.Take(accountKey, now)
	h := w.Header()
	h.Set("X-Rate-Limit", strconv.Itoa(s.global.Limit()))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(d.Remaining))
	if isList(r) {
		h.Set("ratelimit-limit", strconv.Itoa(s.global.Limit()))
		h.Set("ratelimit-remaining", strconv.Itoa(d.Remaining))
		h.Set("ratelimit-reset", strconv.Itoa(ceilSeconds(d.Reset)))
	}
	if !d.Allowed {
		writeTooMany(w, atLeastSecond(d.Reset))
		return false
	}
	if strings.HasPrefix(r.URL.Path, "/api/v2/incremental/") {
		di := s.incremental.Take(accountKey, now)
		if !di.Allowed {
			writeTooMany(w, atLeastSecond(di.Reset))
			return false
		}
	}
	return true
}

// isList reports whether the request is to a list endpoint, whose answers
// carry the ratelimit-* headers too.
func isList(r *http.Request) bool {
	p := r.URL.Path
	return r.Method == http.MethodGet && (p == "/api/v2/users.json" || p == "/api/v2/tickets.json" ||
		strings.HasSuffix(p, "/comments.json"))
}

func ceilSeconds(d time.Duration) int { return int(math.Ceil(d.Seconds())) }

// atLeastSecond rounds a wait up to whole seconds, at least one: Zendesk's
// Retry-After is an integer, and 0 would invite an immediate retry.
func atLeastSecond(d time.Duration) time.Duration {
	secs := ceilSeconds(d)
	if secs < 1 {
		secs = 1
	}
	return time.Duration(secs) * time.Second
}
