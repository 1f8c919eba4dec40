package httpx

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestLeakyBucketSchedule(t *testing.T) {
	clock := newFakeClock()
	l := newLimiter(clock, RateLimits{Leaky: map[string]LeakyBucket{"": {Size: 4, Leak: 2}}})
	start := clock.Now()
	var starts []time.Duration
	for range 7 {
		s, _, err := l.acquire(context.Background(), "", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		starts = append(starts, clock.Now().Sub(start))
		s.release()
	}
	// A burst of the bucket's size, then one each time a place drains.
	want := []time.Duration{0, 0, 0, 0, 500 * time.Millisecond, time.Second, 1500 * time.Millisecond}
	if fmt.Sprint(starts) != fmt.Sprint(want) {
		t.Errorf("starts %v, want %v", starts, want)
	}
}

func TestLeakyBucketLearnsTheVendorsLevel(t *testing.T) {
	clock := newFakeClock()
	lb := LeakyBucket{Size: 40, Leak: 2, Header: "X-Call-Limit"}
	l := newLimiter(clock, RateLimits{Leaky: map[string]LeakyBucket{"": lb}})
	s, _, err := l.acquire(context.Background(), "", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// Another client has nearly filled the shared bucket; and the vendor
	// says the bucket holds 10, not 40.
	l.observe("", s, http.Header{"X-Call-Limit": {"9/10"}})
	s.release()
	for range 2 { // the 10th request goes at once, the 11th waits for a place
		s, _, err = l.acquire(context.Background(), "", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		s.release()
	}
	if got := clock.Waits(); len(got) != 1 || got[0] != 500*time.Millisecond {
		t.Errorf("waits %v, want one of 500ms once the vendor's bucket of 10 is full", got)
	}
}

func TestLeakyBucketParsesUsedOfSize(t *testing.T) {
	for in, want := range map[string][3]int{"32/40": {32, 40, 1}, " 0 / 400 ": {0, 400, 1}, "40": {0, 0, 0}, "a/40": {0, 0, 0}, "3/0": {0, 0, 0}} {
		u, s, ok := parseUsedOfSize(in)
		if got := [3]int{u, s, map[bool]int{true: 1}[ok]}; got != want {
			t.Errorf("parseUsedOfSize(%q) = %v, want %v", in, got, want)
		}
	}
	for _, bad := range []LeakyBucket{{Size: 0, Leak: 1}, {Size: 4, Leak: 0}, {Size: 4, Leak: 1, Reserve: 4}} {
		if _, err := New(Options{BaseURL: "http://x", RateLimits: RateLimits{Leaky: map[string]LeakyBucket{"": bad}}}); err == nil {
			t.Errorf("New accepted leaky bucket %+v", bad)
		}
	}
}
