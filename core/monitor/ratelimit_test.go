package monitor

import (
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/engine"
)

// TestConnectionsShowRateLimitWaits: the waits a pipeline's destination
// asked for are counted against that connection's health.
func TestConnectionsShowRateLimitWaits(t *testing.T) {
	h := newFakeHub(t, testConfig())
	m := New(h, quickOptions(&fakeClock{now: time.Now()}))
	at := time.Now()
	for _, wait := range []time.Duration{time.Second, 3 * time.Second} {
		m.onEvent(engine.Event{Kind: engine.EventRateLimitWait, Pipeline: "export", Wait: wait, Time: at})
	}
	m.onEvent(engine.Event{Kind: engine.EventRateLimitWait, Pipeline: "gone", Wait: time.Hour, Time: at})
	got := m.Connections()[0].RateLimit
	if got.Waits != 2 || got.LastWait != "3s" || !got.LastAt.Equal(at) {
		t.Fatalf("rate limit state = %+v, want 2 waits, the last of 3s", got)
	}
}
