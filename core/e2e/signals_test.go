package e2e

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SIGINT or SIGTERM mid-sync: cxhub stops its plugins, records the run as
// interrupted, exits non-zero within 10 seconds, and leaves no process.
func TestInterruptedSyncLeavesNoOrphans(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			w := newWorkspace(t, fmt.Sprintf(bulkConfig, "file"))
			const n = 150000
			writeBulk(t, w, n)
			cmd, stdout, stderr := w.command("sync")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			var plugins []int
			waitFor(t, "both plugins and the first records", time.Minute, func() bool {
				plugins = children(cmd.Process.Pid)
				return len(plugins) == 2 && outputSize(w) > 0
			})
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				if code := exitCode(err); code != 128+int(sig) {
					t.Errorf("cxhub exited %d after %v mid-sync, want %d\n%s\n%s", code, sig, 128+int(sig), stdout, stderr)
				}
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("cxhub did not exit within 10s of %v", sig)
			}
			for _, pid := range plugins {
				if alive(pid) {
					exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
					t.Errorf("plugin process %d (%s) outlived cxhub", pid, exe)
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			}
			r := w.mustCxhub("runs", "-o", "json")
			if !strings.Contains(r.stdout, `"interrupted"`) {
				t.Errorf("run not recorded as interrupted:\n%s", r.stdout)
			}
			// And the next run completes the job exactly.
			w.mustCxhub("sync")
			wantExactly(t, outputIDs(t, w), n)
		})
	}
}
