package host

import "github.com/cxhub/cxhub/sdk/internal/gctune"

// TuneGC gives the calling process the garbage collector settings that
// sdk.Serve gives every connector plugin: a GOGC well above Go's default,
// within a soft memory limit, each unless the environment sets GOGC or
// GOMEMLIMIT.
// Call it first thing in the main of a program that carries records
// between plugins (cxhub does): such a process holds little live data but
// allocates fast, and with Go's default it collects several times per
// batch. See docs/performance.md.
func TuneGC() { gctune.Apply() }
