package gctune

import (
	"os"
	"runtime/debug"
	"sync"
)

// The process's declared working set. The collector's settings are
// process-wide, so this is too.
var workingSet struct {
	sync.Mutex
	bytes   int64
	applied bool // Apply ran and owns the memory limit
}

// DeclareWorkingSet says that this process legitimately keeps about bytes
// of live heap beyond a few batches in flight: a cache, an in-memory index,
// a lookup table loaded at start. Apply then sets the soft memory limit to
// MemoryLimit plus bytes, so that the collector does not run near-constantly
// trying to keep under 128 MiB a heap it cannot shrink. A later call
// replaces the earlier; it takes effect at once if Apply already ran. As
// with Apply, a GOMEMLIMIT in the environment wins.
//
// A connector calls it in main before sdk.Serve (which calls Apply), or
// when it learns its size (on opening a large lookup file, say). Memory
// outside the Go heap (a C library's, like SQLite's page cache) does not
// count toward the Go limit and need not be declared.
func DeclareWorkingSet(bytes int64) {
	workingSet.Lock()
	defer workingSet.Unlock()
	workingSet.bytes = max(bytes, 0)
	if workingSet.applied {
		setLimit()
	}
}

// setLimit sets the soft memory limit unless GOMEMLIMIT is set.
// workingSet must be locked.
func setLimit() {
	if _, ok := os.LookupEnv("GOMEMLIMIT"); !ok {
		debug.SetMemoryLimit(MemoryLimit + workingSet.bytes)
	}
}
