package benchmark

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// MemoryRun is the peak resident memory of cxhub and of each plugin
// process during one sync, by process name, and the CPU time they took.
type MemoryRun struct {
	Elapsed time.Duration
	PeakKB  map[string]int64
	// CPU is each process's user + system CPU time, by process name, as
	// last sampled (to within a sample's 20ms and the kernel's 10ms tick).
	CPU map[string]time.Duration
	// TotalCPU is the user + system CPU time of cxhub and every process
	// it reaped (its plugins), exact: the rusage of its exit.
	TotalCPU time.Duration
}

// syncBinary runs `cxhub -c cfgPath sync` with the real binary and samples
// the peak RSS (the kernel's high-water mark, VmHWM) of cxhub and of each
// plugin child every 20ms, and the CPU time each took. (The rusage of
// cxhub at exit would not do for memory: its maximum covers the children it
// reaped, the plugins, too. For CPU that sum is what TotalCPU reports.)
func syncBinary(ctx context.Context, cxhub, cfgPath string) (MemoryRun, error) {
	cmd := exec.CommandContext(ctx, cxhub, "-c", cfgPath, "sync")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return MemoryRun{}, fmt.Errorf("start cxhub: %w", err)
	}
	run := MemoryRun{PeakKB: map[string]int64{}, CPU: map[string]time.Duration{}}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			run.Elapsed = time.Since(start)
			if ps := cmd.ProcessState; ps != nil {
				run.TotalCPU = ps.UserTime() + ps.SystemTime()
			}
			if err != nil {
				return run, fmt.Errorf("cxhub sync: %w\n%s", err, out.String())
			}
			if run.PeakKB["cxhub"] == 0 {
				return run, fmt.Errorf("cxhub sync ended before its memory could be sampled")
			}
			return run, nil
		case <-tick.C:
			if _, hwm, err := highWaterMark(cmd.Process.Pid); err == nil && hwm > run.PeakKB["cxhub"] {
				run.PeakKB["cxhub"] = hwm
			}
			if cpu, err := cpuTime(cmd.Process.Pid); err == nil {
				run.CPU["cxhub"] = cpu
			}
			for _, pid := range childPIDs(cmd.Process.Pid) {
				name, hwm, err := highWaterMark(pid)
				if err == nil && hwm > run.PeakKB[name] {
					run.PeakKB[name] = hwm
				}
				if cpu, err := cpuTime(pid); err == nil && name != "" {
					run.CPU[name] = cpu
				}
			}
		}
	}
}

// childPIDs lists the direct children of pid.
func childPIDs(pid int) []int {
	var out []int
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

// highWaterMark returns a process's executable name and peak RSS (VmHWM)
// in KB. (The status file's Name is cut at 15 characters, too short to
// tell connectors apart.)
func highWaterMark(pid int) (name string, kb int64, err error) {
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		return "", 0, err
	}
	name = strings.TrimSuffix(filepath.Base(exe), " (deleted)")
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err = strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return "", 0, fmt.Errorf("VmHWM of %d: %w", pid, err)
			}
		}
	}
	return name, kb, sc.Err()
}

// clockTicks is the unit of /proc/<pid>/stat's times (USER_HZ, 100 on
// every Linux architecture Go supports).
const clockTicks = 100

// cpuTime returns a process's user + system CPU time so far, from
// /proc/<pid>/stat (its own threads, not its children).
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	ticks, err := statCPUTicks(b)
	if err != nil {
		return 0, fmt.Errorf("stat of %d: %w", pid, err)
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// statCPUTicks returns utime + stime (fields 14 and 15) of a
// /proc/<pid>/stat line. The command name (field 2) is in parentheses and
// may hold spaces and parentheses itself, so fields are counted from the
// last ')'.
func statCPUTicks(stat []byte) (int64, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("no command name")
	}
	f := strings.Fields(string(stat[i+1:])) // f[0] is field 3
	if len(f) < 13 {
		return 0, fmt.Errorf("%d fields after the command name, want at least 13", len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return ticks, nil
}
