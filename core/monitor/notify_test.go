package monitor

import (
	"context"
	"github.com/cxhub/cxhub/core/config"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/sdk"
)

func TestNotificationsAreSignedSentOnceAndNotAgainAfterARestart(t *testing.T) {
	ctx := context.Background()
	rcv := newReceiver(t)
	h := newFakeHub(t, testConfig(rcv.config()))
	h.setCheck(failing)
	m := New(h, quickOptions(nil))
	for range 3 {
		m.checkConnection(ctx, "crm")
	}
	m.notifyPending(ctx, h.store)
	got := rcv.waitFor(1, time.Second)
	r := got[0]
	if err := Verify(testSecret, r.header, r.body, time.Now()); err != nil {
		t.Fatalf("the notification does not verify: %v", err)
	}
	if r.header.Get("Content-Type") != "application/json" || r.header.Get(HeaderDelivery) != "1.firing" {
		t.Errorf("headers: %v", r.header)
	}
	n := r.n
	if n.Version != 1 || n.ID != 1 || n.Key != "connection_failing:crm" || n.Kind != KindConnectionFailing ||
		n.Subject != "crm" || n.Status != state.AlertFiring || n.FiredAt.IsZero() || !n.ResolvedAt.IsZero() ||
		!strings.HasPrefix(n.Text, "[FIRING] connection_failing crm: connection crm failed its check 3 times in a row") ||
		strings.Contains(string(r.body), "tok-s3cret") {
		t.Fatalf("notification: %+v", n)
	}
	if strings.Contains(string(r.body), `"resolved_at"`) {
		t.Errorf("a firing notification carries resolved_at: %s", r.body)
	}

	// Another pass, and another check still failing: nothing new to say.
	m.checkConnection(ctx, "crm")
	m.notifyPending(ctx, h.store)
	if got := rcv.received(); len(got) != 1 {
		t.Fatalf("sent again: %d notifications", len(got))
	}
	// A new monitor over the same state does not say it again either.
	m2 := New(h, quickOptions(nil))
	m2.notifyPending(ctx, h.store)
	if got := rcv.received(); len(got) != 1 {
		t.Fatalf("sent again after a restart: %d notifications", len(got))
	}

	// Recovery.
	h.setCheck(func(string) (sdk.CheckResponse, error) { return sdk.CheckResponse{Message: "portal 1"}, nil })
	if err := m2.ensureLoaded(ctx); err != nil {
		t.Fatal(err)
	}
	m2.checkConnection(ctx, "crm")
	m2.notifyPending(ctx, h.store)
	got = rcv.waitFor(2, time.Second)
	r = got[1]
	if err := Verify(testSecret, r.header, r.body, time.Now()); err != nil {
		t.Fatalf("the recovery notice does not verify: %v", err)
	}
	if r.n.ID != 1 || r.n.Status != state.AlertResolved || r.n.ResolvedAt.IsZero() || r.n.Message != "check passed: portal 1" ||
		!strings.HasPrefix(r.n.Text, "[RESOLVED] connection_failing crm after ") || r.header.Get(HeaderDelivery) != "1.resolved" {
		t.Fatalf("recovery notice: %+v %v", r.n, r.header)
	}
	New(h, quickOptions(nil)).notifyPending(ctx, h.store)
	if got := rcv.received(); len(got) != 2 {
		t.Fatalf("%d notifications after another restart, want 2", len(got))
	}
	all, _ := h.store.Alerts(ctx, state.AlertFilter{})
	if len(all) != 1 || all[0].Notified != state.AlertResolved {
		t.Fatalf("alerts: %+v", all)
	}
}

