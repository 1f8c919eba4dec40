package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/cxhub/cxhub/core/state"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Store is a cxhub state in a PostgreSQL database. It is safe for
// concurrent use, and several Stores — in one process or many, on one
// machine or many — may use the same database at once.
type Store struct {
	pool     *pgxpool.Pool
	location string
	readOnly bool
	begin    pgx.TxOptions // see beginQuery

	closeOnce sync.Once
}

var _ state.Store = (*Store)(nil)

// errReadOnly is returned by the write methods of a read-only store.
var errReadOnly = errors.New("the state was opened read-only")

// Open connects to the database dsn names (a postgres:// URL or key=value
// pairs, as libpq takes them; pgxpool's pool_* parameters size the pool)
// and migrates its schema to the current version, creating the cxhub
// schema and tables on first use.
//
// It refuses a database written by a newer cxhub (errors.Is(err,
// state.ErrNewerSchema)) and one whose cxhub schema belongs to something
// else (state.ErrNotStateDatabase), without writing to it. Its errors
// never contain the DSN's password.
//
// Unlike SQLite's Open, it takes no writer lock and leaves runs marked
// running alone: several cxhub workers share one database, and who may
// run a pipeline is decided per pipeline, by leases (see docs/scale-out.md).
func Open(ctx context.Context, dsn string) (*Store, error) {
	return open(ctx, dsn, false, migrations)
}

// OpenReadOnly opens the database for reading only, for the read-only
// commands: the schema is brought up to date first, as by Open, then every
// transaction of the store is read-only (default_transaction_read_only,
// and BEGIN READ ONLY; behind a connection pooler that refuses the
// startup parameter, the latter alone, its write methods refusing too),
// so that nothing can write through it.
func OpenReadOnly(ctx context.Context, dsn string) (*Store, error) {
	return open(ctx, dsn, true, migrations)
}

func open(ctx context.Context, dsn string, readOnly bool, steps []string) (*Store, error) {
	cfg, err := parseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("state: open postgres: %w", err)
	}
	s := &Store{location: location(&cfg.ConnConfig.Config), readOnly: readOnly, begin: pgx.TxOptions{BeginQuery: beginQuery(cfg)}}
	fail := func(err error) (*Store, error) { return failKind(s, dsn, err) }
	if readOnly {
		// Migrate through a writable pool first, so that what is shown is
		// in the current schema.
		w, err := open(ctx, dsn, false, steps)
		if err != nil {
			return nil, err
		}
		w.Close()
		cfg.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
		s.begin.BeginQuery = strings.Replace(s.begin.BeginQuery, "BEGIN", "BEGIN READ ONLY", 1)
	}
	if s.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return fail(err)
	}
	err = s.pool.Ping(ctx)
	if readOnly && refusedStartupParameter(err, "default_transaction_read_only") {
		// A connection pooler (PgBouncer) refuses the parameter: every
		// transaction is read-only still (BEGIN READ ONLY), and every
		// write method refuses a read-only store.
		s.pool.Close()
		delete(cfg.ConnConfig.RuntimeParams, "default_transaction_read_only")
		if s.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
			return fail(err)
		}
		err = s.pool.Ping(ctx)
	}
	if err != nil {
		return fail(err)
	}
	if readOnly {
		// The schema must be there, and not newer than ours.
		v, err := schemaVersion(ctx, s.pool)
		if err == nil {
			err = checkVersion(v, len(steps))
		}
		if err != nil {
			return fail(err)
		}
		return s, nil
	}
	if err := migrate(ctx, s.pool, s.begin, steps); err != nil {
		return fail(err)
	}
	return s, nil
}

// refusedStartupParameter reports whether err is a connection pooler's
// refusal of the startup parameter name, as PgBouncer words it.
func refusedStartupParameter(err error, name string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "08P01" && strings.Contains(pe.Message, "unsupported startup parameter: "+name)
}

// failKind is open's failure: the pool closed, the message scrubbed of the
// DSN's secrets — neither pgx nor the server repeat a password, but an
// error must never be the one that does — and a refusal's kind kept.
func failKind(s *Store, dsn string, err error) (*Store, error) {
	if s.pool != nil {
		s.pool.Close()
	}
	oe := &openError{msg: Scrub(fmt.Sprintf("state: open %s: %v", s.location, err), dsn), cause: err}
	var refusal *openError
	if errors.As(err, &refusal) {
		oe.kind = refusal.kind
	}
	return nil, oe
}

// Location returns the database as a postgres:// URL without password.
func (s *Store) Location() string { return s.location }

// Close closes the pool's connections. It is idempotent.
func (s *Store) Close() error {
	s.closeOnce.Do(s.pool.Close)
	return nil
}

// write runs fn in a transaction and commits it, or rolls it back if fn
// fails. The commit runs without ctx's cancellation, so that its outcome is
// known: a COMMIT interrupted on the wire might or might not have happened.
func (s *Store) write(ctx context.Context, fn func(pgx.Tx) error) error {
	if s.readOnly {
		return errReadOnly
	}
	tx, err := s.pool.BeginTx(ctx, s.begin)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	if err := ctx.Err(); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	if err := tx.Commit(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// now is the store's clock: microseconds, PostgreSQL's precision.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// utc returns t in UTC; pgx gives timestamptz values in the local zone.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

// optTime is a nullable timestamptz: nil for the zero time.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// fromOptTime is the inverse of optTime.
func fromOptTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// message makes an error message storable as text: PostgreSQL's text must
// be valid UTF-8 without NUL, and a dead letter must not be lost because
// its error quotes a vendor's bytes. Invalid bytes become U+FFFD.
func message(s string) string {
	if utf8.ValidString(s) && !strings.Contains(s, "\x00") {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}
