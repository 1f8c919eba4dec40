package httpx

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// silentListener accepts connections on loopback and never answers, like a
// vendor (or a wrong port) that takes the connection and then says nothing.
func silentListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String()
}

// A vendor that accepts the connection and never answers costs at most two
// attempts of Options.Timeout each (one retry, not MaxRetries), and the
// error says the vendor did not answer within the timeout.
func TestVendorThatNeverAnswersFailsInBoundedTime(t *testing.T) {
	base := silentListener(t)
	var counter Counter
	const timeout = 200 * time.Millisecond
	c := newClient(t, base, Options{Timeout: timeout, MinBackoff: 10 * time.Millisecond, Counter: &counter})
	start := time.Now()
	_, err := c.Get(context.Background(), "/contacts", nil)
	took := time.Since(start)
	wantKind(t, err, sdk.KindTransient)
	if errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "the vendor did not answer within 200ms") {
		t.Errorf("error %q, want it to say the vendor did not answer within 200ms", err)
	}
	if st := counter.Statuses(); st[0] != 2 || counter.Retries() != 1 {
		t.Errorf("attempts without an answer %v, retries %d; want 2 attempts, 1 retry (not MaxRetries=%d)",
			st, counter.Retries(), DefaultMaxRetries)
	}
	if bound := 2*timeout + time.Second; took > bound {
		t.Errorf("the call took %s, want at most %s", took, bound)
	}
}

// Only attempts without an answer in a row count against the one retry:
// a vendor that is slow once, then answers 503, then is slow again, then
// answers, is a vendor that answers, and the call succeeds.
func TestNoAnswerRetriesCountOnlyInARow(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		switch n {
		case 1, 3:
			select { // no answer within the client's timeout
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
			return
		case 2:
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, Options{Timeout: 200 * time.Millisecond, MinBackoff: 10 * time.Millisecond})
	resp, err := c.Get(context.Background(), "/contacts", nil)
	if err != nil {
		t.Fatalf("slow, 503, slow, then an answer: %v; want the answer (the slow attempts were not in a row)", err)
	}
	if resp.Attempts != 4 {
		t.Errorf("%d attempts, want 4", resp.Attempts)
	}
}
