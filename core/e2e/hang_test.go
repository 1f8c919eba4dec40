package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/state"
)

// TestHungPluginIsKilledAndRestarted: the destination plugin is SIGSTOPped
// mid-sync. The run notices it made no progress for monitor.hang_timeout,
// kills the stopped plugin, restarts from the last checkpoint and finishes
// with every record once; the run records the restart.
func TestHungPluginIsKilledAndRestarted(t *testing.T) {
	cfg := strings.Replace(fmt.Sprintf(bulkConfig, "file"), "pipelines:", "monitor: {hang_timeout: 3s}\npipelines:", 1)
	w := newWorkspace(t, cfg)
	const n = 150000
	writeBulk(t, w, n)
	sync := w.start("sync", "-o", "json")
	waitFor(t, "the sync to write", time.Minute, func() bool { return outputSize(w) > 100_000 })
	stopped := 0
	for _, p := range pluginProcesses(w) {
		if p.ppid == sync.pid() && syscall.Kill(p.pid, syscall.SIGSTOP) == nil {
			stopped++
		}
	}
	if stopped == 0 {
		t.Fatal("no plugin to stop")
	}
	res := sync.mustWait(2 * time.Minute)
	if res.code != 0 {
		t.Fatalf("the sync with a hung plugin failed:\n%s", res)
	}
	if !strings.Contains(res.stderr, "plugins hung") {
		t.Errorf("the hang is not logged:\n%s", res.stderr)
	}
	wantExactly(t, outputIDs(t, w), n)
	var runs []state.Run
	if err := json.Unmarshal([]byte(w.mustCxhub("runs", "-o", "json").stdout), &runs); err != nil || len(runs) != 1 {
		t.Fatalf("runs: %v %v", runs, err)
	}
	if runs[0].Counts.Restarts < 1 || !strings.Contains(res.stderr, "hung") {
		t.Errorf("the run does not record the restart: %+v", runs[0])
	}
	noPluginSurvives(t, w, 5*time.Second)
}

// TestSIGTERMWithAStoppedPluginExitsWithin10s: cxhub sync is asked to stop
// while its destination plugin is SIGSTOPped (it can answer nothing): it
// exits within 10 s and leaves no plugin behind.
func TestSIGTERMWithAStoppedPluginExitsWithin10s(t *testing.T) {
	w := newWorkspace(t, fmt.Sprintf(bulkConfig, "file"))
	writeBulk(t, w, 150000)
	sync := w.start("sync")
	waitFor(t, "the sync to write", time.Minute, func() bool { return outputSize(w) > 100_000 })
	for _, p := range pluginProcesses(w) {
		if p.ppid == sync.pid() {
			_ = syscall.Kill(p.pid, syscall.SIGSTOP)
		}
	}
	start := time.Now()
	res := sync.stop(syscall.SIGTERM, 20*time.Second)
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("cxhub took %v to exit after SIGTERM, want ≤ 10s", took)
	}
	if res.code != 143 {
		t.Errorf("exit %d, want 143:\n%s", res.code, res)
	}
	noPluginSurvives(t, w, 5*time.Second)
}
