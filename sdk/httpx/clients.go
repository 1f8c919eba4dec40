package httpx

import "sync"

// Clients keeps the Clients a connector makes, one per key, so that every
// call for the same account and settings uses one Client (its connections,
// its rate limits, what it learnt from the vendor's headers) instead of a
// new one each time. Keep one in the connector; its zero value is ready.
// Safe for concurrent use.
//
// It only keeps clients; to make clients with different settings for one
// account share its rate limits, build them with [Accounts].
type Clients struct {
	mu sync.Mutex
	m  map[string]*Client
}

// Get returns the Client kept under key, or makes one with build, keeps it
// and returns it. key must name everything build makes the Client from
// (an [AccountKey] of the base URL, the credentials and the settings that
// differ). An error from build is returned as it is, and nothing is kept:
// the next Get tries again. Calls for one key are not made concurrently.
func (cs *Clients) Get(key string, build func() (*Client, error)) (*Client, error) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if c, ok := cs.m[key]; ok {
		return c, nil
	}
	c, err := build()
	if err != nil {
		return nil, err
	}
	if cs.m == nil {
		cs.m = map[string]*Client{}
	}
	cs.m[key] = c
	return c, nil
}
