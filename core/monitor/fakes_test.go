package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/engine"
	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/core/state/sqlite"
	"github.com/cxhub/cxhub/sdk"
)

// fakeHub is a hub for unit tests: a real SQLite state in a temp dir, a
// config built in code, and checks answered by a function.
type fakeHub struct {
	cfg   *config.Config
	store state.Store

	mu     sync.Mutex
	check  func(connection string) (sdk.CheckResponse, error)
	checks int
	subs   []func(engine.Event)
}

const testSecret = "receiver-secret-123"

func newFakeHub(t *testing.T, cfg *config.Config) *fakeHub {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return &fakeHub{cfg: cfg, store: st, check: func(string) (sdk.CheckResponse, error) {
		return sdk.CheckResponse{Message: "fine"}, nil
	}}
}

func (h *fakeHub) Config() (*config.Config, error) { return h.cfg, nil }
func (h *fakeHub) Store() (state.Store, error)     { return h.store, nil }
func (h *fakeHub) Logger() *slog.Logger            { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
func (h *fakeHub) Redact(s string) string          { return strings.ReplaceAll(s, "tok-s3cret", "[redacted]") }

func (h *fakeHub) Check(_ context.Context, connection string) (sdk.CheckResponse, error) {
	h.mu.Lock()
	fn := h.check
	h.checks++
	h.mu.Unlock()
	return fn(connection)
}

func (h *fakeHub) setCheck(fn func(string) (sdk.CheckResponse, error)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.check = fn
}

func (h *fakeHub) Subscribe(fn func(engine.Event)) func() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.subs = append(h.subs, fn)
	return func() {}
}

func failing(string) (sdk.CheckResponse, error) {
	return sdk.CheckResponse{}, errors.New("hubspot at http://x: 503 Service Unavailable (token tok-s3cret)")
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// testConfig is a config with one connection and one pipeline scheduled
// every 10 minutes.
func testConfig(receivers ...config.Receiver) *config.Config {
	return &config.Config{
		Monitor: config.Monitor{CheckInterval: time.Minute, CheckFailures: 3, ErrorRate: 0.2, DeadLetters: 3,
			HangTimeout: time.Minute, Receivers: receivers},
		Connections: map[string]*config.Connection{"crm": {Name: "crm", Connector: "hubspot"}},
		Pipelines: []*config.Pipeline{{Name: "export", From: config.Endpoint{Connection: "crm", Stream: "contacts"},
			To: config.Endpoint{Connection: "crm", Stream: "companies"}, Schedule: 10 * time.Minute}},
	}
}

// receiver is an alert receiver on 127.0.0.1 that keeps what it gets.
type receiver struct {
	t   *testing.T
	srv *httptest.Server

	mu     sync.Mutex
	got    []received
	answer []int         // statuses to answer, in turn; then 200
	delay  time.Duration // before answering
	notify chan struct{}
}

type received struct {
	header http.Header
	body   []byte
	n      Notification
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t, notify: make(chan struct{}, 100)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		status := http.StatusOK
		if len(r.answer) > 0 {
			status, r.answer = r.answer[0], r.answer[1:]
		}
		if status == http.StatusOK {
			var n Notification
			if err := json.Unmarshal(body, &n); err != nil {
				t.Errorf("receiver got a body that is not a notification: %v\n%s", err, body)
			}
			r.got = append(r.got, received{header: req.Header.Clone(), body: body, n: n})
		}
		delay := r.delay
		r.mu.Unlock()
		r.notify <- struct{}{}
		time.Sleep(delay)
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) config() config.Receiver {
	return config.Receiver{Name: "ops", URL: r.srv.URL, Secret: testSecret}
}

func (r *receiver) received() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// waitFor waits until the receiver holds n notifications.
func (r *receiver) waitFor(n int, within time.Duration) []received {
	r.t.Helper()
	deadline := time.After(within)
	for {
		if got := r.received(); len(got) >= n {
			return got
		}
		select {
		case <-r.notify:
		case <-deadline:
			r.t.Fatalf("receiver got %d notifications in %v, want %d: %+v", len(r.received()), within, n, r.received())
		}
	}
}

// firing returns the alerts firing in the state.
func firing(t *testing.T, st state.Store) []state.Alert {
	t.Helper()
	a, err := st.Alerts(context.Background(), state.AlertFilter{Status: state.AlertFiring})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func quickOptions(clock *fakeClock) Options {
	o := Options{NotifyBackoff: time.Millisecond, NotifyRetries: 3}
	if clock != nil {
		o.Now = clock.Now
	}
	return o
}
