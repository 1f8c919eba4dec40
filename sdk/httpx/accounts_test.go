package httpx

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// windowServer answers 429 to a request past limit in any interval.
type windowServer struct {
	limit    int
	interval time.Duration
	mu       sync.Mutex
	times    []time.Time
	refused  int
}

func (s *windowServer) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	kept := s.times[:0]
	for _, t := range s.times {
		if now.Sub(t) < s.interval {
			kept = append(kept, t)
		}
	}
	s.times = kept
	if len(s.times) >= s.limit {
		s.refused++
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	s.times = append(s.times, now)
	w.Write([]byte(`{}`))
}

// Two clients of one account, as two pipelines on one token make them,
// keep together to the account's limit: no request is refused.
func TestAccountsShareOneBudget(t *testing.T) {
	srv := &windowServer{limit: 4, interval: 300 * time.Millisecond}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	var accounts Accounts
	opts := Options{BaseURL: ts.URL, MaxRetries: -1,
		RateLimits: RateLimits{Static: map[string]Limit{"": {Requests: 4, Interval: 400 * time.Millisecond}}}}
	key := AccountKey(ts.URL, "token")
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 2 {
		c, err := accounts.Client(key, opts)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseIdleConnections()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 6 {
				if _, err := c.Get(context.Background(), "/x", nil); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("request failed: %v", err)
	}
	if srv.refused > 0 {
		t.Errorf("the server refused %d requests: the two clients paced apart", srv.refused)
	}
	// Another account has its own budget.
	other, err := accounts.Client(AccountKey(ts.URL, "other"), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer other.CloseIdleConnections()
	c, _ := accounts.Client(key, opts)
	defer c.CloseIdleConnections()
	if other.limits == c.limits {
		t.Error("two accounts share one budget")
	}
}
