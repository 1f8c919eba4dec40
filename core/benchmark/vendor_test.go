package benchmark

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// buildAll builds each main package (a path from the module root) into
// dir, named after its last element.
func buildAll(t *testing.T, dir string, pkgs ...string) {
	t.Helper()
	for _, pkg := range pkgs {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, filepath.Base(pkg)), "./"+pkg)
		cmd.Dir = "../.."
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
}

// The vendor-bound scenario runs the HubSpot sandbox as a cxhub-sandbox
// process, empty, and reads what it counted over its admin endpoints: a
// small sync is reported with the sandbox's limit, its request counts and
// the minimum the limit allows, and the process is gone afterwards.
func TestSyncToHubSpotCountsWhatTheSandboxProcessSaw(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the sandbox and two connectors")
	}
	bin, plugins := t.TempDir(), t.TempDir()
	buildAll(t, bin, "connectors/cmd/cxhub-sandbox")
	buildAll(t, plugins, "connectors/generator/cmd/cxhub-connector-generator", "connectors/hubspot/cmd/cxhub-connector-hubspot")
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	const n = 250
	run, err := syncToHubSpot(ctx, t.TempDir(), plugins, filepath.Join(bin, "cxhub-sandbox"), n)
	if err != nil {
		t.Fatalf("syncToHubSpot: %v", err)
	}
	wantUpserts := (n + hubspotBatch - 1) / hubspotBatch
	if run.Contacts != n || run.Limit != "100 per 10s" || run.Upserts != wantUpserts ||
		run.Requests < run.Upserts || run.TooMany != 0 {
		t.Errorf("run = %+v; want %d contacts, limit 100 per 10s, %d upserts among the requests, no 429", run, n, wantUpserts)
	}
	if want := time.Duration(wantUpserts) * 100 * time.Millisecond; run.TheoreticalMin != want || run.BurstMin != 0 {
		t.Errorf("minimum %v, burst minimum %v; want %v and 0", run.TheoreticalMin, run.BurstMin, want)
	}
}

// startSandbox fails clearly for a program that prints no URL, and leaves
// no process behind.
func TestStartSandboxRefusesAProgramThatPrintsNoURL(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "cxhub-sandbox")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho 'no sandbox here' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	p, err := startSandbox(t.Context(), fake, "hubspot")
	if err == nil {
		p.stop()
		t.Fatal("startSandbox succeeded with a program that prints nothing")
	}
	if got := err.Error(); !strings.Contains(got, "want hubspot=http://127.0.0.1:<port>") || !strings.Contains(got, "no sandbox here") {
		t.Errorf("error %q: want what was expected and the program's stderr", got)
	}
}
