package httpx

import (
	"crypto/sha256"
	"encoding/hex"
	"sync"
)

// Accounts gives every Client made for one vendor account the same rate
// limits: one budget per account, however many pipelines and calls of a
// connector process use it. A vendor counts requests per account (per
// token), not per client; two clients pacing apart would together go past
// the limit and meet 429s.
//
// Keep one Accounts in the connector (its zero value is ready) and make
// every Client through it; a connector process serves all the pipelines
// that use it, so they share the budget. Safe for concurrent use.
type Accounts struct {
	mu       sync.Mutex
	limiters map[string]*limiter
}

// AccountKey names an account by what identifies it to the vendor (base
// URL, user, token), hashed so that no credential is kept.
func AccountKey(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Client makes a Client for opts, as New does, whose rate limits are
// account's: the first Client made for an account sets its limits (from
// opts.RateLimits), and every later one paces against the same buckets and
// learns from the same vendor headers. Clients may otherwise differ
// (retries, timeouts, classification).
func (a *Accounts) Client(account string, opts Options) (*Client, error) {
	c, err := New(opts)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.limiters == nil {
		a.limiters = map[string]*limiter{}
	}
	if l, ok := a.limiters[account]; ok {
		c.limits = l
	} else {
		a.limiters[account] = c.limits
	}
	return c, nil
}
