package httpx

import (
	"maps"
	"sync"
)

// Counter counts a Client's attempts: every request sent, a retry being one
// more. Its zero value is ready; it is safe for concurrent use, and one
// Counter may serve several Clients.
type Counter struct {
	mu       sync.Mutex
	total    int
	retries  int
	byPath   map[counterKey]int
	statuses map[int]int
}

type counterKey struct{ method, path string }

// Total is the number of requests sent.
func (c *Counter) Total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}

// Count is the number of requests sent with method to path (the path as
// sent, without its query string: "/api/v2/tickets.json").
func (c *Counter) Count(method, path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byPath[counterKey{method, path}]
}

// Statuses returns how many responses came with each status; 0 counts the
// requests that got no response.
func (c *Counter) Statuses() map[int]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[int]int, len(c.statuses))
	maps.Copy(out, c.statuses)
	return out
}

// Retries is the number of requests sent again after a failure.
func (c *Counter) Retries() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.retries
}

// record counts one request and its status (0 for no response).
func (c *Counter) record(method, path string, status int) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byPath == nil {
		c.byPath = make(map[counterKey]int)
		c.statuses = make(map[int]int)
	}
	c.total++
	c.byPath[counterKey{method, path}]++
	c.statuses[status]++
}

// retry counts one retry.
func (c *Counter) retry() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.retries++
	c.mu.Unlock()
}
