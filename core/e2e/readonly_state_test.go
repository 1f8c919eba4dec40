package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cxhub/cxhub/core/state"
)

// nobody is the unprivileged user the read-only state test runs cxhub as.
const nobody = 65534

// cxhubAs runs cxhub as uid/gid, to its end.
func (w *workspace) cxhubAs(uid int, args ...string) result {
	w.t.Helper()
	cmd, stdout, stderr := w.command(args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
	err := cmd.Run()
	return result{stdout: stdout.String(), stderr: stderr.String(), code: exitCode(err)}
}

// openUpTo makes dir and every directory above it searchable by everyone,
// so that another user can reach the files below dir.
func openUpTo(t *testing.T, dir string) {
	t.Helper()
	for d := dir; d != filepath.Dir(d); d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o005 != 0o005 {
			if err := os.Chmod(d, fi.Mode().Perm()|0o005); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestReadOnlyStateDirectory: a state written by one user is read by a
// user who may read the file but write neither it nor its directory. As
// root, the reader is uid 65534 (root's permissions would hide the
// problem); otherwise the owner itself, with the directory and the file
// made read-only (0555, 0444). The read-only commands work and show the
// state; a sync is refused with a message that says what is wrong and
// what to do, and writes nothing.
func TestReadOnlyStateDirectory(t *testing.T) {
	w := newWorkspace(t, fmt.Sprintf(bulkConfig, "file"))
	writeBulk(t, w, 50)
	w.mustCxhub("sync")
	dbPath := w.path("state/cxhub.db")
	asRoot := os.Geteuid() == 0
	run := func(args ...string) result { return w.cxhubAs(nobody, args...) }
	wantInRefusal := []string{"state/cxhub.db", "is not writable by this user", "uid 65534", "run cxhub as the user that owns the state (root)", "Read-only commands"}
	if asRoot {
		if err := os.Chmod(dbPath, 0o644); err != nil {
			t.Fatal(err)
		}
		openUpTo(t, w.path("state"))
		openUpTo(t, binDir)
	} else {
		run = w.cxhub
		wantInRefusal = []string{"state/cxhub.db", "is not writable by this user", fmt.Sprintf("uid %d", os.Getuid()), "Read-only commands"}
		if err := os.Chmod(dbPath, 0o444); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(w.path("state"), 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Chmod(w.path("state"), 0o755) }) // for the temp dir's removal
	}
	before, err := os.ReadFile(dbPath)
	if err != nil {
		t.Fatal(err)
	}

	show := run("state", "show")
	if show.code != 0 || !strings.Contains(show.stdout, "bulk") {
		t.Errorf("state show as a user who cannot write the state:\n%s", show)
	}
	runs := run("runs", "-o", "json")
	var list []state.Run
	if runs.code != 0 || json.Unmarshal([]byte(runs.stdout), &list) != nil || len(list) != 1 || list[0].Counts.Written != 50 {
		t.Errorf("runs as a user who cannot write the state: %+v\n%s", list, runs)
	}
	if dlq := run("dlq", "list"); dlq.code != 0 {
		t.Errorf("dlq list as a user who cannot write the state:\n%s", dlq)
	}

	sync := run("sync")
	if sync.code == 0 {
		t.Fatalf("a sync by a user who cannot write the state succeeded:\n%s", sync)
	}
	for _, want := range wantInRefusal {
		if !strings.Contains(sync.stderr, want) {
			t.Errorf("the refusal does not say %q:\n%s", want, sync.stderr)
		}
	}
	after, err := os.ReadFile(dbPath)
	if err != nil || !bytes.Equal(before, after) {
		t.Errorf("the state file changed (%v)", err)
	}
}
