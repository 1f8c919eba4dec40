package monitor

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	hubspot "github.com/cxhub/cxhub/connectors/hubspot/sandbox"
	"github.com/cxhub/cxhub/core/hub"
	"github.com/cxhub/cxhub/core/internal/testfiles"
	"github.com/cxhub/cxhub/core/state"
	kit "github.com/cxhub/cxhub/sdk/sandbox"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

var _ Hub = (*hub.Hub)(nil)

// running is a real hub and its monitor, running.
type running struct {
	hub    *hub.Hub
	mon    *Monitor
	cancel context.CancelFunc
	done   chan error
	log    *testfiles.SyncBuffer
}

// start opens a hub over the config and runs a monitor of it.
func start(t *testing.T, configPath, plugins string) *running {
	t.Helper()
	log := &testfiles.SyncBuffer{}
	h := hub.New(hub.Options{ConfigPath: configPath, PluginsDir: plugins, LogOutput: log, LogLevel: "info"})
	m := New(h, Options{NotifyBackoff: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{hub: h, mon: m, cancel: cancel, done: make(chan error, 1), log: log}
	go func() { r.done <- m.Run(ctx) }()
	t.Cleanup(r.stop)
	return r
}

// stop ends the monitor and closes the hub (its plugins and state).
func (r *running) stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	<-r.done
	_ = r.hub.Close()
	r.cancel = nil
}

// waitHealth waits until the connection's health satisfies ok.
func (r *running) waitHealth(t *testing.T, ok func(ConnectionHealth) bool, within time.Duration) ConnectionHealth {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		h := r.mon.Connections()
		if len(h) == 1 && ok(h[0]) {
			return h[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("connection health %+v after %v\nlog:\n%s", h, within, r.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestAlertFiresWhenTheHubSpotSandboxFailsAndResolvesWhenItRecovers runs
// the real HubSpot plugin's check against the sandbox, through a real hub
// over a config file, and a receiver on 127.0.0.1.
func TestAlertFiresWhenTheHubSpotSandboxFailsAndResolvesWhenItRecovers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the HubSpot plugin")
	}
	plugins := t.TempDir()
	testfiles.CopyExecutable(t, sdktest.BuildPlugin(t, "../../connectors/hubspot/cmd/cxhub-connector-hubspot"),
		filepath.Join(plugins, "cxhub-connector-hubspot"))
	hs, err := hubspot.New(hubspot.Options{Contacts: 3, Companies: -1, Notes: -1, NoRateLimit: true})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := hs.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	rcv := newReceiver(t)
	dir := t.TempDir()
	configPath := filepath.Join(dir, "cxhub.yaml")
	config := fmt.Sprintf(`version: 1
state: {path: state.db}
connections:
  crm:
    connector: hubspot
    config: {base_url: "%s", token: %s}
    check_interval: 1s
monitor:
  check_interval: 1h
  check_failures: 2
  receivers:
    - {name: ops, url: "%s", secret: "%s"}
`, srv.URL, hubspot.DefaultToken, rcv.srv.URL, testSecret)
	if err := os.WriteFile(configPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}

	r := start(t, configPath, plugins)
	h := r.waitHealth(t, func(h ConnectionHealth) bool { return h.OK }, 30*time.Second)
	if h.CheckInterval != "1s" || h.Message == "" {
		t.Fatalf("healthy connection: %+v", h)
	}

	// HubSpot starts failing: every request answers 503.
	if err := hs.Kit().SetFaults(kit.Faults{ErrorRate: 1, ErrorStatus: 503}); err != nil {
		t.Fatal(err)
	}
	got := rcv.waitFor(1, 30*time.Second)
	fired := got[0]
	if err := Verify(testSecret, fired.header, fired.body, time.Now()); err != nil {
		t.Fatalf("the alert does not verify: %v", err)
	}
	if fired.n.Key != "connection_failing:crm" || fired.n.Status != state.AlertFiring {
		t.Fatalf("alert: %+v", fired.n)
	}
	if h := r.mon.Connections()[0]; h.OK || h.ConsecutiveFailures < 2 || h.Error == "" {
		t.Fatalf("health while failing: %+v", h)
	}
	if hs.Kit().Stats().ByStatus[503] == 0 {
		t.Fatal("the sandbox answered no 503")
	}

	// A restart while HubSpot still fails: the alert is not sent again.
	r.stop()
	r = start(t, configPath, plugins)
	r.waitHealth(t, func(h ConnectionHealth) bool { return h.ConsecutiveFailures >= 2 && r.mon.passes.Load() > 0 }, 30*time.Second)
	if got := rcv.received(); len(got) != 1 {
		t.Fatalf("after a restart while failing: %d notifications, want 1: %+v", len(got), got)
	}

	// HubSpot recovers: a recovery notice.
	if err := hs.Kit().SetFaults(kit.Faults{}); err != nil {
		t.Fatal(err)
	}
	got = rcv.waitFor(2, 30*time.Second)
	resolved := got[1]
	if err := Verify(testSecret, resolved.header, resolved.body, time.Now()); err != nil {
		t.Fatalf("the recovery notice does not verify: %v", err)
	}
	if resolved.n.ID != fired.n.ID || resolved.n.Status != state.AlertResolved || resolved.n.ResolvedAt.IsZero() {
		t.Fatalf("recovery notice: %+v (fired %+v)", resolved.n, fired.n)
	}

	// Another restart: nothing is sent again.
	r.stop()
	r = start(t, configPath, plugins)
	r.waitHealth(t, func(h ConnectionHealth) bool { return h.OK && r.mon.passes.Load() > 0 }, 30*time.Second)
	alerts, err := r.mon.Alerts(context.Background(), state.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 || alerts[0].Status != state.AlertResolved || alerts[0].Notified != state.AlertResolved {
		t.Fatalf("alerts after the last restart: %+v", alerts)
	}
	r.stop()
	if got := rcv.received(); len(got) != 2 {
		t.Fatalf("%d notifications in all, want 2: %+v", len(got), got)
	}
}
