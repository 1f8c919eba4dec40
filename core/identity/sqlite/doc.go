// Package sqlite is the customer index's SQLite backend (identity.Store):
// its own file beside the state file (see Path), opened by the hub.
//
// Why a file of its own and not the state file: the index is derived data
// that the hub can rebuild from its sources, written at a far higher rate
// than the state (every record of every canonical stream, not one commit
// per batch); in its own file its writes never queue behind the engine's
// commits on the state's one writer connection, it can be deleted to
// re-index from scratch, and the state backend (SQLite today, PostgreSQL
// next) stays free to change without touching it. The state's writer lock
// keeps a second hub from writing it too: the hub opens the index for
// writing only after the state.
package sqlite
