// Package gctune sets the Go garbage collector for the processes of a
// streaming pipeline: the cxhub core and every connector plugin.
//
// They hold little live data (a few batches in flight) but allocate fast,
// so with Go's default (GOGC=100) they collect several times per batch;
// profiles of `make bench` put a quarter of the core's CPU in the
// collector. Apply lets the heap grow to five times the live data, within
// a soft memory limit that keeps the resident size bounded.
//
// sdk.Serve applies it in every plugin; host.TuneGC publishes it for the
// core's programs, which cannot import this package.
package gctune

import (
	"os"
	"runtime/debug"
)

// Defaults Apply uses when the environment does not say otherwise.
const (
	GCPercent   = 400
	MemoryLimit = 128 << 20 // bytes, soft: the collector works harder near it
)

// Apply sets GCPercent unless GOGC is set, and MemoryLimit (plus the
// working set declared with DeclareWorkingSet) unless GOMEMLIMIT is set,
// so an operator's own settings always win.
func Apply() {
	if _, ok := os.LookupEnv("GOGC"); !ok {
		debug.SetGCPercent(GCPercent)
	}
	workingSet.Lock()
	defer workingSet.Unlock()
	workingSet.applied = true
	setLimit()
}
