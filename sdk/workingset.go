package sdk

import "github.com/cxhub/cxhub/sdk/internal/gctune"

// DeclareWorkingSet tells the SDK's garbage-collector settings that the
// connector legitimately keeps about bytes of live heap (a lookup table, a
// cache), so that the soft memory limit the SDK sets for plugins makes room
// for it instead of collecting all the time. Call it from main before
// Serve, or when the working set is known; an operator's GOMEMLIMIT still
// wins. See docs/performance.md.
func DeclareWorkingSet(bytes int64) { gctune.DeclareWorkingSet(bytes) }
