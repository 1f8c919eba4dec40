package plugins

import (
	"context"
	"encoding/hex"
	"github.com/cxhub/cxhub/core/internal/testfiles"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/file"
	"github.com/cxhub/cxhub/sdk"
)

// markerPlugin installs a connector "fake" that is not a plugin: it notes
// each start in the returned marker file and exits. Whether the marker
// exists tells whether the host ran the binary at all.
func markerPlugin(t *testing.T, dir string) (path, marker string) {
	t.Helper()
	marker = filepath.Join(t.TempDir(), "started")
	path = filepath.Join(dir, BinaryPrefix+"fake")
	writeFile(t, path, "#!/bin/sh\necho started >> '"+marker+"'\nexit 3\n", 0o755)
	return path, marker
}

func starts(t *testing.T, marker string) int {
	t.Helper()
	b, err := os.ReadFile(marker)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "started")
}

func writeLockfile(t *testing.T, path string, entries map[string]Locked) {
	t.Helper()
	if err := WriteLockfile(path, &Lockfile{Connectors: entries}); err != nil {
		t.Fatal(err)
	}
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

const relock = "cxhub -c demo.yaml plugins lock"

// A host with a lockfile refuses, before running it, a binary the lockfile
// does not record as it is; it runs one that matches.
func TestStartChecksTheLockfile(t *testing.T) {
	tests := []struct {
		name string
		// lockfile writes the lockfile (or not) for the fake binary at bin.
		lockfile func(t *testing.T, path, bin string)
		refused  []string // in the error; nil: the binary must run
	}{
		{
			name: "matching binary runs",
			lockfile: func(t *testing.T, path, bin string) {
				sum, err := FileSHA256(bin)
				if err != nil {
					t.Fatal(err)
				}
				writeLockfile(t, path, map[string]Locked{"fake": {SHA256: hex.EncodeToString(sum)}})
			},
		},
		{
			name: "changed binary is refused",
			lockfile: func(t *testing.T, path, bin string) {
				writeLockfile(t, path, map[string]Locked{"fake": {SHA256: hexSum("another binary")}})
			},
			refused: []string{`connector "fake": binary `, "does not match", "sha256 " + hexSum("another binary")[:12] + "… locked",
				"if you upgraded it on purpose, run: " + relock},
		},
		{
			name: "connector missing from the lockfile is refused",
			lockfile: func(t *testing.T, path, bin string) {
				writeLockfile(t, path, map[string]Locked{"other": {SHA256: hexSum("x")}})
			},
			refused: []string{`connector "fake": binary `, "is not in", "to trust it, run: " + relock, "--all"},
		},
		{
			name: "malformed lockfile is refused",
			lockfile: func(t *testing.T, path, bin string) {
				writeFile(t, path, `{"format": 1, "connectors": {"fake": {"sha256": "nope"}}}`, 0o644)
			},
			refused: []string{"plugin lockfile", "is malformed", "connectors.fake.sha256", "run: " + relock},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			bin, marker := markerPlugin(t, dir)
			lockPath := filepath.Join(dir, "demo.lock")
			tt.lockfile(t, lockPath, bin)
			var logs testfiles.SyncBuffer
			h := NewHost(dir, dir, slog.New(slog.NewTextHandler(&logs, nil)))
			h.UseLockfile(lockPath, relock)
			verifyErr := h.Verify("fake")
			if n := starts(t, marker); n != 0 {
				t.Errorf("Verify ran the binary %d times", n)
			}
			_, err := h.Start(testCtx(t), "fake")
			if (verifyErr == nil) != (tt.refused == nil) || (verifyErr != nil && verifyErr.Error() != err.Error()) {
				t.Errorf("Verify() = %v, Start() = %v: want Verify to refuse exactly as Start does", verifyErr, err)
			}
			if err == nil {
				t.Fatal("Start of a binary that is not a plugin succeeded")
			}
			if strings.Contains(logs.String(), "not locked") {
				t.Errorf("a host with a lockfile warned that plugins are not locked:\n%s", logs.String())
			}
			if tt.refused == nil {
				if n := starts(t, marker); n != 1 {
					t.Errorf("the matching binary ran %d times, want once (error: %v)", n, err)
				}
				return
			}
			if sdk.KindOf(err) != sdk.KindConfig {
				t.Errorf("kind %s, want config (a restart cannot mend it)", sdk.KindOf(err))
			}
			for _, want := range append(tt.refused, lockPath) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if n := starts(t, marker); n != 0 {
				t.Errorf("the refused binary ran %d times", n)
			}
			if n := len(h.running); n != 0 {
				t.Errorf("%d processes tracked after a refusal", n)
			}
		})
	}
}

// Without a lockfile binaries run, and the host warns once, however many
// it starts; a host never told of a lockfile does not warn.
func TestStartWithoutLockfileWarnsOnce(t *testing.T) {
	for _, told := range []bool{true, false} {
		t.Run(map[bool]string{true: "lockfile absent", false: "no lockfile configured"}[told], func(t *testing.T) {
			dir := t.TempDir()
			_, marker := markerPlugin(t, dir)
			var logs testfiles.SyncBuffer
			h := NewHost(dir, dir, slog.New(slog.NewTextHandler(&logs, nil)))
			lockPath := filepath.Join(dir, "demo.lock")
			if told {
				h.UseLockfile(lockPath, relock)
			}
			specs, failed := h.Specs(testCtx(t), []string{"fake"})
			if len(specs) != 0 || failed["fake"] == nil {
				t.Fatalf("Specs() = %v, %v; want fake among the failures (it is no plugin)", specs, failed)
			}
			if _, err := h.Start(testCtx(t), "fake"); err == nil {
				t.Fatal("Start of a binary that is not a plugin succeeded")
			}
			if n := starts(t, marker); n != 2 {
				t.Errorf("the binary ran %d times, want 2", n)
			}
			got := strings.Count(logs.String(), "not locked")
			want := map[bool]int{true: 1, false: 0}[told]
			if got != want {
				t.Errorf("%d warnings that plugins are not locked, want %d:\n%s", got, want, logs.String())
			}
			if told && (!strings.Contains(logs.String(), relock) || !strings.Contains(logs.String(), lockPath)) {
				t.Errorf("the warning does not say how to lock the plugins, or where:\n%s", logs.String())
			}
		})
	}
}

