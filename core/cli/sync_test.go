package cli

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/hub"
	"github.com/cxhub/cxhub/core/internal/testfiles"
)

// pauseInState pauses pipeline in the state of the config at cfgPath, as
// the API's POST /api/v1/pipelines/<name>/pause does.
func pauseInState(t *testing.T, cfgPath, pipeline string) {
	t.Helper()
	h := hub.New(hub.Options{ConfigPath: cfgPath, LogOutput: io.Discard})
	defer h.Close()
	st, err := h.Store()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetPaused(context.Background(), pipeline, true); err != nil {
		t.Fatal(err)
	}
}

// syncedPipelines runs `sync -o json` with args and returns the pipelines
// it ran, its exit status and its stderr.
func syncedPipelines(t *testing.T, cfgPath string, args ...string) (ran []string, code int, stderr string) {
	t.Helper()
	code, stdout, stderr := runCLI(append([]string{"-c", cfgPath, "-o", "json", "sync"}, args...)...)
	var out []struct {
		Pipeline, Status string
		Run              int64
	}
	if code == 0 || stdout != "" {
		if err := json.Unmarshal([]byte(stdout), &out); err != nil {
			t.Fatalf("sync %v: stdout is not JSON (%v): %q; stderr:\n%s", args, err, stdout, stderr)
		}
	}
	for _, r := range out {
		if r.Run != 0 {
			ran = append(ran, r.Pipeline)
		}
	}
	return ran, code, stderr
}

// TestSyncRefusesAPausedPipeline: a pipeline an operator paused is not run
// by `sync` without --force: named, the command refuses (exit 1, nothing
// run) saying it is paused and how to resume it or force it; unnamed, it
// is skipped with a note and the others run. `resume` lifts the pause.
// (sync used to run it silently.)
func TestSyncRefusesAPausedPipeline(t *testing.T) {
	cfgPath, _, _, _ := dlqWorkspace(t)
	dir := filepath.Dir(cfgPath)
	for _, f := range []string{"contacts.jsonl", "companies.jsonl"} {
		if err := os.WriteFile(filepath.Join(dir, "in", f), []byte(`{"id":"1"}`+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	pauseInState(t, cfgPath, "p")

	ran, code, stderr := syncedPipelines(t, cfgPath, "p", "q")
	if code != 1 || len(ran) != 0 {
		t.Errorf("sync p q with p paused: exit %d, ran %v; want exit 1 and nothing run", code, ran)
	}
	for _, want := range []string{"pipeline p is paused", "nothing was run", "cxhub -c " + cfgPath + " resume p", "/api/v1/pipelines/p/resume", "--force"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("sync p q with p paused said:\n%s\nwant it to say %q", stderr, want)
		}
	}

	ran, code, stderr = syncedPipelines(t, cfgPath)
	if code != 0 || strings.Join(ran, ",") != "q" || !strings.Contains(stderr, "p: skipped: pipeline p is paused") {
		t.Errorf("sync (all) with p paused: exit %d, ran %v, stderr:\n%s\nwant exit 0, only q run, and p said to be skipped as paused", code, ran, stderr)
	}

	ran, code, stderr = syncedPipelines(t, cfgPath, "--force", "p")
	if code != 0 || strings.Join(ran, ",") != "p" {
		t.Errorf("sync --force p: exit %d, ran %v, stderr:\n%s\nwant p run", code, ran, stderr)
	}

	if code, stdout, stderr := runCLI("-c", cfgPath, "resume", "p"); code != 0 || !strings.Contains(stdout, "p: resumed") {
		t.Fatalf("resume p: exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	ran, code, stderr = syncedPipelines(t, cfgPath, "p")
	if code != 0 || strings.Join(ran, ",") != "p" {
		t.Errorf("sync p after resume: exit %d, ran %v, stderr:\n%s\nwant p run", code, ran, stderr)
	}
	if code, stdout, stderr := runCLI("-c", cfgPath, "pause", "p"); code != 0 || !strings.Contains(stdout, "p: paused") {
		t.Fatalf("pause p: exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	if _, code, _ = syncedPipelines(t, cfgPath, "p"); code != 1 {
		t.Errorf("sync p after cxhub pause p: exit %d, want 1", code)
	}
	// Everything paused: notes, no empty table.
	if code, stdout, stderr := runCLI("-c", cfgPath, "pause", "q"); code != 0 {
		t.Fatalf("pause q: exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	code, stdout, stderr := runCLI("-c", cfgPath, "sync")
	if code != 0 || stdout != "" || !strings.Contains(stderr, "p: skipped: pipeline p is paused") || !strings.Contains(stderr, "q: skipped: pipeline q is paused") {
		t.Errorf("sync with every pipeline paused: exit %d, stdout %q, stderr:\n%s\nwant exit 0, no table, and both said to be skipped", code, stdout, stderr)
	}
}

// TestRunSaysWhichPipelinesArePaused: `cxhub run p` with p paused says so
// at once and how to resume it, instead of waiting in silence.
func TestRunSaysWhichPipelinesArePaused(t *testing.T) {
	cfgPath, _, _, _ := dlqWorkspace(t)
	scheduled := strings.Replace(dlqConfig, "    to:   {connection: out, stream: contacts}\n",
		"    to:   {connection: out, stream: contacts}\n    schedule: 1h\n", 1)
	if err := os.WriteFile(cfgPath, []byte(scheduled), 0o600); err != nil {
		t.Fatal(err)
	}
	pauseInState(t, cfgPath, "p")
	var stdout, stderr testfiles.SyncBuffer
	done := make(chan int, 1)
	go func() { done <- Main([]string{"-c", cfgPath, "run", "p"}, &stdout, &stderr) }()
	want := "p: paused: cxhub run does not run it until it is resumed with `cxhub -c " + cfgPath + " resume p`"
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(stderr.String(), want) && time.Now().Before(deadline) {
		select {
		case code := <-done:
			t.Fatalf("run p exited %d before saying p is paused; stderr:\n%s", code, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	// Main catches SIGINT (it has by the time run is under way) and stops.
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("run p did not stop on SIGINT")
	}
	if !strings.Contains(stderr.String(), want) {
		t.Errorf("run p with p paused said:\n%s\nwant %q", stderr.String(), want)
	}
	if strings.Contains(stdout.String(), " p  run ") {
		t.Errorf("run p ran the paused pipeline:\n%s", stdout.String())
	}
}

// TestSyncRunsAPipelineNamedTwiceOnce: `sync p p q p` runs p once and q
// once, in the order first named (it used to run p three times).
func TestSyncRunsAPipelineNamedTwiceOnce(t *testing.T) {
	cfgPath, _, _, _ := dlqWorkspace(t)
	for _, f := range []string{"contacts.jsonl", "companies.jsonl"} {
		if err := os.WriteFile(filepath.Join(filepath.Dir(cfgPath), "in", f), []byte(`{"id":"1"}`+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ran, code, stderr := syncedPipelines(t, cfgPath, "p", "p", "q", "p")
	if code != 0 || strings.Join(ran, ",") != "p,q" {
		t.Errorf("sync p p q p: exit %d, ran %v, stderr:\n%s\nwant p and q once each", code, ran, stderr)
	}
}
