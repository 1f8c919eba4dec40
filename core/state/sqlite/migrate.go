package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are the schema, one step per version: migrations[i] takes a
// file from user_version i to i+1. Each runs in its own transaction, which
// also bumps user_version, so a crash leaves the file at one version or the
// next, never between. Append only: never edit a released step.
//
// Times are UTC unix milliseconds (INTEGER); NULL where a time is unknown.
var migrations = []string{
	// 1: the initial schema.
	`
PRAGMA application_id = 1668835426; -- 0x63786862, "cxhb": see applicationID

CREATE TABLE runs (
	id              INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: ids are shown to operators
	pipeline        TEXT    NOT NULL,
	status          TEXT    NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted')),
	started_at      INTEGER NOT NULL,
	finished_at     INTEGER,                           -- NULL while running
	error           TEXT    NOT NULL DEFAULT '',
	n_read          INTEGER NOT NULL DEFAULT 0,
	n_filtered      INTEGER NOT NULL DEFAULT 0,
	n_written       INTEGER NOT NULL DEFAULT 0,
	n_created       INTEGER NOT NULL DEFAULT 0,
	n_updated       INTEGER NOT NULL DEFAULT 0,
	n_dead_lettered INTEGER NOT NULL DEFAULT 0,
	n_retries       INTEGER NOT NULL DEFAULT 0,
	n_restarts      INTEGER NOT NULL DEFAULT 0
);
-- Runs of a pipeline, newest first.
CREATE INDEX runs_by_pipeline ON runs (pipeline, id);
-- StartRun's search for a crashed run; tiny, as few runs are running.
CREATE INDEX runs_running ON runs (pipeline) WHERE status = 'running';

CREATE TABLE checkpoints (
	pipeline   TEXT    NOT NULL,
	stream     TEXT    NOT NULL,
	state      BLOB    NOT NULL, -- opaque to the core: the source's token
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (pipeline, stream)
) WITHOUT ROWID;

CREATE TABLE links (
	src_connection TEXT    NOT NULL,
	src_stream     TEXT    NOT NULL,
	src_key        TEXT    NOT NULL,
	dst_connection TEXT    NOT NULL,
	dst_stream     TEXT    NOT NULL,
	dst_id         TEXT    NOT NULL,
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL, -- when dst_id last changed
	PRIMARY KEY (src_connection, src_stream, src_key, dst_connection, dst_stream)
) WITHOUT ROWID;
-- The other direction of a link: the pipeline that syncs back from the
-- destination finds the source object (see LookupLinks). Covering, with
-- updated_at: an index of a WITHOUT ROWID table carries the primary key,
-- src_key included.
CREATE INDEX links_by_dst ON links (dst_connection, dst_stream, dst_id, src_connection, src_stream, updated_at);

CREATE TABLE dead_letters (
	id                INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: operators replay by id
	pipeline          TEXT    NOT NULL,
	run_id            INTEGER REFERENCES runs (id) ON DELETE SET NULL,
	stream            TEXT    NOT NULL,
	key               TEXT    NOT NULL,
	op                TEXT    NOT NULL CHECK (op IN ('upsert', 'delete')),
	data              BLOB,              -- the source record as read
	record_updated_at INTEGER,           -- the source record's updated_at; NULL if unknown
	error_kind        TEXT    NOT NULL,
	error             TEXT    NOT NULL,
	source_problem    INTEGER NOT NULL DEFAULT 0 CHECK (source_problem IN (0, 1)), -- the source could not read it
	attempts          INTEGER NOT NULL CHECK (attempts >= 1),
	status            TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'replayed', 'discarded')),
	created_at        INTEGER NOT NULL,
	last_tried_at     INTEGER NOT NULL
);
-- Listing and counting by pipeline (and status), oldest first.
CREATE INDEX dead_letters_by_pipeline ON dead_letters (pipeline, status, id);
-- Listing and counting by status across pipelines.
CREATE INDEX dead_letters_by_status ON dead_letters (status, id);
-- For the foreign key, should runs ever be pruned.
CREATE INDEX dead_letters_by_run ON dead_letters (run_id);
`,
	// 2: the inbox of pushed records (webhooks) and each pipeline's place in it.
	`
CREATE TABLE inbox (
	id                INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: cursors point at ids
	connection        TEXT    NOT NULL,
	stream            TEXT    NOT NULL,
	key               TEXT    NOT NULL,
	op                TEXT    NOT NULL CHECK (op IN ('upsert', 'delete')),
	data              BLOB,
	record_updated_at INTEGER,
	delivery_id       TEXT    NOT NULL DEFAULT '', -- the vendor's delivery id; '' if unknown
	problem           TEXT    NOT NULL DEFAULT '',
	received_at       INTEGER NOT NULL
);
-- A pipeline's next entries.
CREATE INDEX inbox_by_stream ON inbox (connection, stream, id);
-- A redelivered webhook is recognised by its delivery id (and key: one
-- delivery may carry several records).
CREATE UNIQUE INDEX inbox_delivery ON inbox (connection, delivery_id, stream, key) WHERE delivery_id <> '';
CREATE INDEX inbox_by_time ON inbox (received_at);

-- Who holds the writer lock (one row), so that a refused writer can say.
CREATE TABLE writer (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	pid     INTEGER NOT NULL,
	host    TEXT    NOT NULL,
	command TEXT    NOT NULL,
	since   INTEGER NOT NULL
);

-- Alerts raised by the monitor; one firing per key at a time.
CREATE TABLE alerts (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	key         TEXT    NOT NULL,
	kind        TEXT    NOT NULL,
	subject     TEXT    NOT NULL,
	status      TEXT    NOT NULL CHECK (status IN ('firing', 'resolved')),
	message     TEXT    NOT NULL,
	notified    TEXT    NOT NULL DEFAULT '',
	fired_at    INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	resolved_at INTEGER
);
CREATE UNIQUE INDEX alerts_firing ON alerts (key) WHERE status = 'firing';
CREATE INDEX alerts_by_status ON alerts (status, id);

-- Pipelines an operator paused.
CREATE TABLE paused (
	pipeline  TEXT    PRIMARY KEY,
	paused_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE inbox_cursors (
	pipeline TEXT    PRIMARY KEY,
	last_id  INTEGER NOT NULL
) WITHOUT ROWID;
`,
	// 3: leases on pipelines (with their fencing tokens) and the workers'
	// heartbeats: the same API as PostgreSQL's; with SQLite's single
	// writer there is only ever one worker.
	`
CREATE TABLE leases (
	pipeline       TEXT    PRIMARY KEY,
	holder         TEXT    NOT NULL DEFAULT '',
	token          INTEGER NOT NULL,
	expires_at     INTEGER NOT NULL,
	acquired_at    INTEGER NOT NULL,
	last_commit_at INTEGER
) WITHOUT ROWID;

CREATE TABLE workers (
	id         TEXT    PRIMARY KEY,
	addr       TEXT    NOT NULL DEFAULT '',
	started_at INTEGER NOT NULL,
	seen_at    INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
) WITHOUT ROWID;
`,
	// 4: two-way sync: fingerprints of synced content, conflicts, and the runs'
	// counts of writes skipped for it.
	`
CREATE TABLE fingerprints (
	scope      TEXT    NOT NULL, -- a pipeline, or a two-way sync
	connection TEXT    NOT NULL,
	stream     TEXT    NOT NULL,
	key        TEXT    NOT NULL,
	data       BLOB    NOT NULL, -- opaque to the store: the engine's per-field hashes
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (scope, connection, stream, key)
) WITHOUT ROWID;

-- Fields both sides of a sync changed, and which side's value was kept.
CREATE TABLE conflicts (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	sync       TEXT    NOT NULL,
	pipeline   TEXT    NOT NULL,
	run_id     INTEGER REFERENCES runs (id) ON DELETE SET NULL,
	connection TEXT    NOT NULL,
	stream     TEXT    NOT NULL,
	key        TEXT    NOT NULL,
	field      TEXT    NOT NULL,
	value_a    TEXT    NOT NULL,
	value_b    TEXT    NOT NULL,
	rule       TEXT    NOT NULL,
	winner     TEXT    NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE INDEX conflicts_by_sync ON conflicts (sync, id);

ALTER TABLE runs ADD COLUMN n_unchanged INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN n_echo      INTEGER NOT NULL DEFAULT 0;
`,
	// 5: fingerprints move onto the links, written by the statement that
	// writes the link (a row of their own per record cost as much as the
	// link). Those of version 4 are kept: a plain pipeline's, kept on its
	// destination object, go on the links to that object; a sync's (their
	// data starts {"w":), kept on side a's object, on the links from it,
	// and a pair linked only from side b gets the link from side a.
	`
ALTER TABLE links ADD COLUMN fp_scope    TEXT; -- the fingerprint's: a pipeline, or a two-way sync
ALTER TABLE links ADD COLUMN fingerprint BLOB; -- opaque to the store: the engine's per-field hashes

UPDATE links SET fp_scope = f.scope, fingerprint = f.data FROM fingerprints AS f
	WHERE CAST(substr(f.data, 1, 5) AS TEXT) IS NOT '{"w":'
	AND links.dst_connection = f.connection AND links.dst_stream = f.stream AND links.dst_id = f.key;

UPDATE links SET fp_scope = f.scope, fingerprint = f.data FROM fingerprints AS f
	WHERE CAST(substr(f.data, 1, 5) AS TEXT) = '{"w":'
	AND links.src_connection = f.connection AND links.src_stream = f.stream AND links.src_key = f.key;

INSERT INTO links (src_connection, src_stream, src_key, dst_connection, dst_stream, dst_id, created_at, updated_at, fp_scope, fingerprint)
	SELECT l.dst_connection, l.dst_stream, l.dst_id, l.src_connection, l.src_stream, l.src_key, l.created_at, l.updated_at, f.scope, f.data
	FROM fingerprints AS f JOIN links AS l
		ON l.dst_connection = f.connection AND l.dst_stream = f.stream AND l.dst_id = f.key
	WHERE CAST(substr(f.data, 1, 5) AS TEXT) = '{"w":'
	ON CONFLICT DO NOTHING;

DROP TABLE fingerprints;
`,
	// 6: listing dead letters by error kind (the API's, the dashboard's and
	// dlq list's kind filter), oldest first, a page at a time: without
	// these the kind was a filter on every dead letter of the pipeline and
	// status, read in id order until a page filled (all of them for a rare
	// kind).
	`
CREATE INDEX dead_letters_by_pipeline_kind ON dead_letters (pipeline, status, error_kind, id);
CREATE INDEX dead_letters_by_kind ON dead_letters (status, error_kind, id);
`,
}

