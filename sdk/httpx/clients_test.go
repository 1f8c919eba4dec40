package httpx

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

// TestClientsKeepOnePerKey: one key gives one client, made once even by
// concurrent callers; another key another; a failed build keeps nothing.
func TestClientsKeepOnePerKey(t *testing.T) {
	var cs Clients
	var builds atomic.Int32
	build := func() (*Client, error) {
		builds.Add(1)
		return New(Options{BaseURL: "https://api.example.com"})
	}
	got := make([]*Client, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() {
			c, err := cs.Get(AccountKey("https://api.example.com", "token"), build)
			if err != nil {
				t.Error(err)
			}
			got[i] = c
		})
	}
	wg.Wait()
	for _, c := range got {
		if c == nil || c != got[0] {
			t.Fatalf("clients %v, want one client for one key", got)
		}
	}
	if n := builds.Load(); n != 1 {
		t.Errorf("%d builds for one key, want 1", n)
	}
	other, err := cs.Get(AccountKey("https://api.example.com", "token", "quick"), build)
	if err != nil || other == got[0] {
		t.Errorf("another key gave %p, %v; want a client of its own", other, err)
	}

	refused := errors.New("bad options")
	if c, err := cs.Get("broken", func() (*Client, error) { return nil, refused }); c != nil || !errors.Is(err, refused) {
		t.Errorf("a failed build gave %v, %v; want its error", c, err)
	}
	if c, err := cs.Get("broken", build); err != nil || c == nil {
		t.Errorf("after a failed build, Get gave %v, %v; want a new client", c, err)
	}
}
