// Package sqlite is cxhub's embedded state backend, the default: one SQLite
// file (mattn/go-sqlite3) that implements state.Store and passes the
// acceptance suite in state/statetest.
//
// # Tables
//
//   - checkpoints: per (pipeline, stream), the opaque state token the source
//     emitted; a run resumes from it.
//   - runs: one row per pipeline run, its status, timing, error and counters.
//   - links: (source connection, stream, key) ↔ (destination connection,
//     stream, id), looked up both ways.
//   - dead_letters: records that failed permanently, with the source payload
//     as read, the error and its kind, the number of attempts and a status.
//   - inbox and inbox_cursors: pushed records (webhooks) stored before the
//     sender is answered, and each pipeline's place in them.
//   - writer: who holds the writer lock, for the refusal of a second writer.
//
// # The file
//
// The file is created atomically with its schema, mode 0600 (in a directory
// created 0700 if missing). Its schema is versioned (PRAGMA user_version;
// migrations are applied one transaction each) and stamped with an
// application id. [Open] refuses, without writing a byte, a file written by
// a newer cxhub, a file that is not a cxhub state database, and an empty
// file (a truncated state is not a new one). Times are stored as UTC unix
// milliseconds.
//
// # One writer, many readers
//
// [Open] takes an exclusive lock on the file itself (flock on its inode), so
// a second writer is refused through any path to it; [OpenReadOnly] opens
// beside a writer for the read-only commands. A Store is safe for
// concurrent use: writes are serialised on one connection, reads run beside
// them on others (WAL mode).
package sqlite
