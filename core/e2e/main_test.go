// Package e2e holds cxhub's end-to-end tests: the real cxhub binary, real
// connector plugin processes over the real protocol, a real SQLite state
// file and real files, driven as an operator would drive them.
package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binDir holds cxhub and bin/plugins, built once for the whole package.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cxhub-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	// The builds below keep the user's Go build cache, whose default is
	// under XDG_CACHE_HOME, changed next: else every run builds from cold.
	if os.Getenv("GOCACHE") == "" {
		if d, err := os.UserCacheDir(); err == nil {
			os.Setenv("GOCACHE", filepath.Join(d, "go-build"))
		}
	}
	// cxhub runs locked plugins from verified copies in the user's cache
	// directory (sdk/host): the tests' cxhub processes keep theirs in dir.
	if err := os.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := 1
	if err := build(dir); err != nil {
		fmt.Fprintln(os.Stderr, "build binaries:", err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

func build(dir string) error {
	root, err := filepath.Abs("../..")
	if err != nil {
		return err
	}
	targets := map[string]string{
		"cxhub":                                "./core/cmd/cxhub",
		"plugins/cxhub-connector-file":         "./connectors/file/cmd/cxhub-connector-file",
		"plugins/cxhub-connector-inline":       "./examples/connector-minimal",
		"plugins/cxhub-connector-hubspot":      "./connectors/hubspot/cmd/cxhub-connector-hubspot",
		"plugins/cxhub-connector-zendesk":      "./connectors/zendesk/cmd/cxhub-connector-zendesk",
		"plugins/cxhub-connector-surveymonkey": "./connectors/surveymonkey/cmd/cxhub-connector-surveymonkey",
		"plugins/cxhub-connector-shopify":      "./connectors/shopify/cmd/cxhub-connector-shopify",
	}
	for out, pkg := range targets {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, out), pkg)
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
		}
	}
	// A second name for the file connector, so a test can tell the
	// destination's process from the source's.
	b, err := os.ReadFile(filepath.Join(dir, "plugins/cxhub-connector-file"))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "plugins/cxhub-connector-sink"), b, 0o755)
}

// workspace is one test's directory: config, state, input and output.
type workspace struct {
	t      *testing.T
	dir    string
	config string
}

func newWorkspace(t *testing.T, configYAML string) *workspace {
	t.Helper()
	dir := t.TempDir()
	for _, sub := range []string{"in", "out"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	w := &workspace{t: t, dir: dir, config: filepath.Join(dir, "cxhub.yaml")}
	w.writeConfig(configYAML)
	return w
}

// writeConfig writes the config; {{plugins}} stands for the plugins dir.
func (w *workspace) writeConfig(yaml string) {
	w.t.Helper()
	yaml = strings.ReplaceAll(yaml, "{{plugins}}", filepath.Join(binDir, "plugins"))
	if err := os.WriteFile(w.config, []byte(yaml), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

func (w *workspace) path(rel string) string { return filepath.Join(w.dir, rel) }

func (w *workspace) write(rel, content string) {
	w.t.Helper()
	if err := os.WriteFile(w.path(rel), []byte(content), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

func (w *workspace) appendTo(rel, content string) {
	w.t.Helper()
	f, err := os.OpenFile(w.path(rel), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(content); err != nil {
		w.t.Fatal(err)
	}
}

func (w *workspace) read(rel string) string {
	w.t.Helper()
	b, err := os.ReadFile(w.path(rel))
	if err != nil {
		w.t.Fatal(err)
	}
	return string(b)
}

// result is a finished cxhub command.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// command prepares cxhub with the workspace's config.
func (w *workspace) command(args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	cmd := exec.Command(filepath.Join(binDir, "cxhub"), append([]string{"-c", w.config}, args...)...)
	cmd.Dir = w.dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

// cxhub runs a command to its end (at most two minutes).
func (w *workspace) cxhub(args ...string) result {
	w.t.Helper()
	return w.cxhubEnv(nil, args...)
}

// cxhubEnv runs a command to its end (at most two minutes), with env
// added to the test's environment.
func (w *workspace) cxhubEnv(env []string, args ...string) result {
	w.t.Helper()
	cmd, stdout, stderr := w.command(args...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return result{stdout: stdout.String(), stderr: stderr.String(), code: exitCode(err)}
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		<-done
		w.t.Fatalf("cxhub %v did not finish in 2 minutes\n%s\n%s", args, stdout, stderr)
		return result{}
	}
}

// mustCxhub runs a command that must succeed.
func (w *workspace) mustCxhub(args ...string) result {
	w.t.Helper()
	r := w.cxhub(args...)
	if r.code != 0 {
		w.t.Fatalf("cxhub %v failed:\n%s", args, r)
	}
	return r
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// children returns the pids of the live processes whose parent is pid.
func children(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut at the last ')'.
		s := string(stat)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 && fields[0] != "Z" && fields[1] == strconv.Itoa(pid) {
			out = append(out, child)
		}
	}
	return out
}

// alive reports whether pid is a running (not zombie) process.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(stat)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(f) > 0 && f[0] != "Z"
}

// waitFor polls cond every 10ms until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out after %v waiting for %s", d, what)
		case <-time.After(10 * time.Millisecond):
		}
	}
}
