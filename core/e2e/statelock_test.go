package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestStateLockHoldsThroughEveryPathAndReadersWork: while one cxhub syncs,
// a second cxhub whose config reaches the same state file through a
// symlink, or through a hard link, is refused before it writes anything
// (naming the process that holds the file), and read-only commands of the
// first config work beside the sync. The output holds every record once.
func TestStateLockHoldsThroughEveryPathAndReadersWork(t *testing.T) {
	cfg := fmt.Sprintf(bulkConfig, "file")
	w := newWorkspace(t, cfg)
	const n = 150000
	writeBulk(t, w, n)
	w.mustCxhub("state", "reset", "bulk") // creates the state file (a writing command), so that it can be hard-linked
	if err := os.Symlink(w.path("state/cxhub.db"), w.path("alias.db")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(w.path("state/cxhub.db"), w.path("hard.db")); err != nil {
		t.Fatal(err)
	}
	for name, statePath := range map[string]string{"symlink.yaml": "alias.db", "hardlink.yaml": "hard.db"} {
		w.write(name, strings.ReplaceAll(
			strings.Replace(cfg, "state: {path: state/cxhub.db}", "state: {path: "+statePath+"}", 1),
			"{{plugins}}", binDir+"/plugins"))
	}

	sync := w.start("sync")
	waitFor(t, "the sync to write", time.Minute, func() bool { return outputSize(w) > 100_000 })

	// Read-only commands of the same config work beside the writer, and
	// see its run as running.
	runs := w.mustCxhub("runs", "-o", "json")
	var list []struct{ Status string }
	if err := json.Unmarshal([]byte(runs.stdout), &list); err != nil || len(list) == 0 || list[0].Status != "running" {
		t.Fatalf("runs beside the sync = %v, %v; want the sync's run, running\n%s", list, err, runs)
	}
	w.mustCxhub("state", "show")
	w.mustCxhub("dlq", "list")

	for _, other := range []string{"symlink.yaml", "hardlink.yaml"} {
		r := w.cxhub("-c", w.path(other), "sync")
		if r.code == 0 {
			t.Fatalf("a second writer through %s was admitted:\n%s", other, r)
		}
		statePath := map[string]string{"symlink.yaml": "alias.db", "hardlink.yaml": "hard.db"}[other]
		for _, want := range []string{statePath, "is being written by pid", fmt.Sprint(sync.pid()), "read-only commands"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("refusal through %s does not say %q:\n%s", other, want, r)
			}
		}
	}
	if sync.exited() {
		t.Log("the sync finished before the refusals were checked; they prove less")
	}
	if res := sync.mustWait(2 * time.Minute); res.code != 0 {
		t.Fatalf("the sync failed:\n%s", res)
	}
	wantExactly(t, outputIDs(t, w), n)
	runs = w.mustCxhub("runs", "-o", "json")
	if err := json.Unmarshal([]byte(runs.stdout), &list); err != nil || len(list) != 1 || list[0].Status != "succeeded" {
		t.Fatalf("runs after = %v, %v; want exactly one, succeeded (the refused ones never started a run)", list, err)
	}
}
