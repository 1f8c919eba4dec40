package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/mattn/go-sqlite3"
)

// Damage found while the store is open must stop it, as damage found at
// Open does: SQLite reports a damaged page it meets as SQLITE_CORRUPT (or
// SQLITE_NOTADB) from whatever statement met it. Every connection of a
// store goes through a guard that notes such an error; from then on every
// call on the store's connections fails with ErrDamaged — nothing more is
// read (a damaged page can read as extra or missing links) or written —
// and Close leaves no clean mark, so that the next Open runs the integrity
// check and refuses the file.

// damage is a store's record of the first corruption its connections met.
type damage struct {
	path  string
	first atomic.Pointer[error]
}

// note records err if it reports corruption, and returns the error the
// caller gets: ErrDamaged for a corruption, err otherwise.
func (d *damage) note(err error) error {
	var se sqlite3.Error
	if err == nil || !errors.As(err, &se) || (se.Code != sqlite3.ErrCorrupt && se.Code != sqlite3.ErrNotADB) {
		return err
	}
	d.first.CompareAndSwap(nil, &err)
	return d.err()
}

// err is ErrDamaged with the first corruption, or nil if none was met.
func (d *damage) err() error {
	first := d.first.Load()
	if first == nil {
		return nil
	}
	return &openError{
		msg: fmt.Sprintf("state file %s is damaged (SQLite: %v): cxhub stopped using it, nothing more is written to it; "+
			"restore it from a backup, or move it aside to start afresh (every pipeline then reads everything again)", d.path, *first),
		kind: ErrDamaged,
	}
}

// openGuarded opens a database/sql handle on dsn whose connections report
// to d.
func openGuarded(dsn string, d *damage) *sql.DB {
	return sql.OpenDB(guardConnector{dsn: dsn, d: d})
}

type guardConnector struct {
	dsn string
	d   *damage
}

func (c guardConnector) Connect(context.Context) (driver.Conn, error) {
	if err := c.d.err(); err != nil {
		return nil, err
	}
	conn, err := (&sqlite3.SQLiteDriver{}).Open(c.dsn)
	if err != nil {
		return nil, c.d.note(err)
	}
	return &guardConn{c: conn.(*sqlite3.SQLiteConn), d: c.d}, nil
}

func (c guardConnector) Driver() driver.Driver { return &sqlite3.SQLiteDriver{} }

// guardConn passes every call to SQLite's connection, unless damage was
// met, and notes the corruption its errors report.
type guardConn struct {
	c *sqlite3.SQLiteConn
	d *damage
}

func (g *guardConn) Prepare(query string) (driver.Stmt, error) {
	return g.PrepareContext(context.Background(), query)
}

func (g *guardConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if err := g.d.err(); err != nil {
		return nil, err
	}
	st, err := g.c.PrepareContext(ctx, query)
	if err != nil {
		return nil, g.d.note(err)
	}
	return &guardStmt{s: st.(*sqlite3.SQLiteStmt), d: g.d}, nil
}

func (g *guardConn) Close() error { return g.c.Close() }

func (g *guardConn) Begin() (driver.Tx, error) {
	return g.BeginTx(context.Background(), driver.TxOptions{})
}

func (g *guardConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := g.d.err(); err != nil {
		return nil, err
	}
	tx, err := g.c.BeginTx(ctx, opts)
	if err != nil {
		return nil, g.d.note(err)
	}
	return guardTx{tx: tx, d: g.d}, nil
}

func (g *guardConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if err := g.d.err(); err != nil {
		return nil, err
	}
	res, err := g.c.ExecContext(ctx, query, args)
	return res, g.d.note(err)
}

func (g *guardConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := g.d.err(); err != nil {
		return nil, err
	}
	rows, err := g.c.QueryContext(ctx, query, args)
	if err != nil {
		return nil, g.d.note(err)
	}
	return &guardRows{SQLiteRows: rows.(*sqlite3.SQLiteRows), d: g.d}, nil
}

func (g *guardConn) Ping(ctx context.Context) error {
	if err := g.d.err(); err != nil {
		return err
	}
	return g.d.note(g.c.Ping(ctx))
}

// guardTx notes a corruption its commit reports; a transaction begun
// before damage was met can still roll back.
type guardTx struct {
	tx driver.Tx
	d  *damage
}

func (t guardTx) Commit() error {
	if err := t.d.err(); err != nil {
		_ = t.tx.Rollback()
		return err
	}
	return t.d.note(t.tx.Commit())
}

func (t guardTx) Rollback() error { return t.tx.Rollback() }

type guardStmt struct {
	s *sqlite3.SQLiteStmt
	d *damage
}

func (s *guardStmt) Close() error  { return s.s.Close() }
func (s *guardStmt) NumInput() int { return s.s.NumInput() }

func (s *guardStmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), named(args))
}

func (s *guardStmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), named(args))
}

// named gives positional arguments their ordinals.
func named(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, v := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}

func (s *guardStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if err := s.d.err(); err != nil {
		return nil, err
	}
	res, err := s.s.ExecContext(ctx, args)
	return res, s.d.note(err)
}

func (s *guardStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if err := s.d.err(); err != nil {
		return nil, err
	}
	rows, err := s.s.QueryContext(ctx, args)
	if err != nil {
		return nil, s.d.note(err)
	}
	return &guardRows{SQLiteRows: rows.(*sqlite3.SQLiteRows), d: s.d}, nil
}

// guardRows notes a corruption met while stepping through rows (most are
// met there: the page is read when its row is).
type guardRows struct {
	*sqlite3.SQLiteRows
	d *damage
}

func (r *guardRows) Next(dest []driver.Value) error {
	return r.d.note(r.SQLiteRows.Next(dest))
}
