package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/state"
)

// serveFilesConfig copies in/events to out/copied on a schedule, and
// in/events to out/cron on a cron schedule; %[1]d is the port, %[2]s the
// map of the copy pipeline.
const serveFilesConfig = `version: 1
state: {path: state/cxhub.db}
plugins: {dir: {{plugins}}}
server:
  listen: 127.0.0.1:%[1]d
  tokens:
    - {name: grafana, token: ` + viewerToken + `, role: viewer}
    - {name: ops, token: ` + operatorToken + `, role: operator}
connections:
  in:
    connector: file
    config: {dir: in, streams: {events: {key: id}}}
  out:
    connector: file
    config: {dir: out, streams: {copied: {key: id}, cron: {key: id}}}
pipelines:
  - name: copy
    from: {connection: in, stream: events}
    to: {connection: out, stream: copied}
    map: %[2]s
    schedule: 1s
    jitter: 0s
  - name: cron
    from: {connection: in, stream: events}
    to: {connection: out, stream: cron}
    map: {id: id}
    schedule: "@every 2s"
    jitter: 0s
`

func runsOf(t *testing.T, a api, pipeline string) []state.Run {
	t.Helper()
	var runs []state.Run
	if err := json.Unmarshal([]byte(a.must("GET", "/api/v1/runs?pipeline="+pipeline, viewerToken, nil, 200)), &runs); err != nil {
		t.Fatal(err)
	}
	return runs
}

// TestServeSchedulesReloadPauseReplayAndStop: an interval schedule and a
// cron schedule both fire; a record the map cannot key is dead-lettered;
// SIGHUP with a broken file keeps the old config running; SIGHUP with the
// fixed map takes effect and the dead letter is replayed through the API
// and written; a paused pipeline does not run until resumed; SIGTERM with
// the destination plugin SIGSTOPped mid-run exits within 10 s and leaves
// no plugin behind.
func TestServeSchedulesReloadPauseReplayAndStop(t *testing.T) {
	port := freePort(t)
	badMap := "{id: ident, email: email}" // events have "id"; one also has "ident"
	w := newWorkspace(t, fmt.Sprintf(serveFilesConfig, port, badMap))
	w.write("in/events.jsonl", `{"id":"a","ident":"a","email":"a@x.com"}`+"\n"+`{"id":"b","email":"b@x.com"}`+"\n")
	srv, a := serve(t, w, port)

	waitFor(t, "both schedules to run twice", 30*time.Second, func() bool {
		return len(runsOf(t, a, "copy")) >= 2 && len(runsOf(t, a, "cron")) >= 2
	})
	if got := outputLines(t, w, "cron"); len(got) != 2 {
		t.Errorf("cron pipeline wrote %d records, want 2", len(got))
	}
	var dls []struct {
		ID  int64
		Key string
	}
	_ = json.Unmarshal([]byte(a.must("GET", "/api/v1/dead-letters?pipeline=copy", viewerToken, nil, 200)), &dls)
	if len(dls) != 1 || dls[0].Key != "b" {
		t.Fatalf("dead letters = %+v, want b's", dls)
	}

	// A broken file: refused, the old config keeps running.
	good, _ := os.ReadFile(w.config)
	w.writeConfig(strings.Replace(string(good), "schedule: 1s", "schedule: 1s\n    bogus: true", 1))
	if err := srv.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	before := len(runsOf(t, a, "copy"))
	waitFor(t, "the old config to keep running after a bad reload", 20*time.Second, func() bool {
		return len(runsOf(t, a, "copy")) >= before+2
	})
	if !strings.Contains(srv.stderr.String(), "config reload refused") || !strings.Contains(srv.stderr.String(), "bogus") {
		t.Errorf("the refused reload is not logged with its reason:\n%s", srv.stderr)
	}

	// The fixed map, reloaded; the dead letter replayed through the API.
	w.writeConfig(strings.Replace(string(good), badMap, "{id: id, email: email}", 1))
	if err := srv.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the reload", 20*time.Second, func() bool { return strings.Contains(srv.stderr.String(), "config reloaded") })
	a.must("POST", "/api/v1/dead-letters/replay", viewerToken, map[string]any{"pipeline": "copy"}, 403)
	out := a.must("POST", "/api/v1/dead-letters/replay", operatorToken, map[string]any{"pipeline": "copy", "ids": []int64{dls[0].ID}}, 200)
	var replay struct {
		Status string
		Counts state.Counts
	}
	if err := json.Unmarshal([]byte(out), &replay); err != nil || replay.Status != "succeeded" || replay.Counts.Written != 1 {
		t.Fatalf("replay = %s", out)
	}
	if _, ok := outputLines(t, w, "copied")["b"]; !ok {
		t.Fatal("the replayed record is not in the destination")
	}
	if left := a.must("GET", "/api/v1/dead-letters?pipeline=copy", viewerToken, nil, 200); strings.TrimSpace(left) != "[]" {
		t.Errorf("dead letters still pending after the replay: %s", left)
	}

	// Pause: no run while paused; resume: it runs again.
	a.must("POST", "/api/v1/pipelines/cron/pause", operatorToken, nil, 200)
	time.Sleep(2500 * time.Millisecond) // a run in flight when paused may finish
	paused := len(runsOf(t, a, "cron"))
	time.Sleep(4500 * time.Millisecond) // two more cron ticks
	if n := len(runsOf(t, a, "cron")); n != paused {
		t.Errorf("a paused pipeline ran %d times", n-paused)
	}
	a.must("POST", "/api/v1/pipelines/cron/trigger", operatorToken, nil, 409)
	a.must("POST", "/api/v1/pipelines/cron/resume", operatorToken, nil, 200)
	waitFor(t, "the resumed pipeline to run", 20*time.Second, func() bool { return len(runsOf(t, a, "cron")) > paused })

	// SIGTERM with a plugin stopped mid-run.
	writeBulk(t, w, 200000)
	waitFor(t, "a long run to write", time.Minute, func() bool { return outputSize(w) > 100_000 })
	stopped := 0
	for _, p := range pluginProcesses(w) {
		if p.ppid == srv.pid() {
			if err := syscall.Kill(p.pid, syscall.SIGSTOP); err == nil {
				stopped++
			}
		}
	}
	if stopped == 0 {
		t.Fatal("no plugin to stop")
	}
	start := time.Now()
	res := srv.stop(syscall.SIGTERM, 15*time.Second)
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("serve took %v to exit after SIGTERM with a stopped plugin, want ≤ 10s", took)
	}
	if res.code != 0 {
		t.Errorf("serve exited %d:\n%s", res.code, res)
	}
	noPluginSurvives(t, w, 5*time.Second)
}