func TestPendingNotificationsAreSentOnStart(t *testing.T) {
	ctx := context.Background()
	rcv := newReceiver(t)
	h := newFakeHub(t, testConfig(rcv.config()))
	// Raised by a process that stopped before telling anyone.
	a, _, err := h.store.FireAlert(ctx, state.Alert{Key: "pipeline_stale:export", Kind: KindPipelineStale, Subject: "export", Message: "stale"})
	if err != nil {
		t.Fatal(err)
	}
	// Raised and cleared while nobody was told: not worth a recovery notice.
	if _, _, err := h.store.FireAlert(ctx, state.Alert{Key: "connection_failing:crm", Kind: KindConnectionFailing, Subject: "crm", Message: "down"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.store.ResolveAlert(ctx, "connection_failing:crm", "up"); err != nil {
		t.Fatal(err)
	}
	New(h, quickOptions(nil)).notifyPending(ctx, h.store)
	got := rcv.waitFor(1, time.Second)
	if len(got) != 1 || got[0].n.ID != a.ID || got[0].n.Status != state.AlertFiring {
		t.Fatalf("sent: %+v", got)
	}
	all, _ := h.store.Alerts(ctx, state.AlertFilter{})
	for _, x := range all {
		if x.Notified != x.Status {
			t.Errorf("alert %s: notified %q, status %q", x.Key, x.Notified, x.Status)
		}
	}
}

func TestNotificationRetriesThenGivesUpUntilTheNextPass(t *testing.T) {
	ctx := context.Background()
	rcv := newReceiver(t)
	// Two failures, then success: delivered within one pass (3 retries).
	rcv.answer = []int{http.StatusServiceUnavailable, http.StatusTooManyRequests}
	h := newFakeHub(t, testConfig(rcv.config()))
	m := New(h, quickOptions(nil))
	m.PluginHung("export", "")
	m.notifyPending(ctx, h.store)
	if got := rcv.received(); len(got) != 1 {
		t.Fatalf("after 503, 429, 200: %d notifications", len(got))
	}

	// Five failures: the pass gives up after 1+3 tries, the alert stays
	// pending, and the next pass delivers it.
	rcv.mu.Lock()
	rcv.answer = []int{500, 500, 500, 500, 500}
	rcv.mu.Unlock()
	m.PluginHung("other", "")
	m.notifyPending(ctx, h.store)
	if got := rcv.received(); len(got) != 1 {
		t.Fatalf("delivered despite 500s: %d", len(got))
	}
	if pending := unnotified(t, h.store); len(pending) != 1 || pending[0].Subject != "other" {
		t.Fatalf("pending: %+v", pending)
	}
	m.notifyPending(ctx, h.store)
	if got := rcv.received(); len(got) != 2 || got[1].n.Subject != "other" {
		t.Fatalf("after the next pass: %+v", got)
	}
	if pending := unnotified(t, h.store); len(pending) != 0 {
		t.Fatalf("pending: %+v", pending)
	}
}

func TestReceiverThatRefusesIsNotRetried(t *testing.T) {
	ctx := context.Background()
	rcv := newReceiver(t)
	rcv.answer = []int{http.StatusUnauthorized}
	ok := newReceiver(t)
	second := ok.config()
	second.Name, second.Secret = "slack", ""
	h := newFakeHub(t, testConfig(rcv.config(), second))
	m := New(h, quickOptions(nil))
	m.PluginHung("export", "")
	m.notifyPending(ctx, h.store)
	m.notifyPending(ctx, h.store)
	rcv.mu.Lock()
	left := len(rcv.answer)
	rcv.mu.Unlock()
	if left != 0 || len(rcv.received()) != 0 {
		t.Fatalf("the refusing receiver: %d answers left, %d received", left, len(rcv.received()))
	}
	got := ok.received()
	if len(got) != 1 || got[0].header.Get(HeaderSignature) != "" || got[0].header.Get(HeaderTimestamp) == "" {
		t.Fatalf("the other receiver (no secret: unsigned): %+v", got)
	}
	if pending := unnotified(t, h.store); len(pending) != 0 {
		t.Fatalf("pending: %+v", pending)
	}
}

func TestNoReceiversNothingMarked(t *testing.T) {
	ctx := context.Background()
	h := newFakeHub(t, testConfig())
	m := New(h, quickOptions(nil))
	m.PluginHung("export", "")
	m.notifyPending(ctx, h.store)
	if pending := unnotified(t, h.store); len(pending) != 1 {
		t.Fatalf("without receivers, pending: %+v (want the alert kept for a receiver added later)", pending)
	}
	rcv := newReceiver(t)
	m.Reload(testConfig(rcv.config()))
	m.notifyPending(ctx, h.store)
	if got := rcv.received(); len(got) != 1 {
		t.Fatalf("after adding a receiver: %d", len(got))
	}
}

func unnotified(t *testing.T, st state.Store) []state.Alert {
	t.Helper()
	all, err := st.Alerts(context.Background(), state.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []state.Alert
	for _, a := range all {
		if a.Notified != a.Status {
			out = append(out, a)
		}
	}
	return out
}

// A notification under way when the monitor stops is finished and
// recorded: the receiver has it, a restart must not send it again.
func TestNotificationUnderWayAtShutdownIsRecorded(t *testing.T) {
	rcv := newReceiver(t)
	rcv.delay = 300 * time.Millisecond
	h := newFakeHub(t, testConfig(rcv.config()))
	m := New(h, quickOptions(nil))
	m.PluginHung("export", "")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.notifyPending(ctx, h.store)
	}()
	rcv.waitFor(1, 5*time.Second)
	cancel() // while the receiver has not answered yet
	<-done
	if pending := unnotified(t, h.store); len(pending) != 0 {
		t.Fatalf("pending after a stop mid-POST: %+v", pending)
	}
	New(h, quickOptions(nil)).notifyPending(context.Background(), h.store)
	if got := rcv.received(); len(got) != 1 {
		t.Fatalf("%d notifications, want 1", len(got))
	}
}

// A receiver that is down costs one round of retries per pass, not one
// per alert; its URL (a Slack webhook's credential) is never logged.
func TestDownReceiverIsTriedOncePerPass(t *testing.T) {
	ctx := context.Background()
	rcv := newReceiver(t)
	rcv.answer = []int{503, 503, 503, 503, 503, 503, 503, 503, 503, 503}
	h := newFakeHub(t, testConfig(rcv.config()))
	var logs syncLog
	opts := quickOptions(nil)
	opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	m := New(h, opts)
	m.PluginHung("a", "")
	m.PluginHung("b", "")
	m.PluginHung("c", "")
	m.notifyPending(ctx, h.store)
	rcv.mu.Lock()
	left := len(rcv.answer)
	rcv.mu.Unlock()
	if tried := 10 - left; tried != 4 { // 1 try + 3 retries, for the first alert only
		t.Fatalf("%d POSTs to a receiver that is down, want 4", tried)
	}
	if pending := unnotified(t, h.store); len(pending) != 3 {
		t.Fatalf("pending: %d, want 3", len(pending))
	}

	// A receiver that cannot be reached at all: its URL stays out of the log.
	down := config.Receiver{Name: "slack", URL: "http://127.0.0.1:1/services/T0/B0/SECRETPATH"}
	m.Reload(testConfig(down))
	m.notifyPending(ctx, h.store)
	if out := logs.String(); strings.Contains(out, "SECRETPATH") || !strings.Contains(out, "post to slack") {
		t.Fatalf("log:\n%s", out)
	}
}

type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestOnlyTheWorkerThatNotifiesSendsNotifications: workers sharing a
// state all raise the same alerts there; a monitor whose process is not
// the one chosen to notify sends nothing and leaves them pending, for the
// one that is. Every worker's monitor used to send them.
func TestOnlyTheWorkerThatNotifiesSendsNotifications(t *testing.T) {
	ctx := context.Background()
	rcv := newReceiver(t)
	h := newFakeHub(t, testConfig(rcv.config()))
	if _, _, err := h.store.FireAlert(ctx, state.Alert{Key: "pipeline_stale:export", Kind: KindPipelineStale, Subject: "export", Message: "stale"}); err != nil {
		t.Fatal(err)
	}
	other := quickOptions(nil)
	other.Notifies = func() bool { return false }
	New(h, other).notifyPending(ctx, h.store)
	if got := rcv.received(); len(got) != 0 {
		t.Fatalf("a worker not chosen to notify sent %d notifications", len(got))
	}
	chosen := quickOptions(nil)
	chosen.Notifies = func() bool { return true }
	New(h, chosen).notifyPending(ctx, h.store)
	if got := rcv.waitFor(1, time.Second); len(got) != 1 || got[0].n.Key != "pipeline_stale:export" {
		t.Fatalf("the chosen worker sent: %+v", got)
	}
}
