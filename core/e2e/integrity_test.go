package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/core/internal/testfiles"
)

// integrityConfig reads customers with the "file" connector and writes
// them with "sink", both from the workspace's own plugins directory.
const integrityConfig = `version: 1
state: {path: state/cxhub.db}
plugins: {dir: plugins}
connections:
  in:
    connector: file
    config: {dir: in, streams: {customers: {key: id}}}
  out:
    connector: sink
    config: {dir: out, streams: {contacts: {key: id}}}
pipelines:
  - name: copy
    from: {connection: in, stream: customers}
    to: {connection: out, stream: contacts}
`

// integrityWorkspace is a workspace with its own copy of the plugins, which
// its test may change. Its "file" connector is a script that notes each
// start in a marker file, then runs a copy of the real file connector: the
// marker tells whether cxhub ran the binary at all.
type integrityWorkspace struct {
	*workspace
	marker string
}

func newIntegrityWorkspace(t *testing.T, config string) *integrityWorkspace {
	t.Helper()
	w := &integrityWorkspace{workspace: newWorkspace(t, config)}
	w.marker = w.path("file-connector-starts")
	if err := os.MkdirAll(w.path("plugins/real"), 0o755); err != nil {
		t.Fatal(err)
	}
	built := filepath.Join(binDir, "plugins")
	real := w.path("plugins/real/cxhub-connector-file")
	testfiles.CopyExecutable(t, filepath.Join(built, "cxhub-connector-file"), real)
	testfiles.CopyExecutable(t, filepath.Join(built, "cxhub-connector-sink"), w.path("plugins/cxhub-connector-sink"))
	testfiles.CopyExecutable(t, filepath.Join(built, "cxhub-connector-inline"), w.path("plugins/cxhub-connector-inline"))
	script := "#!/bin/sh\necho started >> '" + w.marker + "'\nexec '" + real + "' \"$@\"\n"
	if err := os.WriteFile(w.path("plugins/cxhub-connector-file"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	w.write("in/customers.jsonl", `{"id":"1","email":"ada@example.com"}`+"\n")
	return w
}

// fileStarts counts the starts of the file connector since the last call.
func (w *integrityWorkspace) fileStarts() int {
	w.t.Helper()
	b, err := os.ReadFile(w.marker)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		w.t.Fatal(err)
	}
	if err := os.Remove(w.marker); err != nil {
		w.t.Fatal(err)
	}
	return strings.Count(string(b), "started")
}

func (w *integrityWorkspace) lockfile() string { return w.path("cxhub.lock") }

func (w *integrityWorkspace) relock() string { return "cxhub -c " + w.config + " plugins lock" }

// sha256Of is a file's SHA-256 in hex.
func sha256Of(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// lockedEntries reads the lockfile's connectors.
func (w *integrityWorkspace) lockedEntries() map[string]struct{ File, SHA256, Version string } {
	w.t.Helper()
	var doc struct {
		Connectors map[string]struct{ File, SHA256, Version string } `json:"connectors"`
	}
	if err := json.Unmarshal([]byte(w.read("cxhub.lock")), &doc); err != nil {
		w.t.Fatalf("the lockfile is not JSON: %v\n%s", err, w.read("cxhub.lock"))
	}
	return doc.Connectors
}

// syncCopies runs sync, which must succeed and copy the customer with id.
func (w *integrityWorkspace) syncCopies(id string) result {
	w.t.Helper()
	w.appendTo("in/customers.jsonl", `{"id":"`+id+`"}`+"\n")
	r := w.mustCxhub("sync")
	if !strings.Contains(w.read("out/contacts.jsonl"), `"id":"`+id+`"`) {
		w.t.Fatalf("sync did not copy customer %s:\n%s", id, r)
	}
	return r
}

// refused runs sync, which must fail before it runs a plugin, with a
// config error containing each of want.
func (w *integrityWorkspace) refused(want ...string) {
	w.t.Helper()
	r := w.cxhub("sync")
	if r.code != 1 {
		w.t.Fatalf("sync exit %d, want 1 (refused):\n%s", r.code, r)
	}
	for _, s := range want {
		if !strings.Contains(r.stderr, s) {
			w.t.Errorf("sync's error does not contain %q:\n%s", s, r)
		}
	}
	if strings.Contains(r.stderr, "restarting") {
		w.t.Errorf("a refused plugin was retried:\n%s", r)
	}
	if n := w.fileStarts(); n != 0 {
		w.t.Errorf("the file connector was started %d times though the sync was refused", n)
	}
}

func appendByte(t *testing.T, path string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte{'#'}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestIntegrityUnlockedPluginsRunWithOneWarning(t *testing.T) {
	w := newIntegrityWorkspace(t, integrityConfig)
	r := w.syncCopies("2")
	if n := strings.Count(r.stderr, "plugins are not locked"); n != 1 {
		t.Errorf("%d warnings that plugins are not locked, want 1:\n%s", n, r)
	}
	if !strings.Contains(r.stderr, w.relock()) {
		t.Errorf("the warning does not say how to lock:\n%s", r)
	}
	if _, err := os.Stat(w.lockfile()); !os.IsNotExist(err) {
		t.Errorf("sync created a lockfile (stat: %v)", err)
	}
}

// Lock, sync; change a binary: refused, and the binary never runs; re-lock:
// sync again. Once for the script and once for a real connector binary.
func TestIntegrityLockRefuseRelock(t *testing.T) {
	w := newIntegrityWorkspace(t, integrityConfig)
	fileBin, sinkBin := w.path("plugins/cxhub-connector-file"), w.path("plugins/cxhub-connector-sink")

	r := w.mustCxhub("plugins", "lock")
	entries := w.lockedEntries()
	if len(entries) != 2 {
		t.Errorf("the lockfile holds %v, want file and sink (inline is installed, not used)", entries)
	}
	for name, bin := range map[string]string{"file": fileBin, "sink": sinkBin} {
		e := entries[name]
		if e.SHA256 != sha256Of(t, bin) || e.File != filepath.Base(bin) || e.Version == "" {
			t.Errorf("lockfile entry %s = %+v, want %s's checksum %s and a version", name, e, bin, sha256Of(t, bin))
		}
		if !strings.Contains(r.stdout, name) || !strings.Contains(r.stdout, e.SHA256[:12]) {
			t.Errorf("plugins lock does not show %s and its short hash:\n%s", name, r)
		}
	}
	info, err := os.Stat(w.lockfile())
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o644 {
		t.Errorf("lockfile mode %v, want 0644", info.Mode().Perm())
	}
	locked := w.read("cxhub.lock")
	w.fileStarts()

	again := w.mustCxhub("plugins", "lock")
	if w.read("cxhub.lock") != locked {
		t.Errorf("locking the same binaries again changed the lockfile")
	}
	if strings.Count(again.stdout, "unchanged") != 2 || !strings.Contains(again.stdout, "up to date") {
		t.Errorf("a second lock does not say everything is unchanged:\n%s", again)
	}
	w.fileStarts()

	r = w.syncCopies("2")
	if strings.Contains(r.stderr, "not locked") {
		t.Errorf("sync warns that plugins are not locked though they are:\n%s", r)
	}
	if n := w.fileStarts(); n == 0 {
		t.Fatal("the file connector's starts are not seen: the refusals below would prove nothing")
	}

	oldSum := entries["file"].SHA256
	appendByte(t, fileBin)
	newSum := sha256Of(t, fileBin)
	w.refused(`connector "file": binary ` + fileBin + " does not match " + w.lockfile() +
		" (sha256 " + oldSum[:12] + "… locked, " + newSum[:12] + "… found); if you upgraded it on purpose, run: " + w.relock())

	r = w.mustCxhub("plugins", "lock")
	if !strings.Contains(r.stdout, "changed: ") || !strings.Contains(r.stdout, oldSum[:12]+" -> ") ||
		!strings.Contains(r.stdout, newSum[:12]) {
		t.Errorf("re-lock does not show the file connector's old and new hash:\n%s", r)
	}
	w.fileStarts()
	w.syncCopies("3")
	if n := w.fileStarts(); n == 0 {
		t.Error("the re-locked file connector did not start")
	}

	oldSum = w.lockedEntries()["sink"].SHA256
	appendByte(t, sinkBin) // an ELF file with a byte more still runs: only the check stops it
	w.refused(`connector "sink": binary `+sinkBin+" does not match", oldSum[:12]+"… locked", w.relock())
	w.mustCxhub("plugins", "lock")
	w.syncCopies("4")
}

func TestIntegrityConnectorMissingFromTheLockfileIsRefused(t *testing.T) {
	w := newIntegrityWorkspace(t, integrityConfig)
	w.mustCxhub("plugins", "lock")
	var doc map[string]any
	if err := json.Unmarshal([]byte(w.read("cxhub.lock")), &doc); err != nil {
		t.Fatal(err)
	}
	delete(doc["connectors"].(map[string]any), "file")
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	w.write("cxhub.lock", string(b))
	w.fileStarts()
	w.refused(`connector "file": binary `+w.path("plugins/cxhub-connector-file")+" is not in "+w.lockfile(), w.relock())
}

func TestIntegrityMalformedLockfileIsRefused(t *testing.T) {
	w := newIntegrityWorkspace(t, integrityConfig)
	w.write("cxhub.lock", `{"format": 1, "connectors": {"file": {"sha256": "ab12"}}`)
	w.refused("plugin lockfile "+w.lockfile()+" is malformed", "not valid lockfile JSON", w.relock())
	r := w.cxhub("validate")
	if r.code != 1 || strings.Count(r.stderr, "is malformed") != 1 {
		t.Errorf("validate with a malformed lockfile: want exit 1 and the reason once:\n%s", r)
	}
	w.write("cxhub.lock", `{"format": 1, "connectors": {"file": {"sha256": "ab12"}}}`)
	w.refused(w.lockfile(), `connectors.file.sha256: "ab12" is not a SHA-256`)

	w.mustCxhub("plugins", "lock") // replaces the malformed file
	w.fileStarts()
	w.syncCopies("2")
}

func TestIntegrityLockAll(t *testing.T) {
	w := newIntegrityWorkspace(t, integrityConfig)
	w.mustCxhub("plugins", "lock", "--all")
	if e, ok := w.lockedEntries()["inline"]; !ok || e.SHA256 != sha256Of(t, w.path("plugins/cxhub-connector-inline")) {
		t.Errorf("lock --all did not lock the unused inline connector: %+v", w.lockedEntries())
	}
	w.mustCxhub("plugins", "list")

	r := w.mustCxhub("plugins", "lock")
	if _, ok := w.lockedEntries()["inline"]; ok {
		t.Errorf("a plain lock kept the unused inline connector")
	}
	if !strings.Contains(r.stdout, "removed") {
		t.Errorf("plugins lock does not say it removed inline:\n%s", r)
	}
	// Unused and no longer locked: listed as such, not started, and not an
	// error (only a connection using it would be refused).
	r = w.cxhub("plugins", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "NOT LOCKED  (not started") || strings.Contains(r.stdout, "BROKEN") {
		t.Errorf("plugins list after inline left the lockfile: want it listed NOT LOCKED, exit 0:\n%s", r)
	}
}

func TestIntegrityLockNamesAConnectionWhoseConnectorIsMissing(t *testing.T) {
	config := strings.Replace(integrityConfig, "connector: sink", "connector: absentone", 1)
	w := newIntegrityWorkspace(t, config)
	r := w.cxhub("plugins", "lock")
	if r.code != 1 || !strings.Contains(r.stderr, `connection "out" uses connector "absentone", which is not installed`) {
		t.Errorf("plugins lock with a missing connector: want exit 1 naming the connection:\n%s", r)
	}
	if _, err := os.Stat(w.lockfile()); !os.IsNotExist(err) {
		t.Errorf("a failed lock wrote a lockfile (stat: %v)", err)
	}
}
