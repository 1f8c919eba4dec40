package scaffold

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk/host"
)

// TestGeneratedConnectorPassesItsConformanceTest generates connectors into
// a throwaway module that uses this checkout of cxhub, then vets it, runs
// its tests (the conformance suite against its sandbox, and the generated
// unit tests), builds its plugin and starts the plugin as the core does. It
// proves the promise of `cxhub connector new`: the skeleton builds and
// passes its own conformance test before its author changes a line.
//
// Both ways of placing a connector run in the one module, so that the go
// command builds everything once: the first connector goes where no go.mod
// encloses it, so the generator writes the module's go.mod (requiring no
// cxhub version, as a development build of cxhub does), and the module then
// follows its README's steps for a local checkout of cxhub; the second goes
// inside that module and gets its import path from it.
func TestGeneratedConnectorPassesItsConformanceTest(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH: cannot build the generated connector")
	}
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	mod := filepath.Join(t.TempDir(), "acme")
	first := Options{Name: "acme", Dir: mod}
	if _, found, err := FindModule(mod); err != nil || found {
		// Name the module, so that a go.mod is written all the same.
		t.Logf("the temporary directory is inside a Go module (%v): generating with Module set", err)
		first.Module = "example.com/acme"
	}
	plan, err := NewPlan(first)
	if err != nil {
		t.Fatal(err)
	}
	if plan.NewModule != "example.com/acme" || plan.CXHubVersion != "" {
		t.Fatalf("plan: new module %q, cxhub version %q; want example.com/acme requiring no version", plan.NewModule, plan.CXHubVersion)
	}
	if _, err := Generate(first); err != nil {
		t.Fatal(err)
	}
	// A second connector is named like an identifier the generated code
	// uses everywhere: the package name must never be shadowed.
	second := Options{Name: "err", Dir: filepath.Join(mod, "connectors", "err")}
	if plan, err := NewPlan(second); err != nil || plan.NewModule != "" || plan.ImportPath != "example.com/acme/connectors/err" {
		t.Fatalf("plan inside the generated module: %+v, %v; want import path example.com/acme/connectors/err and no go.mod", plan, err)
	}
	if _, err := Generate(second); err != nil {
		t.Fatal(err)
	}
	// A source-only and a destination-only connector, beside it.
	for _, o := range []Options{
		{Name: "src", Dir: filepath.Join(mod, "connectors", "src"), Shape: Source},
		{Name: "dst", Dir: filepath.Join(mod, "connectors", "dst"), Shape: Destination},
	} {
		if _, err := Generate(o); err != nil {
			t.Fatal(err)
		}
	}

	// No workspace, and go.mod may gain the requirements it lacks. The
	// module proxy stays reachable (the one network a test may use): the
	// generated module loads more of the module graph than building cxhub
	// does, so a fresh module cache lacks some go.mod files it needs (seen:
	// mattn/go-colorable v0.1.9's, required by fatih/color v1.13.0). What it
	// fetches is checked against the repository's go.sum, copied below.
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
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

	// The README's steps for a local checkout, with this checkout; the
	// repository's go.sum stands in for what go mod tidy would record.
	const replaceStep = "go mod edit -replace github.com/cxhub/cxhub=/path/to/cxhub"
	if readme, err := os.ReadFile(filepath.Join(mod, "README.md")); err != nil || !strings.Contains(string(readme), replaceStep) {
		t.Fatalf("the README does not say %q (%v)", replaceStep, err)
	}
	goCmd("mod", "edit", "-replace", "github.com/cxhub/cxhub="+repo)
	sum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, mod, "go.sum", string(sum))

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
		"TestAPI/no_email", "TestListPagesAndFilters", "TestReadKeysProblemCustomers",
		"TestWriteStopsAtAFailure/a_bad_record_fails_alone", "TestWriteStopsAtAFailure/refused_credentials",
		"TestWriteStopsAtAFailure/the_API_down", "TestWriteStopsAtAFailure/rate_limited",
	} {
		if !regexp.MustCompile(`--- PASS: ` + regexp.QuoteMeta(sub) + ` \(`).MatchString(out) {
			t.Errorf("go test -v does not report %s as passed", sub)
		}
	}
	// Each shape's checks ran in its package: the read checks for the
	// three connectors that read, the write checks for the three that
	// write.
	for sub, want := range map[string]int{
		"TestConformance/read/customers/incremental": 3, "TestConformance/read/customers/resume": 3,
		"TestConformance/write/customers/target_id": 3, "TestConformance/write/customers/bad_record": 3,
		"TestReadKeysProblemCustomers": 3, "TestWriteStopsAtAFailure": 3,
	} {
		if n := len(regexp.MustCompile(`--- PASS: `+regexp.QuoteMeta(sub)+` \(`).FindAllString(out, -1)); n != want {
			t.Errorf("go test -v reports %s passed %d times, want %d (once per connector of a shape that has it)", sub, n, want)
		}
	}
	// The driver gives the suite all it needs: nothing is skipped but the
	// writes of the source-only connector, the reads of the
	// destination-only one, and the delete checks of each that writes
	// (the skeleton's streams declare no delete).
	skips := regexp.MustCompile(`--- SKIP: \S+`).FindAllString(out, -1)
	if want := []string{"--- SKIP: TestConformance/read", "--- SKIP: TestConformance/write",
		"--- SKIP: TestConformance/write/customers/delete", "--- SKIP: TestConformance/write/customers/delete",
		"--- SKIP: TestConformance/write/customers/delete"}; !slices.Equal(sortedCopy(skips), sortedCopy(want)) {
		t.Errorf("skipped %q, want exactly %q", skips, want)
	}
	for _, pkg := range []string{"example.com/acme", "example.com/acme/sandbox",
		"example.com/acme/connectors/err", "example.com/acme/connectors/err/sandbox",
		"example.com/acme/connectors/src", "example.com/acme/connectors/src/sandbox",
		"example.com/acme/connectors/dst", "example.com/acme/connectors/dst/sandbox"} {
		if !regexp.MustCompile(`(?m)^ok\s+` + regexp.QuoteMeta(pkg) + `\s`).MatchString(out) {
			t.Errorf("go test does not report %s ok", pkg)
		}
	}
	if t.Failed() {
		t.Logf("go test -v output:\n%s", out)
	}
	// The go command required cxhub by itself, from the replacement.
	if gomod, err := os.ReadFile(filepath.Join(mod, "go.mod")); err != nil || !regexp.MustCompile(`(?m)^require github\.com/cxhub/cxhub v|^\s+github\.com/cxhub/cxhub v`).Match(gomod) {
		t.Errorf("go.mod does not require github.com/cxhub/cxhub after a build (%v):\n%s", err, gomod)
	}

	// The plugin builds, and starts and answers as the core sees it.
	bin := filepath.Join(t.TempDir(), BinaryName("acme"))
	goCmd("build", "-o", bin, "./cmd/"+BinaryName("acme"))
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	p, err := host.Launch(ctx, host.Options{Path: bin})
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

	// The sandbox's own program serves it by hand.
	sandboxBin := filepath.Join(t.TempDir(), SandboxCommand("acme"))
	goCmd("build", "-o", sandboxBin, "./cmd/"+SandboxCommand("acme"))
	checkSandboxCommand(t, sandboxBin)
}

// checkSandboxCommand runs a generated sandbox program on a free port and
// checks that it says where it listens, that the API answers there with
// the token it names, and that it stops on SIGTERM.
func checkSandboxCommand(t *testing.T, bin string) {
	t.Helper()
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	lines := bufio.NewScanner(stderr)
	if !lines.Scan() {
		t.Fatalf("the sandbox program printed nothing")
	}
	m := regexp.MustCompile(`^acme sandbox on (http://127\.0\.0\.1:\d+) \(Bearer token (\S+)\)$`).FindStringSubmatch(lines.Text())
	if m == nil {
		t.Fatalf("the sandbox program says %q, want its URL and token", lines.Text())
	}
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	req, err := http.NewRequestWithContext(t.Context(), "GET", m[1]+"/v1/me", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+m[2])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /v1/me from the sandbox program: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /v1/me from the sandbox program: status %d, want 200", resp.StatusCode)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("the sandbox program after SIGTERM: %v, want a clean exit", err)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("the sandbox program still runs 10s after SIGTERM")
	}
}

// sortedCopy returns s sorted, without changing s.
func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
