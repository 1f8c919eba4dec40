package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/state"
)

// TestSecondWriterRefusedThroughAnyPath: while one Store writes a file, a
// second writer is refused whatever path reaches the file — the same path,
// a symlink, a path with "..", a hard link — and the refusal names the
// holder and the read-only way out.
func TestSecondWriterRefusedThroughAnyPath(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state", "cxhub.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	symlink := filepath.Join(dir, "alias.db")
	if err := os.Symlink(path, symlink); err != nil {
		t.Fatal(err)
	}
	hardlink := filepath.Join(dir, "hard.db")
	if err := os.Link(path, hardlink); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "other"), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]string{
		"same path": path,
		"symlink":   symlink,
		"dot-dot":   filepath.Join(dir, "other", "..", "state", "cxhub.db"),
		"hard link": hardlink,
	} {
		t.Run(name, func(t *testing.T) {
			second, err := Open(p)
			if err == nil {
				second.Close()
				t.Fatalf("a second writer through %s was admitted", p)
			}
			if !errors.Is(err, state.ErrLocked) {
				t.Fatalf("err = %v, want ErrLocked", err)
			}
			for _, want := range []string{fmt.Sprintf("pid %d", os.Getpid()), "read-only commands"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
	// Closed, the lock is free again for every path.
	s.Close()
	for _, p := range []string{symlink, hardlink} {
		again, err := Open(p)
		if err != nil {
			t.Fatalf("after Close, Open(%s): %v", p, err)
		}
		again.Close()
	}
}

// TestReadOnlyBesideAWriter: a read-only store opens and reads while a
// writer holds the file, sees its commits, and cannot write.
func TestReadOnlyBesideAWriter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cxhub.db")
	w, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	run := startRun(t, w, "p")
	mustCommit(t, w, Commit{RunID: run, Pipeline: "p", Checkpoints: []Checkpoint{{Stream: "s", State: []byte("1")}}})
	r, err := OpenReadOnly(path)
	if err != nil {
		t.Fatalf("OpenReadOnly beside a writer: %v", err)
	}
	defer r.Close()
	runs, err := r.Runs(ctx, RunFilter{})
	if err != nil || len(runs) != 1 || runs[0].Status != RunRunning {
		t.Fatalf("Runs = %+v, %v; want the writer's running run", runs, err)
	}
	if err := r.Commit(ctx, Commit{Pipeline: "p", Checkpoints: []Checkpoint{{Stream: "s", State: []byte("2")}}}); err == nil {
		t.Fatal("a read-only store committed")
	}
	if _, err := r.StartRun(ctx, "q"); err == nil {
		t.Fatal("a read-only store started a run")
	}
	cps, _ := r.Checkpoints(ctx, "p")
	if string(cps["s"]) != "1" {
		t.Fatalf("checkpoint = %q, want 1", cps["s"])
	}
}

// TestReadOnlySettlesLeftOverRuns: with no writer, a read-only open marks
// runs a dead process left running as interrupted, so what it shows is true.
func TestReadOnlySettlesLeftOverRuns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cxhub.db")
	w, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	startRun(t, w, "p")
	w.Close() // as if the process had died: the run stays "running"
	r, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	runs, _ := r.Runs(context.Background(), RunFilter{})
	if len(runs) != 1 || runs[0].Status != RunInterrupted {
		t.Fatalf("runs = %+v, want one interrupted", runs)
	}
}

// TestLockHeldAcrossProcesses: the lock is the kernel's, so a writer in
// another process is refused while this one holds the file, through a
// symlink, and admitted once it is closed.
func TestLockHeldAcrossProcesses(t *testing.T) {
	if os.Getenv("CXHUB_LOCK_CHILD") != "" {
		_, err := Open(os.Getenv("CXHUB_LOCK_CHILD"))
		switch {
		case errors.Is(err, state.ErrLocked):
			fmt.Print("LOCKED: ", err)
		case err != nil:
			fmt.Print("ERROR: ", err)
		default:
			fmt.Print("OPENED")
		}
		return
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "cxhub.db")
	alias := filepath.Join(dir, "alias.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(path, alias); err != nil {
		t.Fatal(err)
	}
	child := func() string {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestLockHeldAcrossProcesses$")
		cmd.Env = append(os.Environ(), "CXHUB_LOCK_CHILD="+alias)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("child: %v", err)
		}
		return string(out)
	}
	if out := child(); !strings.HasPrefix(out, "LOCKED: ") || !strings.Contains(out, fmt.Sprintf("pid %d", os.Getpid())) {
		t.Fatalf("child while held: %q, want LOCKED naming pid %d", out, os.Getpid())
	}
	s.Close()
	if out := child(); !strings.HasPrefix(out, "OPENED") {
		t.Fatalf("child after close: %q, want OPENED", out)
	}
}
