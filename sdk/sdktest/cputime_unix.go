//go:build unix

package sdktest

import (
	"syscall"
	"time"
)

// ProcessCPU returns the CPU time this process has used so far (user and
// system), or false where it cannot tell. Benchmarks report it per record:
// on a machine shared with other work it says more than the wall clock.
func ProcessCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
