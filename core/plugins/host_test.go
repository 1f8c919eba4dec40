package plugins

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

func TestInstalledListsOnlyExecutableConnectors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "cxhub-connector-b"), "#!/bin/sh\n", 0o755)
	writeFile(t, filepath.Join(dir, "cxhub-connector-a"), "#!/bin/sh\n", 0o755)
	writeFile(t, filepath.Join(dir, "cxhub-connector-notexec"), "", 0o644)
	writeFile(t, filepath.Join(dir, "cxhub-connector-"), "#!/bin/sh\n", 0o755)
	writeFile(t, filepath.Join(dir, "other-tool"), "#!/bin/sh\n", 0o755)
	if err := os.Mkdir(filepath.Join(dir, "cxhub-connector-dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := NewHost(dir, dir, nil).Installed()
	if err != nil {
		t.Fatal(err)
	}
	want := []Binary{{Name: "a", Path: filepath.Join(dir, "cxhub-connector-a")}, {Name: "b", Path: filepath.Join(dir, "cxhub-connector-b")}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Installed() = %v, want %v", got, want)
	}
}

func TestInstalledNamesAMissingDirectory(t *testing.T) {
	_, err := NewHost("/nonexistent/plugins", "/", nil).Installed()
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/plugins") {
		t.Errorf("Installed() error = %v, want one naming the directory", err)
	}
}

func TestStartOfAMissingConnectorIsAConfigError(t *testing.T) {
	dir := t.TempDir()
	_, err := NewHost(dir, dir, nil).Start(context.Background(), "hubspot")
	if sdk.KindOf(err) != sdk.KindConfig || !strings.Contains(err.Error(), `"hubspot" is not installed`) ||
		!strings.Contains(err.Error(), dir) {
		t.Errorf("Start() error = %v (kind %s), want a config error naming the connector and the directory", err, sdk.KindOf(err))
	}
}

func TestStartOfABinaryThatIsNotAConnectorFails(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "cxhub-connector-fake"), "#!/bin/sh\necho not a plugin\nexit 3\n", 0o755)
	h := NewHost(dir, dir, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := h.Start(ctx, "fake")
	if err == nil || !strings.Contains(err.Error(), "cxhub-connector-fake") {
		t.Errorf("Start() error = %v, want one naming the binary", err)
	}
	if n := len(h.running); n != 0 {
		t.Errorf("%d processes tracked after a failed start", n)
	}
	specs, failed := h.Specs(ctx, []string{"fake"})
	if len(specs) != 0 || failed["fake"] == nil {
		t.Errorf("Specs() = %v, %v; want fake among the failures", specs, failed)
	}
}

func TestStopAllReapsEveryPlugin(t *testing.T) {
	dir := buildFileConnector(t)
	h := NewHost(dir, dir, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var pids []int
	for i := 0; i < 3; i++ {
		p, err := h.Start(ctx, "file")
		if err != nil {
			t.Fatal(err)
		}
		if p.Spec().Name != "file" {
			t.Errorf("spec name %q", p.Spec().Name)
		}
		pids = append(pids, p.Pid())
	}
	specs, failed := h.Specs(ctx, []string{"file", "absent"})
	if len(failed) != 0 || len(specs) != 1 || specs["file"].Name != "file" {
		t.Errorf("Specs() = %v, %v; want only file", specs, failed)
	}
	if n := len(h.running); n != 3 {
		t.Errorf("%d processes tracked, want 3 (Specs stops what it starts)", n)
	}
	h.StopAll()
	for _, pid := range pids {
		if pid == 0 {
			t.Fatal("a plugin reported no pid")
		}
		if err := syscall.Kill(pid, 0); err == nil {
			t.Errorf("plugin %d still exists after StopAll", pid)
		}
	}
	if n := len(h.running); n != 0 {
		t.Errorf("%d processes tracked after StopAll", n)
	}
	// The hub is closing: a start now (one under way as it closed) is
	// refused, and its process does not outlive it.
	if p, err := h.Start(ctx, "file"); err == nil || !strings.Contains(err.Error(), "closing") {
		t.Errorf("a start after StopAll: %v, %v; want refused", p, err)
	}
	if n := len(h.running); n != 0 {
		t.Errorf("%d processes tracked after a start refused", n)
	}
}
