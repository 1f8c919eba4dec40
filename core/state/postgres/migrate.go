package postgres

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/cxhub/cxhub/core/state"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// schema is the PostgreSQL schema (namespace) that holds every cxhub table,
// so that cxhub can share a database with other applications. Statements
// name it explicitly rather than through search_path, which connection
// poolers do not pass on.
const schema = "cxhub"

// migrationLock is the key of the advisory lock (per database) that
// serialises the migration steps of cxhub processes opening the same
// database at once: "cxhbmigr".
const migrationLock int64 = 0x637868626d696772

// migrations are the schema, one step per version: migrations[i] takes a
// database from version i to i+1. Each runs in its own transaction, which
// also records the version in cxhub.schema_version, so a failure leaves
// the database at one version or the next, never between (PostgreSQL's DDL
// is transactional). Append only: never edit a released step.
//
// Keys and ids that come from vendors (link keys and ids, dead letter and
// inbox keys, delivery ids) are bytea: they may hold any bytes, and text
// must be valid UTF-8 without NUL. Names (pipelines, connections, streams)
// are text in the "C" collation: compared and ordered bytewise, like
// SQLite does, and without the cost of a locale.
var migrations = []string{
	// 1: the initial schema, the same tables as SQLite's first two versions.
	// (The schema itself is created before this step, and only if it is
	// missing: see CreateSchema.)
	`
CREATE TABLE cxhub.schema_version (
	version    integer     PRIMARY KEY,
	applied_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cxhub.runs (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- never reused: ids are shown to operators
	pipeline        text COLLATE "C" NOT NULL,
	status          text        NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted')),
	started_at      timestamptz NOT NULL,
	finished_at     timestamptz,                   -- NULL while running
	error           text        NOT NULL DEFAULT '',
	n_read          bigint      NOT NULL DEFAULT 0,
	n_filtered      bigint      NOT NULL DEFAULT 0,
	n_written       bigint      NOT NULL DEFAULT 0,
	n_created       bigint      NOT NULL DEFAULT 0,
	n_updated       bigint      NOT NULL DEFAULT 0,
	n_dead_lettered bigint      NOT NULL DEFAULT 0,
	n_retries       bigint      NOT NULL DEFAULT 0,
	n_restarts      bigint      NOT NULL DEFAULT 0
);
CREATE INDEX runs_by_pipeline ON cxhub.runs (pipeline, id);
CREATE INDEX runs_running ON cxhub.runs (pipeline) WHERE status = 'running';

CREATE TABLE cxhub.checkpoints (
	pipeline   text COLLATE "C" NOT NULL,
	stream     text COLLATE "C" NOT NULL,
	state      bytea       NOT NULL, -- opaque to the core: the source's token
	updated_at timestamptz NOT NULL,
	PRIMARY KEY (pipeline, stream)
);

CREATE TABLE cxhub.links (
	src_connection text COLLATE "C" NOT NULL,
	src_stream     text COLLATE "C" NOT NULL,
	dst_connection text COLLATE "C" NOT NULL,
	dst_stream     text COLLATE "C" NOT NULL,
	src_key        bytea       NOT NULL,
	dst_id         bytea       NOT NULL,
	created_at     timestamptz NOT NULL,
	updated_at     timestamptz NOT NULL, -- when dst_id last changed
	PRIMARY KEY (src_connection, src_stream, dst_connection, dst_stream, src_key)
);
-- The other direction of a link (see LookupLinks): an index-only scan.
CREATE INDEX links_by_dst ON cxhub.links (dst_connection, dst_stream, src_connection, src_stream, dst_id)
	INCLUDE (src_key, updated_at);

CREATE TABLE cxhub.dead_letters (
	id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- never reused: operators replay by id
	pipeline          text COLLATE "C" NOT NULL,
	run_id            bigint REFERENCES cxhub.runs (id) ON DELETE SET NULL,
	stream            text COLLATE "C" NOT NULL,
	key               bytea       NOT NULL,
	op                text        NOT NULL CHECK (op IN ('upsert', 'delete')),
	data              bytea,                -- the source record as read
	record_updated_at timestamptz,          -- the source record's updated_at; NULL if unknown
	error_kind        text        NOT NULL,
	error             text        NOT NULL,
	source_problem    boolean     NOT NULL DEFAULT false,
	attempts          integer     NOT NULL CHECK (attempts >= 1),
	status            text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'replayed', 'discarded')),
	created_at        timestamptz NOT NULL,
	last_tried_at     timestamptz NOT NULL
);
CREATE INDEX dead_letters_by_pipeline ON cxhub.dead_letters (pipeline, status, id);
CREATE INDEX dead_letters_by_status ON cxhub.dead_letters (status, id);
CREATE INDEX dead_letters_by_run ON cxhub.dead_letters (run_id);

CREATE TABLE cxhub.inbox (
	id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- cursors point at ids: see AppendInbox
	connection        text COLLATE "C" NOT NULL,
	stream            text COLLATE "C" NOT NULL,
	key               bytea       NOT NULL,
	op                text        NOT NULL CHECK (op IN ('upsert', 'delete')),
	data              bytea,
	record_updated_at timestamptz,
	delivery_id       bytea       NOT NULL DEFAULT '', -- the vendor's delivery id; empty if unknown
	problem           text        NOT NULL DEFAULT '',
	received_at       timestamptz NOT NULL
);
CREATE INDEX inbox_by_stream ON cxhub.inbox (connection, stream, id);
CREATE UNIQUE INDEX inbox_delivery ON cxhub.inbox (connection, delivery_id, stream, key) WHERE delivery_id <> '';
CREATE INDEX inbox_by_time ON cxhub.inbox (received_at);

CREATE TABLE cxhub.inbox_cursors (
	pipeline text COLLATE "C" PRIMARY KEY,
	last_id  bigint NOT NULL
);
`,
	// 2: the monitor's alerts and the pipelines an operator paused.
	`
CREATE TABLE cxhub.alerts (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	key         text COLLATE "C" NOT NULL,
	kind        text        NOT NULL,
	subject     text        NOT NULL,
	status      text        NOT NULL CHECK (status IN ('firing', 'resolved')),
	message     text        NOT NULL DEFAULT '',
	notified    text        NOT NULL DEFAULT '' CHECK (notified IN ('', 'firing', 'resolved')),
	fired_at    timestamptz NOT NULL,
	updated_at  timestamptz NOT NULL,
	resolved_at timestamptz
);
-- At most one firing alert per key: FireAlert upserts on it.
CREATE UNIQUE INDEX alerts_firing ON cxhub.alerts (key) WHERE status = 'firing';
CREATE INDEX alerts_by_status ON cxhub.alerts (status, id);

CREATE TABLE cxhub.paused (
	pipeline  text COLLATE "C" PRIMARY KEY,
	paused_at timestamptz NOT NULL
);
`,
	// 3: leases on pipelines (with their fencing tokens) and the workers'
	// heartbeats, for several cxhub serve workers on one database.
	`
CREATE TABLE cxhub.leases (
	pipeline       text COLLATE "C" PRIMARY KEY,
	holder         text COLLATE "C" NOT NULL DEFAULT '', -- '' once released
	token          bigint      NOT NULL,                 -- grows by one at each change of hands
	expires_at     timestamptz NOT NULL,
	acquired_at    timestamptz NOT NULL,
	last_commit_at timestamptz
);

CREATE TABLE cxhub.workers (
	id         text COLLATE "C" PRIMARY KEY,
	addr       text        NOT NULL DEFAULT '',
	started_at timestamptz NOT NULL,
	seen_at    timestamptz NOT NULL,
	expires_at timestamptz NOT NULL
);
`,
	// 4: two-way sync: fingerprints of synced content, conflicts, and the
	// runs' counts of writes skipped for them (SQLite's version 4).
	`
CREATE TABLE cxhub.fingerprints (
	scope      text COLLATE "C" NOT NULL, -- a pipeline, or a two-way sync
	connection text COLLATE "C" NOT NULL,
	stream     text COLLATE "C" NOT NULL,
	key        bytea       NOT NULL,
	data       bytea       NOT NULL,      -- opaque to the store: the engine's per-field hashes
	updated_at timestamptz NOT NULL,
	PRIMARY KEY (scope, connection, stream, key)
);

CREATE TABLE cxhub.conflicts (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	sync       text COLLATE "C" NOT NULL,
	pipeline   text COLLATE "C" NOT NULL,
	run_id     bigint REFERENCES cxhub.runs (id) ON DELETE SET NULL,
	connection text COLLATE "C" NOT NULL,
	stream     text COLLATE "C" NOT NULL,
	key        bytea       NOT NULL,
	field      text        NOT NULL,
	value_a    text        NOT NULL,
	value_b    text        NOT NULL,
	rule       text        NOT NULL,
	winner     text        NOT NULL, -- '' while parked for a person
	created_at timestamptz NOT NULL
);
CREATE INDEX conflicts_by_sync ON cxhub.conflicts (sync, id);
CREATE INDEX conflicts_by_run ON cxhub.conflicts (run_id);

ALTER TABLE cxhub.runs ADD COLUMN n_unchanged bigint NOT NULL DEFAULT 0;
ALTER TABLE cxhub.runs ADD COLUMN n_echo      bigint NOT NULL DEFAULT 0;
`,
	// 5: fingerprints move onto the links, written by the statement that
	// writes the link (SQLite's version 5, which says how the fingerprints
	// of version 4 are kept).
	`
ALTER TABLE cxhub.links ADD COLUMN fp_scope text COLLATE "C", ADD COLUMN fingerprint bytea;

UPDATE cxhub.links AS l SET fp_scope = f.scope, fingerprint = f.data FROM cxhub.fingerprints AS f
	WHERE substring(f.data FROM 1 FOR 5) IS DISTINCT FROM convert_to('{"w":', 'UTF8')
	AND l.dst_connection = f.connection AND l.dst_stream = f.stream AND l.dst_id = f.key;

UPDATE cxhub.links AS l SET fp_scope = f.scope, fingerprint = f.data FROM cxhub.fingerprints AS f
	WHERE substring(f.data FROM 1 FOR 5) = convert_to('{"w":', 'UTF8')
	AND l.src_connection = f.connection AND l.src_stream = f.stream AND l.src_key = f.key;

INSERT INTO cxhub.links (src_connection, src_stream, dst_connection, dst_stream, src_key, dst_id, created_at, updated_at, fp_scope, fingerprint)
	SELECT l.dst_connection, l.dst_stream, l.src_connection, l.src_stream, l.dst_id, l.src_key, l.created_at, l.updated_at, f.scope, f.data
	FROM cxhub.fingerprints AS f JOIN cxhub.links AS l
		ON l.dst_connection = f.connection AND l.dst_stream = f.stream AND l.dst_id = f.key
	WHERE substring(f.data FROM 1 FOR 5) = convert_to('{"w":', 'UTF8')
	ON CONFLICT DO NOTHING;

DROP TABLE cxhub.fingerprints;
`,
	// 6: the process behind each worker id, so that a second live process
	// under the same id is refused.
	`
ALTER TABLE cxhub.workers ADD COLUMN instance text COLLATE "C" NOT NULL DEFAULT '';
`,
	// 7: a conflict's values are the record's raw JSON as the vendor sent
	// it, which may hold bytes that are not UTF-8 (text refused them, and
	// with them the whole batch's commit). value_a and value_b stay text,
	// made valid UTF-8, so that workers of the previous version (a rolling
	// upgrade) and SQL readers go on as before; the exact bytes of a value
	// that text cannot hold go to these columns (NULL otherwise).
	`
ALTER TABLE cxhub.conflicts ADD COLUMN value_a_bytes bytea, ADD COLUMN value_b_bytes bytea;
`,
	// 8: listing dead letters by error kind, oldest first, a page at a
	// time (SQLite's version 6, which says why). Only indexes: workers of
	// the previous version go on as before.
	`
CREATE INDEX dead_letters_by_pipeline_kind ON cxhub.dead_letters (pipeline, status, error_kind, id);
CREATE INDEX dead_letters_by_kind ON cxhub.dead_letters (status, error_kind, id);
`,
}

