// Package state is cxhub's embedded state: one SQLite file that remembers
// where every pipeline is, what it has linked and what it could not deliver.
//
// Only the core uses it (the sync engine, the CLI and the server); connectors
// never see it. It is not a general-purpose store and not a cache: every row
// in it is part of the delivery guarantee.
//
// # Tables
//
//   - checkpoints: per (pipeline, stream), the opaque state token the source
//     emitted; a run resumes from it.
//   - runs: one row per pipeline run, its status, timing, error and counters
//     (read, filtered, written, created, updated, dead-lettered, retries,
//     restarts).
//   - links: (source connection, stream, key) ↔ (destination connection,
//     stream, id). The next change to a linked record becomes an update of the
//     same object in the destination, never a duplicate.
//   - dead_letters: records that failed permanently, with the source payload
//     as read, the error and its kind, the number of attempts and a status
//     (pending, replayed, discarded), so they can be listed and replayed.
//
// # The transaction rule
//
// A checkpoint is persisted only together with the final outcome of every
// record before it: [Store.Commit] writes a batch's links, dead letters,
// replayed dead letters, checkpoints and run counters in ONE transaction.
// Either all of it is in the file or none of it is, whatever moment the
// process dies at. After a crash the engine resumes from the last committed
// checkpoint and re-delivers what came after it; destinations write
// idempotently (and links turn re-creates into updates), so re-delivery
// changes nothing: at-least-once delivery, effectively exactly-once.
//
// # The file
//
// The file is created with mode 0600 (in a directory created 0700 if
// missing). Its schema is versioned (PRAGMA user_version; migrations are
// applied one transaction each) and stamped with an application id. [Open]
// refuses, without writing a byte, a file written by a newer cxhub and a
// file that is not a cxhub state database. Times are stored as UTC unix
// milliseconds. A Store is safe for concurrent use: writes are serialised
// on one connection, reads run beside them on others (WAL mode).
package state
