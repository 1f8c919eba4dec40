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

// cxhub run syncs on the schedule until SIGTERM, which stops it cleanly.
func TestRunSyncsOnScheduleUntilStopped(t *testing.T) {
	scheduled := strings.Replace(bulkConfig, "    batch_size: 250\n", "    batch_size: 250\n    schedule: 1s\n", 1)
	w := newWorkspace(t, fmt.Sprintf(scheduled, "file"))
	writeBulk(t, w, 10)
	cmd, stdout, stderr := w.command("run", "-o", "json")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	waitFor(t, "the first scheduled run", 30*time.Second, func() bool { return len(outputIDs(t, w)) == 10 })
	w.appendTo("in/events.jsonl", `{"id":"e9999999","email":"late@example.com","seq":9999999}`+"\n")
	// Wait for the run that read the new record to be recorded, not just
	// for the record to reach the file: a stop between the write and the
	// commit would rightly interrupt that run.
	waitFor(t, "a later run to read the new record", 30*time.Second, func() bool {
		var runs []state.Run
		r := w.cxhub("runs", "-o", "json")
		if json.Unmarshal([]byte(r.stdout), &runs) != nil {
			return false
		}
		for _, run := range runs {
			if run.Status == state.RunSucceeded && run.Counts.Read == 1 {
				return true
			}
		}
		return false
	})
	if !outputIDs(t, w)["e9999999"] {
		t.Fatal("a run read the late record but the destination lacks it")
	}
	plugins := children(cmd.Process.Pid)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if code := exitCode(err); code != 0 {
			t.Errorf("run exited %d after SIGTERM, want 0\n%s", code, stderr)
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("run did not stop within 10s of SIGTERM")
	}
	for _, pid := range plugins {
		if alive(pid) {
			t.Errorf("plugin %d outlived cxhub run", pid)
		}
	}
	var succeeded, readLate int
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var res syncResult
		if err := json.Unmarshal([]byte(line), &res); err != nil {
			t.Fatalf("run output line is not JSON: %v: %q", err, line)
		}
		if res.Status == "succeeded" {
			succeeded++
			if res.Counts.Read == 1 {
				readLate++
			}
		}
	}
	if succeeded < 2 || readLate != 1 {
		t.Errorf("%d succeeded runs, %d that read the late record; want at least 2 and exactly 1\n%s", succeeded, readLate, stdout)
	}
}

func TestRunWithoutSchedulesSaysWhatToDo(t *testing.T) {
	w := newWorkspace(t, validConfig)
	r := w.cxhub("run")
	if r.code == 0 || !strings.Contains(r.stderr, "no pipeline") || !strings.Contains(r.stderr, "schedule") {
		t.Errorf("run without schedules:\n%s", r)
	}
}