// Fingerprint records a real connector as it is, and the host then starts
// it; once the binary changes, Fingerprint records the change.
func TestFingerprintThenStart(t *testing.T) {
	dir := buildFileConnector(t)
	bin := filepath.Join(dir, BinaryPrefix+"file")
	lockPath := filepath.Join(dir, "demo.lock")
	h := NewHost(dir, dir, nil)
	writeFile(t, lockPath, "{ malformed", 0o644)
	h.UseLockfile(lockPath, relock) // Fingerprint must not consult it
	ctx := testCtx(t)

	locked, err := h.Fingerprint(ctx, "file")
	if err != nil {
		t.Fatalf("Fingerprint: %v", err)
	}
	sum, err := FileSHA256(bin)
	if err != nil {
		t.Fatal(err)
	}
	want := Locked{File: BinaryPrefix + "file", SHA256: hex.EncodeToString(sum), Version: file.New().Spec().Version}
	if locked != want {
		t.Errorf("Fingerprint = %+v, want %+v", locked, want)
	}
	if want.Version == "" {
		t.Error("the file connector reports no version: the test cannot tell a version was read")
	}
	if n := len(h.running); n != 0 {
		t.Errorf("%d processes tracked after Fingerprint", n)
	}

	writeLockfile(t, lockPath, map[string]Locked{"file": locked})
	h = NewHost(dir, dir, nil)
	h.UseLockfile(lockPath, relock)
	p, err := h.Start(ctx, "file")
	if err != nil {
		t.Fatalf("Start of the locked binary: %v", err)
	}
	h.Stop(p)

	f, err := os.OpenFile(bin, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte{0}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Start(ctx, "file"); sdk.KindOf(err) != sdk.KindConfig || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("Start after a byte was appended: %v, want a config error saying the binary does not match", err)
	}
	changed, err := h.Fingerprint(ctx, "file")
	if err != nil {
		t.Fatalf("Fingerprint of the changed binary (it still runs): %v", err)
	}
	if changed.SHA256 == locked.SHA256 || changed.Version != locked.Version {
		t.Errorf("Fingerprint after the change = %+v, want a new checksum and the same version as %+v", changed, locked)
	}
}

func TestFingerprintOfAMissingConnectorIsAConfigError(t *testing.T) {
	dir := t.TempDir()
	_, err := NewHost(dir, dir, nil).Fingerprint(testCtx(t), "hubspot")
	if sdk.KindOf(err) != sdk.KindConfig || !strings.Contains(err.Error(), `"hubspot" is not installed`) {
		t.Errorf("Fingerprint() error = %v, want a config error saying hubspot is not installed", err)
	}
}

// The lockfile is read at every start: a re-lock while a host lives (cxhub
// run) takes effect at its next start.
func TestStartSeesARelock(t *testing.T) {
	dir := t.TempDir()
	bin, marker := markerPlugin(t, dir)
	lockPath := filepath.Join(dir, "demo.lock")
	writeLockfile(t, lockPath, map[string]Locked{"fake": {SHA256: hexSum("the binary before the upgrade")}})
	h := NewHost(dir, dir, nil)
	h.UseLockfile(lockPath, relock)
	if _, err := h.Start(testCtx(t), "fake"); sdk.KindOf(err) != sdk.KindConfig {
		t.Fatalf("Start before the re-lock: %v, want a refusal", err)
	}
	sum, err := FileSHA256(bin)
	if err != nil {
		t.Fatal(err)
	}
	writeLockfile(t, lockPath, map[string]Locked{"fake": {SHA256: hex.EncodeToString(sum)}})
	if _, err := h.Start(testCtx(t), "fake"); sdk.KindOf(err) == sdk.KindConfig {
		t.Errorf("Start after the re-lock was refused: %v", err)
	}
	if n := starts(t, marker); n != 1 {
		t.Errorf("the binary ran %d times, want once (after the re-lock)", n)
	}
}

// A binary whose spec names another connector (the file connector
// installed as "junk") starts, with one warning that says both names.
func TestStartWarnsOnceOfAMisnamedConnector(t *testing.T) {
	dir := t.TempDir()
	testfiles.CopyExecutable(t, fileConnectorBinary, filepath.Join(dir, "cxhub-connector-junk"))
	var logs testfiles.SyncBuffer
	h := NewHost(dir, dir, slog.New(slog.NewTextHandler(&logs, nil)))
	for range 2 {
		p, err := h.Start(testCtx(t), "junk")
		if err != nil {
			t.Fatal(err)
		}
		h.Stop(p)
	}
	if got := strings.Count(logs.String(), "names another connector in its spec"); got != 1 {
		t.Fatalf("%d warnings of the misnamed connector, want 1:\n%s", got, logs.String())
	}
	if !strings.Contains(logs.String(), "cxhub-connector-file") || !strings.Contains(logs.String(), "Spec.Name junk") {
		t.Errorf("the warning does not say how to fix it:\n%s", logs.String())
	}
}
