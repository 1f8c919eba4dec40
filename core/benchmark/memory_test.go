package benchmark

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// TestCPUTimeMatchesRusage reads this process's CPU time from /proc and
// checks it against getrusage's figure, after burning some CPU: a wrong
// field of /proc/<pid>/stat would read 0, a start time or a page count.
func TestCPUTimeMatchesRusage(t *testing.T) {
	deadline := time.Now().Add(200 * time.Millisecond)
	x := 0
	for time.Now().Before(deadline) {
		x++
	}
	_ = x
	got, err := cpuTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	want := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	if got < 100*time.Millisecond || got > want+50*time.Millisecond || got < want-100*time.Millisecond {
		t.Fatalf("cpuTime = %v, getrusage says %v", got, want)
	}
}

// TestStatCPUTicksReadsUtimeAndStime reads fields 14 and 15 of a stat
// line whose command name holds spaces and parentheses, every field
// around them different.
func TestStatCPUTicksReadsUtimeAndStime(t *testing.T) {
	line := "4242 (cxhub (x) y) S 1 4242 4242 0 -1 4194560 1111 0 2 0 1234 56 7 8 20 0 12 0 3333 1000000 500\n"
	got, err := statCPUTicks([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if got != 1234+56 {
		t.Fatalf("statCPUTicks = %d, want utime 1234 + stime 56", got)
	}
	if _, err := statCPUTicks([]byte("4242 (short) S 1 2")); err == nil {
		t.Fatal("a cut line was read")
	}
}
