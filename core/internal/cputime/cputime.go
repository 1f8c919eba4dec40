// Package cputime tells how much CPU time this process has used, for the
// benchmark, which reports it per record: on a machine shared with other
// work it says more than the wall clock. It also tells how much the
// hypervisor took from a virtual machine's CPUs (Stolen), which the
// benchmark prints beside a wall-clock figure.
//
// connectors/internal/cputime is its twin for the connectors' benchmarks:
// core and connectors may not import each other, and the SDK should not
// publish a benchmark helper to partners, so the few lines live twice.
package cputime

import (
	"bytes"
	"os"
	"strconv"
	"time"
)

// Stolen returns the CPU time the hypervisor has taken from this virtual
// machine's CPUs so far, all CPUs together (the steal column of Linux's
// /proc/stat), or false where it cannot tell. On a shared cloud machine
// it is what a run lost to other tenants: a run that shows much of it
// took longer than the same work on a machine of its own.
func Stolen() (time.Duration, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := bytes.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	if len(f) < 9 || string(f[0]) != "cpu" {
		return 0, false
	}
	ticks, err := strconv.ParseInt(string(f[8]), 10, 64)
	if err != nil {
		return 0, false
	}
	const userHZ = 100 // the unit of /proc/stat on every Linux architecture Go runs on
	return time.Duration(ticks) * time.Second / userHZ, true
}
