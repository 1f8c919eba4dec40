package gctune

import (
	"math"
	"os"
	"runtime/debug"
	"testing"
)

func TestDeclaredWorkingSetRaisesTheLimit(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	defer DeclareWorkingSet(0)
	for _, k := range []string{"GOGC", "GOMEMLIMIT"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	DeclareWorkingSet(200 << 20) // before Apply, as in a plugin's main
	Apply()
	if got := debug.SetMemoryLimit(-1); got != MemoryLimit+200<<20 {
		t.Errorf("memory limit %d, want %d", got, MemoryLimit+200<<20)
	}
	DeclareWorkingSet(50 << 20) // after: at once
	if got := debug.SetMemoryLimit(-1); got != MemoryLimit+50<<20 {
		t.Errorf("memory limit %d after a second declaration, want %d", got, MemoryLimit+50<<20)
	}
	t.Setenv("GOMEMLIMIT", "1GiB")
	debug.SetMemoryLimit(1 << 30)
	DeclareWorkingSet(10 << 20) // the operator's setting wins
	if got := debug.SetMemoryLimit(-1); got != 1<<30 {
		t.Errorf("memory limit %d with GOMEMLIMIT set, want it left alone", got)
	}
}
