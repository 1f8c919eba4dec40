package monitor

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/core/state/postgres"
	"github.com/cxhub/cxhub/core/state/postgres/pgtest"
)

// countingStore counts the monitor's evaluations (one CountDeadLetters per
// pipeline each) and, with count set, is a state.ChangeCounter.
type countingStore struct {
	state.Store
	evaluations atomic.Int64
}

func (s *countingStore) CountDeadLetters(ctx context.Context, pipeline string, status state.DeadLetterStatus) (int64, error) {
	s.evaluations.Add(1)
	return s.Store.CountDeadLetters(ctx, pipeline, status)
}

// changeCounting is a countingStore whose change count the test sets.
type changeCounting struct {
	*countingStore
	mu    sync.Mutex
	count string
}

func (s *changeCounting) ChangeCount(context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count, nil
}

func (s *changeCounting) set(c string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count = c
}

// runMonitor runs m until the test ends.
func runMonitor(t *testing.T, m *Monitor) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
}

// waitUntil polls cond every 10ms for at most d.
func waitUntil(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// TestDiscardByAnotherProcessResolvesWithinMoments: on a PostgreSQL state,
// a discard made through another connection pool — the CLI's `cxhub dlq
// discard` beside `cxhub serve`, or another worker — resolves the
// pipeline_dead_letters alert within moments, not at the next periodic
// evaluation (30s by default; an hour here), which was the only time the
// monitor looked.
func TestDiscardByAnotherProcessResolvesWithinMoments(t *testing.T) {
	pg := pgtest.StartT(t)
	dsn := pg.NewDatabase(t)
	ctx := context.Background()
	open := func() *postgres.Store {
		st, err := postgres.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	}
	serve, cli := open(), open()
	cfg := testConfig() // dead_letters: 3
	cfg.Monitor.ErrorRate = 1
	h := newFakeHub(t, cfg)
	h.store = serve
	recordRun(t, serve, "export", state.RunSucceeded, state.Counts{Read: 100, Written: 97, DeadLettered: 3})
	opts := quickOptions(nil)
	opts.EvaluateEvery, opts.WatchEvery = time.Hour, 100*time.Millisecond
	runMonitor(t, New(h, opts))
	if !waitUntil(5*time.Second, func() bool { return firingKeys(t, serve)["pipeline_dead_letters:export"] != "" }) {
		t.Fatalf("the alert did not fire: %v", firingKeys(t, serve))
	}
	dls, err := cli.DeadLetters(ctx, state.DeadLetterFilter{Pipeline: "export", Status: state.DeadLetterPending})
	if err != nil || len(dls) != 3 {
		t.Fatalf("dead letters = %d, %v", len(dls), err)
	}
	if _, err := cli.SetDeadLetterStatus(ctx, []int64{dls[0].ID}, state.DeadLetterDiscarded); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if !waitUntil(5*time.Second, func() bool { return len(firingKeys(t, serve)) == 0 }) {
		t.Fatalf("5s after another process discarded a dead letter (2 pending, threshold 3), still firing: %v", firingKeys(t, serve))
	}
	t.Logf("resolved %v after the discard", time.Since(start).Round(time.Millisecond))
}

// TestNoEvaluationWhileTheStateDoesNotChange: the monitor asks the change
// count every WatchEvery and evaluates the pipelines only when it moved.
func TestNoEvaluationWhileTheStateDoesNotChange(t *testing.T) {
	cfg := testConfig()
	cfg.Monitor.ErrorRate = 1
	h := newFakeHub(t, cfg)
	st := &changeCounting{countingStore: &countingStore{Store: h.store}, count: "1"}
	h.store = st
	opts := quickOptions(nil)
	opts.EvaluateEvery, opts.WatchEvery = time.Hour, 20*time.Millisecond
	runMonitor(t, New(h, opts))
	if !waitUntil(5*time.Second, func() bool { return st.evaluations.Load() == 1 }) {
		t.Fatalf("evaluations at start = %d, want 1", st.evaluations.Load())
	}
	time.Sleep(300 * time.Millisecond) // 15 looks at an unchanged count
	if n := st.evaluations.Load(); n != 1 {
		t.Fatalf("evaluations while nothing changed = %d, want 1", n)
	}
	st.set("2")
	if !waitUntil(5*time.Second, func() bool { return st.evaluations.Load() == 2 }) {
		t.Fatalf("evaluations after a change = %d, want 2", st.evaluations.Load())
	}
	time.Sleep(300 * time.Millisecond)
	if n := st.evaluations.Load(); n != 2 {
		t.Fatalf("evaluations after one change = %d, want 2", n)
	}
}

// TestTheNotifierSendsAnotherWorkersAlertWithinMoments: with several
// workers on a PostgreSQL state, the one chosen to notify sends an alert
// another worker raised (a plugin_hung only the pipeline's holder sees)
// within moments of its raise, as it does its own, not at its next
// periodic pass (NotifyEvery: a minute by default, an hour here).
func TestTheNotifierSendsAnotherWorkersAlertWithinMoments(t *testing.T) {
	pg := pgtest.StartT(t)
	dsn := pg.NewDatabase(t)
	ctx := context.Background()
	open := func() *postgres.Store {
		st, err := postgres.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	}
	notifier, other := open(), open()
	rcv := newReceiver(t)
	h := newFakeHub(t, testConfig(rcv.config()))
	h.store = notifier
	opts := quickOptions(nil)
	opts.EvaluateEvery, opts.NotifyEvery, opts.WatchEvery = time.Hour, time.Hour, 100*time.Millisecond
	opts.Notifies = func() bool { return true }
	m := New(h, opts)
	runMonitor(t, m)
	if !waitUntil(5*time.Second, func() bool { return m.passes.Load() > 0 }) {
		t.Fatal("the monitor made no notification pass")
	}
	// The other worker's monitor raises an alert in the shared state.
	if _, _, err := other.FireAlert(ctx, state.Alert{Key: "plugin_hung:export", Kind: KindPluginHung, Subject: "export", Message: "plugin hung"}); err != nil {
		t.Fatal(err)
	}
	if got := rcv.waitFor(1, 5*time.Second); len(got) != 1 || got[0].n.Key != "plugin_hung:export" {
		t.Fatalf("5s after another worker raised an alert, the notifier sent: %+v", got)
	}
}

// TestAFailingReceiverIsNotTriedAtEveryChangeOfTheState: the notifier
// looks for alerts to send whenever the state changed, every few seconds
// on a busy hub; a receiver that is down is still tried again only at the
// next NotifyEvery (or the next alert this monitor raises), not at each.
func TestAFailingReceiverIsNotTriedAtEveryChangeOfTheState(t *testing.T) {
	var attempts atomic.Int64
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		attempts.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)
	h := newFakeHub(t, testConfig(config.Receiver{Name: "ops", URL: down.URL}))
	if _, _, err := h.store.FireAlert(context.Background(), state.Alert{Key: "plugin_hung:export", Kind: KindPluginHung, Subject: "export", Message: "plugin hung"}); err != nil {
		t.Fatal(err)
	}
	st := &changeCounting{countingStore: &countingStore{Store: h.store}, count: "0"}
	h.store = st
	opts := quickOptions(nil)
	opts.EvaluateEvery, opts.NotifyEvery, opts.WatchEvery = time.Hour, time.Hour, 10*time.Millisecond
	opts.NotifyRetries = 1
	m := New(h, opts)
	runMonitor(t, m)
	if !waitUntil(5*time.Second, func() bool { return m.passes.Load() > 0 }) {
		t.Fatal("the monitor made no notification pass")
	}
	first := attempts.Load()
	if first == 0 {
		t.Fatal("the first pass did not try the receiver")
	}
	for i := range 50 { // the state changes 50 times, every 10ms
		st.set(fmt.Sprint(i + 1))
		time.Sleep(10 * time.Millisecond)
	}
	if n := m.passes.Load(); n < 5 {
		t.Fatalf("%d notification passes while the state changed 50 times: the changes did not wake them", n)
	}
	if n := attempts.Load(); n != first {
		t.Errorf("a receiver that is down was tried %d times while the state changed, %d in the first pass; want no more until NotifyEvery", n, first)
	}
}
