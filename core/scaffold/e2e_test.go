package scaffold

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// TestGeneratedConnectorPassesItsConformanceTest generates connectors into
// a throwaway module that uses this checkout of cxhub, then vets it, runs
// its tests (the conformance suite against its sandbox), builds its plugin
// and starts the plugin as the core does. It proves the promise of
// `cxhub connector new`: the skeleton builds and passes its own
// conformance test before its author changes a line.
func TestGeneratedConnectorPassesItsConformanceTest(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH: cannot build the generated connector")
	}
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	mod := t.TempDir()
	writeFile(t, mod, "go.mod", "module example.com/acme\n\ngo "+GoVersion+"\n\n"+
		"require github.com/cxhub/cxhub v0.0.0\n\nreplace github.com/cxhub/cxhub => "+repo+"\n")
	sum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, mod, "go.sum", string(sum))
	// A second connector is named like an identifier the generated code
	// uses everywhere: the package name must never be shadowed.
	for _, name := range []string{"acme", "err"} {
		if _, err := Generate(Options{Name: name, Dir: filepath.Join(mod, "connectors", name)}); err != nil {
			t.Fatal(err)
		}
	}

	// The go command must find everything in the module cache: no network,
	// no workspace, and go.mod may gain the indirect requirements.
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	goCmd := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, goBin, args...)
		cmd.Dir = mod
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s in the generated module: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}

	goCmd("vet", "./...")
	out := goCmd("test", "-count=1", "-v", "./...")
	// The suite's subtests ran and passed: not merely "ok".
	for _, sub := range []string{
		"TestConformance/spec", "TestConformance/check/ok", "TestConformance/check/missing/token",
		"TestConformance/check/bad_credentials", "TestConformance/check/unreachable",
		"TestConformance/check/faults/401", "TestConformance/check/faults/429", "TestConformance/check/faults/503",
		"TestConformance/read/customers/full", "TestConformance/read/customers/resume",
		"TestConformance/read/customers/incremental", "TestConformance/read/customers/cancel",
		"TestConformance/write/customers/idempotent", "TestConformance/write/customers/target_id",
		"TestConformance/write/customers/bad_record", "TestConformance/goroutines",
		"TestAPI/no_email", "TestListPagesAndFilters",
	} {
		if !regexp.MustCompile(`--- PASS: ` + regexp.QuoteMeta(sub) + ` \(`).MatchString(out) {
			t.Errorf("go test -v does not report %s as passed", sub)
		}
	}
	// The driver gives the suite all it needs: nothing is skipped.
	if strings.Contains(out, "--- SKIP") {
		t.Errorf("some conformance checks were skipped")
	}
	for _, pkg := range []string{"example.com/acme/connectors/acme", "example.com/acme/connectors/acme/sandbox",
		"example.com/acme/connectors/err", "example.com/acme/connectors/err/sandbox"} {
		if !regexp.MustCompile(`(?m)^ok\s+` + regexp.QuoteMeta(pkg) + `\s`).MatchString(out) {
			t.Errorf("go test does not report %s ok", pkg)
		}
	}
	if t.Failed() {
		t.Logf("go test -v output:\n%s", out)
	}

	// The plugin builds, and starts and answers as the core sees it.
	bin := filepath.Join(t.TempDir(), BinaryName("acme"))
	goCmd("build", "-o", bin, "./connectors/acme/cmd/"+BinaryName("acme"))
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	p, err := sdk.Launch(ctx, sdk.LaunchOptions{Path: bin})
	if err != nil {
		t.Fatalf("launch the built plugin: %v", err)
	}
	defer p.Kill()
	spec := p.Spec()
	if spec.Name != "acme" || spec.Version != "0.1.0" || len(spec.Streams) != 1 || spec.Streams[0].Name != "customers" {
		t.Errorf("the built plugin's spec: name %q, version %q, streams %v; want acme 0.1.0 with customers",
			spec.Name, spec.Version, spec.StreamNames())
	}
	if got := spec.SecretFields(); len(got) != 1 || got[0] != "token" {
		t.Errorf("secret fields %q, want [token]", got)
	}
}