// SchemaVersion returns the schema version this code writes.
func SchemaVersion() int { return len(migrations) }

// migrate brings the database to the schema of steps, one transaction per
// step. Each step takes the migration advisory lock and re-reads the
// version under it, so concurrent openers apply each step once, and the
// check for a newer or foreign schema is made again before every step.
func migrate(ctx context.Context, pool *pgxpool.Pool, begin pgx.TxOptions, steps []string) error {
	for {
		done, err := migrateStep(ctx, pool, begin, steps)
		if err != nil || done {
			return err
		}
	}
}

func migrateStep(ctx context.Context, pool *pgxpool.Pool, begin pgx.TxOptions, steps []string) (done bool, err error) {
	tx, err := pool.BeginTx(ctx, begin)
	if err != nil {
		return false, fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil || done {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLock); err != nil {
		return false, fmt.Errorf("take the migration lock: %w", err)
	}
	v, err := schemaVersion(ctx, tx)
	if err != nil {
		return false, err
	}
	if err := checkVersion(v, len(steps)); err != nil {
		return false, err
	}
	if v == len(steps) {
		return true, nil
	}
	if v == 0 {
		if err := CreateSchema(ctx, tx, schema); err != nil {
			return false, err
		}
	}
	// No arguments: the simple protocol, which runs several statements.
	if _, err := tx.Exec(ctx, steps[v]); err != nil {
		return false, fmt.Errorf("migrate to schema version %d: %w", v+1, err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO cxhub.schema_version (version) VALUES ($1)", v+1); err != nil {
		return false, fmt.Errorf("migrate to schema version %d: %w", v+1, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("migrate to schema version %d: commit: %w", v+1, err)
	}
	return false, nil
}

// CreateSchema creates the schema name unless it exists (the state's
// cxhub, the customer index's cxhub_customers). It looks first: CREATE
// SCHEMA IF NOT EXISTS needs the CREATE privilege on the database even
// when the schema is there, and a role a DBA created the schema for
// (CREATE SCHEMA name AUTHORIZATION ...) need not have it. A role that
// can do neither is told what to ask for.
func CreateSchema(ctx context.Context, tx pgx.Tx, name string) error {
	var (
		exists bool
		user   string
	)
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1), current_user", name).Scan(&exists, &user); err != nil {
		return fmt.Errorf("look for the %s schema: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := tx.Exec(ctx, "CREATE SCHEMA "+ident(name)); err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "42501" { // insufficient_privilege
			return fmt.Errorf("create the %s schema: %w; grant the role CREATE on the database, or have a DBA create the schema for it: CREATE SCHEMA %s AUTHORIZATION %s",
				name, err, ident(name), ident(user))
		}
		return fmt.Errorf("create the %s schema: %w", name, err)
	}
	return nil
}

// ident is name as an SQL identifier: as it is if it needs no quotes.
func ident(name string) string {
	if plainIdent.MatchString(name) {
		return name
	}
	return pgx.Identifier{name}.Sanitize()
}

var plainIdent = regexp.MustCompile(`^[a-z_][a-z0-9_$]*$`)

// schemaVersion reads the database's schema version: 0 for a database
// without the cxhub schema (or with an empty one). A cxhub schema holding
// tables but no version is another application's: ErrNotStateDatabase.
func schemaVersion(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
	Query(context.Context, string, ...any) (pgx.Rows, error)
}) (int, error) {
	var hasVersion bool
	if err := q.QueryRow(ctx, "SELECT to_regclass('cxhub.schema_version') IS NOT NULL").Scan(&hasVersion); err != nil {
		return 0, fmt.Errorf("read the schema version: %w", err)
	}
	if hasVersion {
		var v int
		if err := q.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM cxhub.schema_version").Scan(&v); err != nil {
			return 0, fmt.Errorf("read the schema version: %w", err)
		}
		return v, nil
	}
	rows, err := q.Query(ctx, "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 ORDER BY 1", schema)
	if err != nil {
		return 0, fmt.Errorf("read the schema version: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, fmt.Errorf("read the schema version: %w", err)
	}
	if len(names) > 0 {
		return 0, &openError{
			msg:  fmt.Sprintf("schema %q holds %s but no cxhub schema version: it is not a cxhub state database", schema, strings.Join(names, ", ")),
			kind: state.ErrNotStateDatabase,
		}
	}
	return 0, nil
}

// checkVersion refuses a database whose schema is newer than this code's.
func checkVersion(v, known int) error {
	if v > known {
		return &openError{
			msg: fmt.Sprintf("the database was written by a newer cxhub (schema version %d; this cxhub knows up to %d): use that cxhub, or a backup",
				v, known),
			kind: state.ErrNewerSchema,
		}
	}
	return nil
}

// openError is a refusal by Open: errors.Is matches its kind
// (ErrNotStateDatabase, ErrNewerSchema).
//
// Its message is scrubbed of the DSN's secrets; the cause is kept for
// errors.Is and errors.As (pgx's errors do not repeat the password).
type openError struct {
	msg   string
	kind  error
	cause error
}

func (e *openError) Error() string        { return e.msg }
func (e *openError) Is(target error) bool { return e.kind != nil && target == e.kind }
func (e *openError) Unwrap() error        { return e.cause }
