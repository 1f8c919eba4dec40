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

// TestReadOnlyStateDirectory: a state written by root is read by a user
// who may read the file but write neither it nor its directory (run as
// uid 65534; root's permissions would hide the problem). The read-only
// commands work and show the state; a sync is refused with a message that
// says what is wrong and what to do, and writes nothing.
func TestReadOnlyStateDirectory(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to run cxhub as another user")
	}
	w := newWorkspace(t, fmt.Sprintf(bulkConfig, "file"))
	writeBulk(t, w, 50)
	w.mustCxhub("sync")
	dbPath := w.path("state/cxhub.db")
	if err := os.Chmod(dbPath, 0o644); err != nil {
		t.Fatal(err)
	}
	openUpTo(t, w.path("state"))
	openUpTo(t, binDir)
	before, err := os.ReadFile(dbPath)
	if err != nil {
		t.Fatal(err)
	}

	show := w.cxhubAs(nobody, "state", "show")
	if show.code != 0 || !strings.Contains(show.stdout, "bulk") {
		t.Errorf("state show as a user who cannot write the state:\n%s", show)
	}
	runs := w.cxhubAs(nobody, "runs", "-o", "json")
	var list []state.Run
	if runs.code != 0 || json.Unmarshal([]byte(runs.stdout), &list) != nil || len(list) != 1 || list[0].Counts.Written != 50 {
		t.Errorf("runs as a user who cannot write the state: %+v\n%s", list, runs)
	}
	if dlq := w.cxhubAs(nobody, "dlq", "list"); dlq.code != 0 {
		t.Errorf("dlq list as a user who cannot write the state:\n%s", dlq)
	}

	sync := w.cxhubAs(nobody, "sync")
	if sync.code == 0 {
		t.Fatalf("a sync by a user who cannot write the state succeeded:\n%s", sync)
	}
	for _, want := range []string{"state/cxhub.db", "is not writable by this user", "uid 65534", "run cxhub as the user that owns the state (root)", "Read-only commands"} {
		if !strings.Contains(sync.stderr, want) {
			t.Errorf("the refusal does not say %q:\n%s", want, sync.stderr)
		}
	}
	after, err := os.ReadFile(dbPath)
	if err != nil || !bytes.Equal(before, after) {
		t.Errorf("the state file changed (%v)", err)
	}
}
