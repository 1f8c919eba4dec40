package e2e

import (
	"encoding/json"
	"strings"
	"syscall"
	"testing"
	"time"

	zendesk "github.com/cxhub/cxhub/connectors/zendesk/sandbox"
	"github.com/cxhub/cxhub/core/state"
)

// waitConfig copies Zendesk users into a file with a short hang timeout.
const waitConfig = `
version: 1
state:   {path: ./cxhub.db}
plugins: {dir: {{plugins}}}
monitor: {hang_timeout: 2s}
connections:
  helpdesk:
    connector: zendesk
    config: {base_url: "${ZENDESK_URL}", email: ops@example.com, token: sandbox-token}
  out:
    connector: file
    config: {dir: out, streams: {users: {key: id}}}
pipelines:
  - name: users-to-file
    from: {connection: helpdesk, stream: users}
    to:   {connection: out, stream: users}
    map:
      id: id
      email: email
`

// startSlowZendesk serves a Zendesk of users users whose first answer is a
// 429 asking to wait retryAfter.
func startSlowZendesk(t *testing.T, users int, retryAfter time.Duration) *zendesk.Sandbox {
	t.Helper()
	zd, err := zendesk.New(zendesk.Options{Seed: 7, Users: users, Tickets: -1, JobPolls: -1, FaultRetryAfter: retryAfter})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := zd.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	t.Setenv("ZENDESK_URL", srv.URL)
	zd.Kit().FailNext(429, 1)
	return zd
}

// onlyRun returns the one run in the workspace's state.
func onlyRun(t *testing.T, w *workspace) state.Run {
	t.Helper()
	var runs []state.Run
	if err := json.Unmarshal([]byte(w.mustCxhub("runs", "-o", "json").stdout), &runs); err != nil || len(runs) != 1 {
		t.Fatalf("runs: %v %v", runs, err)
	}
	return runs[0]
}

// TestAVendorWaitIsNotAHang: the Zendesk plugin is told by the vendor to
// wait 6 s, three times the hang timeout. It announces the wait, so it is
// not taken for hung: the sync completes with no restart, the wait took
// its 6 s, and the log says at info level who waited and why.
func TestAVendorWaitIsNotAHang(t *testing.T) {
	const wait = 6 * time.Second
	zd := startSlowZendesk(t, 20, wait)
	w := newWorkspace(t, waitConfig)
	start := time.Now()
	run := w.cxhub("--log-level", "info", "sync", "-o", "json")
	took := time.Since(start)
	if run.code != 0 {
		t.Fatalf("sync failed:\n%s", run)
	}
	if got := zd.Kit().Stats().ByStatus[429]; got != 1 {
		t.Fatalf("the sandbox answered %d 429s, want 1", got)
	}
	if took < wait {
		t.Fatalf("the sync took %v: the vendor's wait of %v was not slept", took, wait)
	}
	r := onlyRun(t, w)
	if r.Counts.Restarts != 0 || strings.Contains(run.stderr, "plugins hung") {
		t.Errorf("the vendor's wait was taken for a hang: %+v\n%s", r.Counts, run.stderr)
	}
	if !strings.Contains(run.stderr, "connector waiting") || !strings.Contains(run.stderr, "rate limited: status 429") ||
		!strings.Contains(run.stderr, "plugin=source") {
		t.Errorf("the log does not say the source waited for a 429:\n%s", run.stderr)
	}
	if n, want := strings.Count(strings.TrimSpace(w.read("out/users.jsonl")), "\n")+1, len(zd.Users()); n != want {
		t.Errorf("the output holds %d users, want the sandbox's %d", n, want)
	}
}

// TestAPluginStoppedInItsWaitIsKilled: the same plugin, SIGSTOPped in the
// middle of the wait it announced, sends nothing more: once the wait is
// over and the hang timeout has passed, it is taken for hung, killed and
// restarted, and the sync completes; the hang names the wait.
func TestAPluginStoppedInItsWaitIsKilled(t *testing.T) {
	zd := startSlowZendesk(t, 20, 6*time.Second) // long enough to be logged at info level
	w := newWorkspace(t, waitConfig)
	sync := w.start("--log-level", "info", "sync", "-o", "json")
	waitFor(t, "the plugin to announce its wait", time.Minute, func() bool {
		return strings.Contains(sync.stderr.String(), "connector waiting")
	})
	stopped := 0
	for _, p := range pluginProcesses(w) {
		if p.ppid == sync.pid() && strings.Contains(p.exe, "zendesk") && syscall.Kill(p.pid, syscall.SIGSTOP) == nil {
			stopped++
		}
	}
	if stopped != 1 {
		t.Fatalf("stopped %d zendesk plugins, want 1", stopped)
	}
	res := sync.mustWait(time.Minute)
	if res.code != 0 {
		t.Fatalf("the sync with a stopped plugin failed:\n%s", res)
	}
	if !strings.Contains(res.stderr, "plugins hung") || !strings.Contains(res.stderr, "the last wait they announced (rate limited: status 429") {
		t.Errorf("the hang is not logged with the wait it outlasted:\n%s", res.stderr)
	}
	if r := onlyRun(t, w); r.Counts.Restarts != 1 {
		t.Errorf("the run restarted %d times, want 1", r.Counts.Restarts)
	}
	if n, want := strings.Count(strings.TrimSpace(w.read("out/users.jsonl")), "\n")+1, len(zd.Users()); n != want {
		t.Errorf("the output holds %d users, want the sandbox's %d", n, want)
	}
	noPluginSurvives(t, w, 5*time.Second)
}
