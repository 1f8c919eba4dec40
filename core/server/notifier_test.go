package server

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/hub"
	"github.com/cxhub/cxhub/core/state"
)

// TestOneLiveWorkerSendsTheNotifications: of the live workers, exactly
// one is the notifier, every worker agrees which, and when it is gone
// another is; a worker that has not listed the live ones yet (or is
// alone) sends them.
func TestOneLiveWorkerSendsTheNotifications(t *testing.T) {
	live := []string{"w1", "w2", "w3"}
	chosen := func(live []string) []string {
		var out []string
		for _, id := range live {
			k := &keeper{id: id, serving: live}
			if k.notifier() {
				out = append(out, id)
			}
		}
		return out
	}
	got := chosen(live)
	if len(got) != 1 {
		t.Fatalf("notifiers among %v: %v, want exactly one", live, got)
	}
	var rest []string
	for _, id := range live {
		if id != got[0] {
			rest = append(rest, id)
		}
	}
	if after := chosen(rest); len(after) != 1 {
		t.Fatalf("after %s left, notifiers among %v: %v, want exactly one", got[0], rest, after)
	}
	if !(&keeper{id: "w1"}).notifier() {
		t.Error("a worker that has not listed the live workers does not notify")
	}
	if !(&keeper{id: "w1", serving: []string{"w1"}}).notifier() {
		t.Error("a worker alone does not notify")
	}
}

// TestAWorkerWithoutAMonitorIsNeverTheNotifier: `cxhub run` beside
// `cxhub serve` on one PostgreSQL state heartbeats as a worker (it runs
// pipelines) but has no listener and no monitor, so it sends nothing:
// were it chosen, no receiver would ever be told of an alert. The
// notifier is chosen among the live workers that listen (a serve); with
// two of them, still exactly one.
func TestAWorkerWithoutAMonitorIsNeverTheNotifier(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "cxhub.yaml")
	if err := os.WriteFile(cfgPath, []byte("version: 1\nstate: {path: state/cxhub.db}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := hub.New(hub.Options{ConfigPath: cfgPath, LogOutput: io.Discard})
	t.Cleanup(func() { h.Close() })
	st, err := h.Store()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{hub: h, log: h.Logger(), workers: map[string]*worker{}}
	k := newKeeper(s, "127.0.0.1:8080", time.Minute)
	k.id, k.holder = "serve-1", "serve-1#"+k.instance
	s.keeper = k

	// A `cxhub run` worker (no addr) that the hashing would choose.
	run := ""
	for i := range 1000 {
		if id := fmt.Sprintf("run-%d", i); owner(notifierDuty, []string{k.id, id}) == id {
			run = id
			break
		}
	}
	if err := st.Heartbeat(ctx, state.Worker{ID: run, Instance: "x"}, time.Minute); err != nil {
		t.Fatal(err)
	}
	k.tick(ctx)
	if !s.notifies() {
		t.Fatalf("serving workers %v: serve-1 (the only one with a monitor) does not notify, %s (cxhub run, no monitor) is chosen", k.serving, run)
	}

	// Another serve the hashing prefers: it notifies, serve-1 does not.
	other := ""
	for i := range 1000 {
		if id := fmt.Sprintf("serve-%d", i+2); owner(notifierDuty, []string{k.id, id}) == id {
			other = id
			break
		}
	}
	if err := st.Heartbeat(ctx, state.Worker{ID: other, Instance: "y", Addr: "127.0.0.1:8081"}, time.Minute); err != nil {
		t.Fatal(err)
	}
	k.tick(ctx)
	if s.notifies() {
		t.Errorf("with %s (a serve the hashing chooses) live, serve-1 notifies too", other)
	}
}
