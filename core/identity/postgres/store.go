package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/cxhub/cxhub/core/identity"
	statepg "github.com/cxhub/cxhub/core/state/postgres"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Schema is the PostgreSQL schema the index's tables live in.
const Schema = "cxhub_customers"

// Advisory lock keys (pg_advisory_xact_lock): one for index transactions
// and the schema's creation, one for queueing.
const (
	lockIndex = 0x63786875_62000001
	lockQueue = 0x63786875_62000002
)

// schema is the index's tables, made if missing (the schema itself is
// created first, if missing: statepg.CreateSchema).
const schema = `
CREATE TABLE IF NOT EXISTS cxhub_customers.records (
	seq BIGSERIAL PRIMARY KEY,
	conn TEXT NOT NULL, stream TEXT NOT NULL, key TEXT NOT NULL,
	kind TEXT NOT NULL, ikind TEXT NOT NULL DEFAULT '',
	fields TEXT NOT NULL, links TEXT, data BYTEA,
	updated_at BIGINT NOT NULL DEFAULT 0,
	customer BIGINT NOT NULL DEFAULT 0,
	UNIQUE (conn, stream, key)
);
CREATE INDEX IF NOT EXISTS records_customer ON cxhub_customers.records (customer);
CREATE TABLE IF NOT EXISTS cxhub_customers.idents (
	type TEXT NOT NULL, value TEXT NOT NULL, kind TEXT NOT NULL, seq BIGINT NOT NULL,
	rule TEXT NOT NULL, glue BOOLEAN NOT NULL,
	PRIMARY KEY (type, value, kind, seq)
);
CREATE INDEX IF NOT EXISTS idents_seq ON cxhub_customers.idents (seq);
CREATE TABLE IF NOT EXISTS cxhub_customers.customers (id BIGINT PRIMARY KEY, merged_into BIGINT NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS customers_merged ON cxhub_customers.customers (merged_into);
CREATE TABLE IF NOT EXISTS cxhub_customers.meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cxhub_customers.queue (seq BIGSERIAL PRIMARY KEY, data BYTEA NOT NULL);
`

// Store is the index in a PostgreSQL database. It is safe for concurrent
// use, by several processes too (see the package comment).
type Store struct {
	pool     *pgxpool.Pool
	readOnly bool
}

var _ identity.Store = (*Store)(nil)

// Open connects to the database dsn names (as the state's backend takes
// it) and creates the index's schema and tables if they are missing.
func Open(ctx context.Context, dsn string) (*Store, error) {
	return open(ctx, dsn, false)
}

// OpenReadOnly connects for queries only: every transaction is read-only.
func OpenReadOnly(ctx context.Context, dsn string) (*Store, error) {
	return open(ctx, dsn, true)
}

func open(ctx context.Context, dsn string, readOnly bool) (*Store, error) {
	fail := func(err error) (*Store, error) {
		return nil, errors.New(statepg.Scrub(fmt.Sprintf("open the customer index in postgres: %v", err), dsn))
	}
	cfg, err := poolConfig(dsn)
	if err != nil {
		return fail(err)
	}
	s := &Store{readOnly: readOnly}
	if s.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return fail(err)
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(lockIndex)); err != nil {
			return err
		}
		if err := statepg.CreateSchema(ctx, tx, Schema); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, schema)
		return err
	})
	if err != nil {
		s.pool.Close()
		return fail(err)
	}
	return s, nil
}

// poolConfig is the pool's config for dsn. The index's statements name
// its tables without their schema, so each connection sets search_path
// once it is made, with a statement rather than a startup parameter:
// PgBouncer refuses startup parameters it does not track
// ("unsupported startup parameter: search_path"), session mode included.
func poolConfig(dsn string) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "cxhub"
	}
	cfg.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
		if _, err := conn.Exec(ctx, "SET search_path = "+Schema); err != nil {
			return fmt.Errorf("set search_path: %w", err)
		}
		return nil
	}
	return cfg, nil
}

// Close closes the pool's connections.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Update runs fn in one write transaction, the only one of the database
// at a time (an advisory lock).
func (s *Store) Update(ctx context.Context, fn func(identity.Tx) error) error {
	if s.readOnly {
		return errors.New("customer index is open read-only")
	}
	return s.run(ctx, pgx.TxOptions{}, func(t *tx) error {
		if _, err := t.tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(lockIndex)); err != nil {
			return fmt.Errorf("customer index: lock: %w", err)
		}
		return fn(t)
	})
}

// View runs fn in one read-only transaction.
func (s *Store) View(ctx context.Context, fn func(identity.Tx) error) error {
	return s.run(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, func(t *tx) error { return fn(t) })
}

func (s *Store) run(ctx context.Context, opts pgx.TxOptions, fn func(*tx) error) error {
	pt, err := s.pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(&tx{ctx: ctx, tx: pt}); err != nil {
		_ = pt.Rollback(context.WithoutCancel(ctx))
		return err
	}
	// Commit without ctx's cancellation, so that its outcome is known.
	if err := pt.Commit(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Enqueue adds an item to the queue, under a lock that makes seqs commit
// in their order.
func (s *Store) Enqueue(ctx context.Context, data []byte) (int64, error) {
	if s.readOnly {
		return 0, errors.New("customer index is open read-only")
	}
	var seq int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(lockQueue)); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO queue (data) VALUES ($1) RETURNING seq`, data).Scan(&seq)
	})
	if err != nil {
		return 0, fmt.Errorf("customer index queue: %w", err)
	}
	return seq, nil
}

// Queued returns up to limit queued items, oldest first.
func (s *Store) Queued(ctx context.Context, after int64, limit int) ([]identity.QueueItem, error) {
	rows, err := s.pool.Query(ctx, `SELECT seq, data FROM queue WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("customer index queue: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (identity.QueueItem, error) {
		var it identity.QueueItem
		err := r.Scan(&it.Seq, &it.Data)
		return it, err
	})
	if err != nil {
		return nil, fmt.Errorf("customer index queue: %w", err)
	}
	return out, nil
}
