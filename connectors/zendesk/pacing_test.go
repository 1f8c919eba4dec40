package zendesk

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/zendesk/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// TestPacingHoldsUnderIncrementalLimit runs two reads at once against a
// sandbox whose incremental exports allow 4 requests per 300ms window, with
// the connector paced at the same 4 per window: many pages, and not one 429.
func TestPacingHoldsUnderIncrementalLimit(t *testing.T) {
	const limit, window = 4, 300 * time.Millisecond
	e := newEnv(t, sandbox.Options{Seed: 6, Users: 40, Tickets: 40, IncrementalLimit: limit, RateLimit: 10000, RateWindow: window})
	cfg := e.config("page_size", 5, "incremental_requests_per_minute", limit, "requests_per_minute", 10000, "rate_window", window.String())
	var wg sync.WaitGroup
	counts := map[string]int{}
	var mu sync.Mutex
	for _, stream := range []string{StreamUsers, StreamTickets} {
		wg.Go(func() {
			col, err := sdktest.ReadAll(context.Background(), e.conn, sdk.ReadRequest{Config: cfg, Streams: []sdk.StreamState{{Stream: stream}}})
			if err != nil {
				t.Errorf("read %s: %v", stream, err)
				return
			}
			mu.Lock()
			counts[stream] = len(col.Records)
			mu.Unlock()
		})
	}
	wg.Wait()
	if counts[StreamUsers] != len(e.sb.Users()) || counts[StreamTickets] != len(e.sb.Tickets()) {
		t.Errorf("read %v, want %d users and %d tickets", counts, len(e.sb.Users()), len(e.sb.Tickets()))
	}
	stats := e.sb.Kit().Stats()
	exports := e.sb.Kit().Count("GET", "/api/v2/incremental/users/cursor.json") + e.sb.Kit().Count("GET", "/api/v2/incremental/tickets/cursor.json")
	if exports < 4*limit {
		t.Fatalf("only %d export requests: the test needs several windows' worth", exports)
	}
	if stats.ByStatus[429] != 0 {
		t.Errorf("%d of %d requests were refused with 429: the connector did not pace under the limit", stats.ByStatus[429], stats.Total)
	}
}

// TestRateLimitedReadWaitsAndCompletes: when Zendesk says 429 anyway, the
// read honours Retry-After and completes.
func TestRateLimitedReadWaitsAndCompletes(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 7, Users: 12, Tickets: -1})
	if err := e.sb.Kit().SetFaults(kitStorm(3)); err != nil {
		t.Fatal(err)
	}
	col := e.read(e.config("page_size", 5), StreamUsers, nil)
	if len(col.Records) != len(e.sb.Users()) || e.sb.Kit().Stats().ByStatus[429] != 3 {
		t.Errorf("%d records after a storm of 3 429s (%v), want %d", len(col.Records), e.sb.Kit().Stats().ByStatus, len(e.sb.Users()))
	}
}