// SchemaVersion returns the schema version this code writes: the
// user_version of a fully migrated state file.
func SchemaVersion() int { return len(migrations) }

// migrate brings the file to the current schema, one transaction per step.
// Every step re-reads the version under the write lock (BEGIN IMMEDIATE), so
// two processes opening the same new file do not both apply it, and
// re-checks that the file is ours.
func migrate(ctx context.Context, db *sql.DB, path string) error {
	for {
		done, err := migrateStep(ctx, db, path)
		if err != nil || done {
			return err
		}
	}
}

func migrateStep(ctx context.Context, db *sql.DB, path string) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		// The driver connects here: a file that changed since the probe
		// may fail now.
		return false, schemaReadError(path, err)
	}
	defer func() {
		if err != nil || done {
			tx.Rollback()
		}
	}()
	info, err := readSchemaInfo(ctx, tx)
	if err != nil {
		return false, schemaReadError(path, err)
	}
	if err := info.check(path); err != nil {
		return false, err
	}
	v := info.version
	if v == len(migrations) {
		return true, nil
	}
	if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
		return false, fmt.Errorf("state: open %s: migrate to schema version %d: %w", path, v+1, err)
	}
	// PRAGMA takes no bound parameters; v+1 is our own integer.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
		return false, fmt.Errorf("state: open %s: migrate to schema version %d: %w", path, v+1, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("state: open %s: migrate to schema version %d: commit: %w", path, v+1, err)
	}
	return false, nil
}
