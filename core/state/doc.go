// Package state defines what cxhub remembers and the interface of the
// backends that remember it: where every pipeline is (checkpoints), what it
// has linked (links), what it could not deliver (dead letters), what it did
// (runs) and what arrived pushed and is still to be delivered (the inbox).
//
// Only the core uses it (the sync engine and the hub runtime); connectors
// never see it. It is not a general-purpose store and not a cache: every row
// is part of the delivery guarantee.
//
// The backends live in their own packages: state/sqlite, the embedded
// default (one file), and any other that passes the shared acceptance suite
// in state/statetest. The hub runtime opens the one the config names.
//
// # The transaction rule
//
// A checkpoint is persisted only together with the final outcome of every
// record before it: [Store.Commit] writes a batch's links, dead letters,
// replayed dead letters, checkpoints, inbox cursor and run counters in ONE
// transaction. Either all of it is stored or none of it is, whatever moment
// the process dies at. After a crash the engine resumes from the last
// committed checkpoint and re-delivers what came after it; destinations
// write idempotently (and links turn re-creates into updates), so
// re-delivery changes nothing: at-least-once delivery, effectively
// exactly-once.
//
// # One writer
//
// A store opened for writing is the only writer of its state: a backend
// refuses a second one (ErrLocked) rather than let two processes interleave
// commits. Readers are free.
package state
