package e2e

import (
	"encoding/json"
	"fmt"
	"github.com/cxhub/cxhub/core/internal/testfiles"
	"hash/fnv"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/state"
)

// The crash, kill, fault and shutdown tests come in two sizes. By default
// (`make test`) each runs a short version in seconds; CXHUB_STRESS=1 selects
// the long one (`make stress`): hundreds of thousands of records, dozens of
// kills. CXHUB_STRESS_SEED=<n> replays a run's random choices (kill
// moments, kinds of kill) from the seed it logged.
const (
	stressEnv = "CXHUB_STRESS"
	seedEnv   = "CXHUB_STRESS_SEED"
)

// stressMode reports whether the long versions were asked for.
func stressMode() bool { return os.Getenv(stressEnv) == "1" }

// bySize returns short in the default run and long under CXHUB_STRESS=1.
func bySize[T any](short, long T) T {
	if stressMode() {
		return long
	}
	return short
}

// testSeed returns the seed of a test's random choices, CXHUB_STRESS_SEED
// if set, and logs it so that a failure can be replayed. Each test mixes
// its own name in, so that one seed replays any of them.
func testSeed(t *testing.T) uint64 {
	t.Helper()
	base := uint64(time.Now().UnixNano())
	if s := os.Getenv(seedEnv); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: want an unsigned integer", seedEnv, s)
		}
		base = v
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(t.Name()))
	t.Logf("seed %d (replay with %s=%d; stress mode %v)", base, seedEnv, base, stressMode())
	return base ^ h.Sum64()
}

// deadline bounds a long test: it returns when the test must stop
// starting new work, leaving margin for its final checks.
func deadline(t *testing.T, budget time.Duration) time.Time {
	t.Helper()
	end := time.Now().Add(budget)
	if d, ok := t.Deadline(); ok && d.Add(-time.Minute).Before(end) {
		end = d.Add(-time.Minute)
	}
	return end
}

// running is a cxhub command started in the background.
type running struct {
	t              *testing.T
	cmd            *exec.Cmd
	stdout, stderr *testfiles.SyncBuffer
	done           chan error
	res            *result
}

// start starts cxhub with args; the test's cleanup kills it if it is still
// running then.
func (w *workspace) start(args ...string) *running {
	w.t.Helper()
	cmd, _, _ := w.command(args...)
	stdout, stderr := &testfiles.SyncBuffer{}, &testfiles.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = stdout, stderr // read while the command runs: guarded
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	r := &running{t: w.t, cmd: cmd, stdout: stdout, stderr: stderr, done: make(chan error, 1)}
	go func() { r.done <- cmd.Wait() }()
	w.t.Cleanup(func() {
		if r.res == nil {
			_ = cmd.Process.Kill()
			r.wait(time.Minute)
		}
	})
	return r
}

// pid is the cxhub process's id.
func (r *running) pid() int { return r.cmd.Process.Pid }

// exited reports, without waiting, whether the command has ended.
func (r *running) exited() bool {
	if r.res != nil {
		return true
	}
	select {
	case err := <-r.done:
		r.res = &result{stdout: r.stdout.String(), stderr: r.stderr.String(), code: exitCode(err)}
		return true
	default:
		return false
	}
}

// wait waits up to d for the command to end; ok is false if it did not.
func (r *running) wait(d time.Duration) (res result, ok bool) {
	if r.res != nil {
		return *r.res, true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case err := <-r.done:
		r.res = &result{stdout: r.stdout.String(), stderr: r.stderr.String(), code: exitCode(err)}
		return *r.res, true
	case <-timer.C:
		return result{}, false
	}
}

// mustWait waits up to d for the command to end, or fails the test.
func (r *running) mustWait(d time.Duration) result {
	r.t.Helper()
	res, ok := r.wait(d)
	if !ok {
		// SIGQUIT first: a Go process prints every goroutine's stack and
		// exits, which shows where it hung; SIGKILL if even that fails.
		_ = r.cmd.Process.Signal(syscall.SIGQUIT)
		if res, ok = r.wait(10 * time.Second); !ok {
			_ = r.cmd.Process.Kill()
			res, _ = r.wait(time.Minute)
		}
		r.t.Fatalf("cxhub did not finish within %v\n%s", d, res)
	}
	return res
}

// kill SIGKILLs cxhub and waits for it to be gone.
func (r *running) kill() result {
	r.t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGKILL); err != nil && !r.exited() {
		r.t.Fatalf("kill cxhub: %v", err)
	}
	return r.mustWait(30 * time.Second)
}

// procInfo is a live process seen in /proc.
type procInfo struct {
	pid  int
	exe  string // base name of the executable
	ppid int
}

// pluginProcesses returns the live connector processes started for the
// workspace: a plugin runs from our plugins directory, in the directory of
// the config file, so both together name this test's plugins whatever
// became of their parent.
func pluginProcesses(w *workspace) []procInfo {
	plugins := filepath.Join(binDir, "plugins")
	entries, _ := os.ReadDir("/proc")
	var out []procInfo
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil || filepath.Dir(strings.TrimSuffix(exe, " (deleted)")) != plugins {
			continue
		}
		if cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd")); err != nil || cwd != w.dir {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(stat)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) < 2 || f[0] == "Z" {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		out = append(out, procInfo{pid: pid, exe: filepath.Base(exe), ppid: ppid})
	}
	return out
}

// childPlugin returns the pid of the live child of parent running the
// connector binary cxhub-connector-<name>, or 0.
func childPlugin(w *workspace, parent int, name string) int {
	for _, p := range pluginProcesses(w) {
		if p.ppid == parent && p.exe == "cxhub-connector-"+name {
			return p.pid
		}
	}
	return 0
}

// noPluginSurvives fails the test if a connector process of the workspace
// is still alive within d (its parent is gone or stopping), and kills it.
func noPluginSurvives(t *testing.T, w *workspace, d time.Duration) {
	t.Helper()
	end := time.Now().Add(d)
	for {
		left := pluginProcesses(w)
		if len(left) == 0 {
			return
		}
		if time.Now().After(end) {
			for _, p := range left {
				_ = syscall.Kill(p.pid, syscall.SIGKILL)
			}
			t.Fatalf("connector processes outlived cxhub by %v: %+v", d, left)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runRecord is one run as `cxhub runs -o json` shows it.
type runRecord struct {
	ID       int64        `json:"id"`
	Pipeline string       `json:"pipeline"`
	Status   string       `json:"status"`
	Error    string       `json:"error"`
	Counts   state.Counts `json:"counts"`
}

// runRecords returns the workspace's runs, newest first.
func runRecords(t *testing.T, w *workspace) []runRecord {
	t.Helper()
	r := w.mustCxhub("runs", "-n", "100000", "-o", "json")
	var runs []runRecord
	if err := json.Unmarshal([]byte(r.stdout), &runs); err != nil {
		t.Fatalf("runs -o json: %v\n%s", err, r)
	}
	return runs
}

// sprintLines renders a few lines of a long list for a failure message.
func sprintLines[T any](items []T, most int) string {
	var b strings.Builder
	for i, it := range items {
		if i == most {
			fmt.Fprintf(&b, "... and %d more\n", len(items)-most)
			break
		}
		fmt.Fprintf(&b, "%+v\n", it)
	}
	return b.String()
}

// fileSize returns the size of a file, 0 if it does not exist.
func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}
