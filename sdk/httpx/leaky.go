package httpx

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// LeakyBucket paces a bucket of requests against a vendor's leaky bucket:
// the vendor counts each request into a bucket of Size places that drains
// at Leak requests a second, and refuses a request that finds it full
// (Shopify: 40 places draining 2 a second, 400 and 20 on Plus).
//
// The client keeps its own estimate of the bucket's level: each request
// adds one, time drains it, and every response carrying Header ("used/size",
// as Shopify's X-Shopify-Shop-Api-Call-Limit: 32/40) replaces the estimate
// with what the vendor counted, other clients of the same quota included
// (and the size, if the vendor says another). A request starts only when
// the level leaves room for it, so that a client alone on the quota meets
// no 429.
type LeakyBucket struct {
	// Size is the bucket's capacity in requests.
	Size int
	// Leak is how many requests drain from the bucket per second.
	Leak float64
	// Header names the response header holding "used/size"; empty means
	// the level is only estimated.
	Header string
	// Reserve is how many places are left free, for other users of the
	// same quota; zero by default.
	Reserve int
}

// check refuses a bucket that cannot pace anything.
func (lb *LeakyBucket) check() error {
	if lb == nil {
		return nil
	}
	if lb.Size <= 0 || lb.Leak <= 0 {
		return fmt.Errorf("leaky bucket: size and leak must be positive")
	}
	if lb.Reserve < 0 || lb.Reserve >= lb.Size {
		return fmt.Errorf("leaky bucket: reserve %d must be from 0 to below the size %d", lb.Reserve, lb.Size)
	}
	return nil
}

// leakyState is a bucket's estimate of the vendor's leaky bucket. Its
// fields are guarded by the limiter's mutex.
type leakyState struct {
	cfg   LeakyBucket
	size  int
	level float64   // requests in the bucket at `at`, those in flight included
	at    time.Time // when level was last set
}

func newLeakyState(cfg LeakyBucket) *leakyState {
	return &leakyState{cfg: cfg, size: cfg.Size}
}

// levelAt is the level drained until now.
func (s *leakyState) levelAt(now time.Time) float64 {
	if s.at.IsZero() {
		return s.level
	}
	drained := now.Sub(s.at).Seconds() * s.cfg.Leak
	return max(s.level-drained, 0)
}

// wait is how long until the bucket has room for one more request.
func (s *leakyState) wait(now time.Time) time.Duration {
	room := float64(s.size - s.cfg.Reserve)
	over := s.levelAt(now) + 1 - room
	if over <= 0 {
		return 0
	}
	return time.Duration(over / s.cfg.Leak * float64(time.Second))
}

// take counts one request into the bucket at now.
func (s *leakyState) take(now time.Time) {
	s.level, s.at = s.levelAt(now)+1, now
}

// learn takes in the vendor's count from a response's header; others is
// how many of the client's requests are in flight besides the one that got
// the response, which the vendor may not have counted yet.
func (s *leakyState) learn(h http.Header, others int, now time.Time) {
	if s.cfg.Header == "" {
		return
	}
	used, size, ok := parseUsedOfSize(h.Get(s.cfg.Header))
	if !ok {
		return
	}
	s.size = size
	s.level, s.at = float64(used+max(others, 0)), now
}

// parseUsedOfSize reads "32/40".
func parseUsedOfSize(v string) (used, size int, ok bool) {
	a, b, found := strings.Cut(strings.TrimSpace(v), "/")
	if !found {
		return 0, 0, false
	}
	u, err1 := strconv.Atoi(strings.TrimSpace(a))
	s, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err1 != nil || err2 != nil || u < 0 || s <= 0 {
		return 0, 0, false
	}
	return u, s, true
}
