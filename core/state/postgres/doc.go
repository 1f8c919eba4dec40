// Package postgres is cxhub's PostgreSQL state backend: a state.Store on
// jackc/pgx v5 (pgxpool) that passes the acceptance suite in
// state/statetest, for hubs whose state must outlive one machine or be
// shared by several cxhub workers. SQLite (state/sqlite) stays the
// embedded default.
//
// # Tables
//
// Every table is in the schema "cxhub" of the database the DSN names,
// created on first use (the schema itself only if missing, so that a DBA
// may create it for a role without CREATE on the database): runs, checkpoints, links (looked up both ways),
// dead_letters, inbox and inbox_cursors, alerts and paused — the same as
// SQLite's — and schema_version, one row per applied migration. Vendor keys and ids are
// bytea (any bytes round-trip), names are text in the "C" collation.
//
// # Migrations
//
// The schema is versioned; each step runs in its own transaction with its
// version row, under an advisory lock that serialises concurrent openers.
// A database written by a newer cxhub is refused (state.ErrNewerSchema), a
// foreign "cxhub" schema too (state.ErrNotStateDatabase), without a write.
//
// # Commits
//
// Commit is one transaction, sent as one pipelined pgx.Batch of
// array-taking statements between BEGIN and COMMIT; see Store.Commit.
//
// # Writers
//
// There is no writer lock: several processes may write one database, and
// who runs a pipeline is decided per pipeline by leases, whose fencing
// token a commit will check in its transaction (see docs/scale-out.md).
//
// # Secrets
//
// No error of this package contains the DSN's password, and Location
// names the database without it; Secrets lists what to redact elsewhere.
//
// Tests start a real server with package pgtest.
package postgres
