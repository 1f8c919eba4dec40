package httpx

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeClock moves only when waited on or advanced, and records every wait:
// tests of waits take no time. For one goroutine at a time.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) After(d time.Duration) (<-chan time.Time, func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.waits = append(f.waits, d)
	f.now = f.now.Add(d)
	fired := make(chan time.Time, 1)
	fired <- f.now
	return fired, func() {}
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func (f *fakeClock) Waits() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.waits)
}

// stuckClock is the real clock except that a wait never ends by itself;
// waiting is closed when the first wait begins.
type stuckClock struct {
	once    sync.Once
	waiting chan struct{}
}

func newStuckClock() *stuckClock { return &stuckClock{waiting: make(chan struct{})} }

func (s *stuckClock) Now() time.Time { return time.Now() }

func (s *stuckClock) After(time.Duration) (<-chan time.Time, func()) {
	s.once.Do(func() { close(s.waiting) })
	return nil, func() {}
}

// serve starts a test server closed at the end of the test.
func serve(t testing.TB, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// newClient makes a client for base, failing the test on error.
func newClient(t testing.TB, base string, opts Options) *Client {
	t.Helper()
	opts.BaseURL = base
	c, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// asError returns the *Error inside err, failing the test if there is none.
func asError(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) holds no *httpx.Error", err, err)
	}
	return e
}

// wantKind fails the test unless err has kind.
func wantKind(t *testing.T, err error, kind sdk.ErrorKind) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want a %s error", kind)
	}
	if got := sdk.KindOf(err); got != kind {
		t.Fatalf("kind of %q = %s, want %s", err, got, kind)
	}
}

// writeJSON answers status with a JSON body.
func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
