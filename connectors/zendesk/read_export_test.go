package zendesk

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/cxhub/cxhub/connectors/zendesk/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// stubConfig is a config for a stub Zendesk at url, its paces off.
func stubConfig(t *testing.T, url string) sdk.Config {
	t.Helper()
	b, err := json.Marshal(map[string]any{"base_url": url, "email": "ops@example.com", "token": "t",
		"incremental_requests_per_minute": 100000, "requests_per_minute": 100000})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// stubExport serves the users export from a script: the answer for each
// request cursor ("" for the first, start_time request). After limit
// requests it ends the stream, so that a reader that does not notice a
// stuck export still stops.
type stubExport struct {
	mu     sync.Mutex
	script map[string]string // request cursor → answer
	limit  int
	calls  int
}

func (s *stubExport) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if r.URL.Path != "/api/v2/incremental/users/cursor.json" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if s.calls > s.limit {
		_, _ = w.Write([]byte(`{"users":[],"after_cursor":"END","end_of_stream":true}`))
		return
	}
	answer, ok := s.script[r.URL.Query().Get("cursor")]
	if !ok {
		http.Error(w, `{"error":"InvalidCursor"}`, http.StatusBadRequest)
		return
	}
	_, _ = w.Write([]byte(answer))
}

func (s *stubExport) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// TestReadFailsOnAStuckExport: an export whose after_cursor does not move
// without end_of_stream would be asked again and again, burning the
// exports' 10 requests a minute; the read fails instead, naming the stream
// and the cursor.
func TestReadFailsOnAStuckExport(t *testing.T) {
	tests := []struct {
		name     string
		state    string
		script   map[string]string
		requests int    // export requests before the read gives up
		cursor   string // the cursor the error names
		emitted  int    // records emitted before
	}{
		{"an empty page, the cursor unchanged", "", map[string]string{
			"":   `{"users":[{"id":1,"active":true}],"after_cursor":"C1","end_of_stream":false}`,
			"C1": `{"users":[],"after_cursor":"C1","end_of_stream":false}`,
		}, 2, "C1", 1},
		{"the same items again, the cursor unchanged", "", map[string]string{
			"":   `{"users":[{"id":1,"active":true}],"after_cursor":"C1","end_of_stream":false}`,
			"C1": `{"users":[{"id":2,"active":true}],"after_cursor":"C1","end_of_stream":false}`,
		}, 2, "C1", 1},
		{"from a checkpoint, the cursor unchanged", `{"cursor":"C1"}`, map[string]string{
			"C1": `{"users":[{"id":2,"active":true}],"after_cursor":"C1","end_of_stream":false}`,
		}, 1, "C1", 0},
		{"a cursor seen before in the read", "", map[string]string{
			"":  `{"users":[{"id":1}],"after_cursor":"A","end_of_stream":false}`,
			"A": `{"users":[{"id":2}],"after_cursor":"B","end_of_stream":false}`,
			"B": `{"users":[{"id":3}],"after_cursor":"A","end_of_stream":false}`,
		}, 3, "A", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := &stubExport{script: tt.script, limit: 10}
			srv := httptest.NewServer(stub)
			defer srv.Close()
			var state []byte
			if tt.state != "" {
				state = []byte(tt.state)
			}
			col, err := sdktest.ReadAll(context.Background(), New(), sdk.ReadRequest{Config: stubConfig(t, srv.URL),
				Streams: []sdk.StreamState{{Stream: StreamUsers, State: state}}})
			if sdk.KindOf(err) != sdk.KindTransient {
				t.Fatalf("read: %v (kind %s), want a transient error", err, sdk.KindOf(err))
			}
			for _, want := range []string{StreamUsers, `"` + tt.cursor + `"`, "end_of_stream"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %s", err, want)
				}
			}
			if n := stub.requests(); n != tt.requests {
				t.Errorf("%d export requests, want %d", n, tt.requests)
			}
			if n := len(col.Records); n != tt.emitted {
				t.Errorf("%d records emitted, want %d (not the stuck page's)", n, tt.emitted)
			}
		})
	}
}

// TestReadAsksForNoMorePagesThanNeeded: a read follows the export until
// end_of_stream and not one request further; a read with nothing new costs
// one request.
func TestReadAsksForNoMorePagesThanNeeded(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 22, Users: 75, Tickets: 80})
	const pageSize = 40
	cfg := e.config("page_size", pageSize)
	pages := func(n int) int { return max(1, (n+pageSize-1)/pageSize) }
	tests := []struct {
		stream, path string
		items        int
	}{
		{StreamUsers, "/api/v2/incremental/users/cursor.json", len(e.sb.Users())},
		{StreamTickets, "/api/v2/incremental/tickets/cursor.json", len(e.sb.Tickets())},
	}
	for _, tt := range tests {
		t.Run(tt.stream, func(t *testing.T) {
			before := e.sb.Kit().Count("GET", tt.path)
			col := e.read(cfg, tt.stream, nil)
			if n := len(col.Records); n != tt.items {
				t.Fatalf("%d records, want %d", n, tt.items)
			}
			if got, want := e.sb.Kit().Count("GET", tt.path)-before, pages(tt.items); got != want {
				t.Errorf("%d export requests for %d items by pages of %d, want %d", got, tt.items, pageSize, want)
			}
			before = e.sb.Kit().Count("GET", tt.path)
			e.read(cfg, tt.stream, col.Last(tt.stream))
			if got := e.sb.Kit().Count("GET", tt.path) - before; got != 1 {
				t.Errorf("%d export requests for a read with nothing new, want 1", got)
			}
		})
	}
}
