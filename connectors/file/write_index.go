package file

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/cxhub/cxhub/sdk"
	sqlite3 "github.com/mattn/go-sqlite3"
)

// indexVersion is the layout of the key index. An index of a later
// version is refused: it was written by a newer cxhub.
const indexVersion = 1

// keyIndex is the on-disk index of one stream file: where each key's line
// is, and what the file was like when the writer last committed. It is a
// SQLite database beside the file (.<file>.idx), opened in exclusive
// locking mode, so that it also keeps a second process from writing the
// same file.
//
// The data file is the truth and the index a cache of it: every index
// commit follows the data file's fsync, and a file that differs from what
// the index says is indexed again from the file (see writer.recover).
type keyIndex struct {
	db    *sql.DB
	path  string
	sqls  map[string]string    // statement text by shape, built once
	stmts map[string]*sql.Stmt // prepared statements on the keys table, by text
	args  []any                // a statement's arguments, reused
	probe []string             // the keys a lookup asks SQLite for, reused
	meta1 *sql.Stmt            // setMeta's statement
	// bounds holds, by table, bounds of the keys it holds: a lookup asks
	// SQLite only for keys within them. A table without bounds here has
	// them read (min and max) at its next lookup.
	bounds map[string]*keyBounds
}

// keyBounds bound the keys of a table: each is within [lo, hi], or there
// is none (empty). They may be wider than the table's keys (keys deleted
// since, or a put rolled back), never narrower: a key outside them is not
// in the table. Keys that only grow, or that a batch repeats, never have
// to be looked up in SQLite.
type keyBounds struct {
	lo, hi string
	empty  bool
}

// widen makes the bounds take in key.
func (b *keyBounds) widen(key string) {
	switch {
	case b.empty:
		b.lo, b.hi, b.empty = key, key, false
	case key < b.lo:
		b.lo = key
	case key > b.hi:
		b.hi = key
	}
}

func (b *keyBounds) within(key string) bool { return !b.empty && key >= b.lo && key <= b.hi }

// boundsOf returns the bounds of table's keys, reading them if need be.
func (x *keyIndex) boundsOf(q querier, table string) (*keyBounds, error) {
	if b, ok := x.bounds[table]; ok {
		return b, nil
	}
	var lo, hi sql.NullString
	rows, err := q.Query("SELECT min(k), max(k) FROM " + table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if rows.Next() {
		if err := rows.Scan(&lo, &hi); err != nil {
			return nil, err
		}
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	b := &keyBounds{empty: true}
	if lo.Valid && hi.Valid {
		b.lo, b.hi, b.empty = lo.String, hi.String, false
	}
	x.bounds[table] = b
	return b, nil
}

// emptyTable records that table was just created, empty.
func (x *keyIndex) emptyTable(table string) { x.bounds[table] = &keyBounds{empty: true} }

// entry is where a key's line is in the data file: the line's first byte
// and its length without the newline.
type entry struct {
	off int64
	n   int
}

// indexMeta is what the index says about the data file as of its last
// commit.
type indexMeta struct {
	Version int
	Format  string // "jsonl" or "csv"
	KeyPath string
	Inode   int64  // the file's identity: a rewrite renames another file over it
	Size    int64  // bytes of the file the index covers
	Live    int64  // bytes of keyed lines the index points at, newlines included
	Dead    int64  // bytes of blanked lines, newlines included
	OpenEnd bool   // the file's last line has no newline
	Header  string // CSV: the header row as written, without its newline
}

// indexSchema creates the tables. keys_next is filled while a compaction
// copies the file, and replaces keys once the copy is renamed over it.
const indexSchema = `
CREATE TABLE IF NOT EXISTS meta (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	version INTEGER NOT NULL, format TEXT NOT NULL, key_path TEXT NOT NULL,
	inode INTEGER NOT NULL, size INTEGER NOT NULL, live INTEGER NOT NULL, dead INTEGER NOT NULL,
	open_end INTEGER NOT NULL, header TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS keys (k TEXT PRIMARY KEY, off INTEGER NOT NULL, len INTEGER NOT NULL) WITHOUT ROWID;
`

// indexCacheKiB bounds SQLite's page cache: the index's hot pages stay in
// memory, the rest is read from the file, so memory stays flat however
// many keys the stream has.
const indexCacheKiB = 16 << 10

// openIndex opens (creating it if need be) the key index at path and takes
// its exclusive lock.
func openIndex(path string) (*keyIndex, error) {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	// NORMAL: a commit does not fsync the index. The data file is synced
	// before every commit, and an index that lost its last commits (a power
	// cut) is brought up to date from the file when it is opened again.
	q.Set("_synchronous", "NORMAL")
	q.Set("_locking_mode", "EXCLUSIVE")
	q.Set("_busy_timeout", "1000")
	db, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open key index %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	x := &keyIndex{db: db, path: path, sqls: map[string]string{}, stmts: map[string]*sql.Stmt{}, bounds: map[string]*keyBounds{}}
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = -%d", indexCacheKiB)); err != nil {
		db.Close()
		return nil, x.wrap("set up", err)
	}
	if _, err := db.ExecContext(ctx, indexSchema); err != nil {
		db.Close()
		return nil, x.wrap("create", err)
	}
	if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS keys_next"); err != nil { // left by an interrupted compaction
		db.Close()
		return nil, x.wrap("clean up", err)
	}
	if x.meta1, err = db.Prepare(setMetaSQL); err != nil {
		db.Close()
		return nil, x.wrap("set up", err)
	}
	return x, nil
}

// wrap names the index and turns a lock held by another process into a
// clear, transient error.
func (x *keyIndex) wrap(doing string, err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked) {
		return sdk.Transient(fmt.Errorf("%s key index %s: another process is writing this stream: %w", doing, x.path, err))
	}
	return fmt.Errorf("%s key index %s: %w", doing, x.path, err)
}

func (x *keyIndex) close() error {
	for _, s := range x.stmts {
		s.Close()
	}
	if x.meta1 != nil {
		x.meta1.Close()
	}
	return x.db.Close()
}

// meta returns the index's record of the file; ok is false for a new index.
func (x *keyIndex) meta() (m indexMeta, ok bool, err error) {
	err = x.db.QueryRow(`SELECT version, format, key_path, inode, size, live, dead, open_end, header FROM meta WHERE id = 1`).
		Scan(&m.Version, &m.Format, &m.KeyPath, &m.Inode, &m.Size, &m.Live, &m.Dead, &m.OpenEnd, &m.Header)
	if errors.Is(err, sql.ErrNoRows) {
		return indexMeta{}, false, nil
	}
	if err != nil {
		return indexMeta{}, false, x.wrap("read", err)
	}
	return m, true, nil
}

// lookupChunk bounds the keys of one lookup query.
const lookupChunk = 500

// querier is the index's database, or a commit in progress.
type querier interface {
	Query(query string, args ...any) (*sql.Rows, error)
	Stmt(stmt *sql.Stmt) *sql.Stmt
}

// dbQuerier lets the database stand where a commit could.
type dbQuerier struct{ *sql.DB }

func (dbQuerier) Stmt(s *sql.Stmt) *sql.Stmt { return s }

// prepared returns the statement q on the keys table, prepared once and
// kept: the batch statements, with hundreds of parameters, cost more to
// parse than to run. It prepares statements only outside a commit (the
// index has one connection, which a commit holds): within one, a
// statement not prepared before is not ok, and is run unprepared, as are
// those on keys_next (a compaction).
func (x *keyIndex) prepared(on querier, table, q string) (*sql.Stmt, bool, error) {
	if table != "keys" {
		return nil, false, nil
	}
	s, ok := x.stmts[q]
	if !ok {
		if _, outside := on.(dbQuerier); !outside {
			return nil, false, nil
		}
		var err error
		if s, err = x.db.Prepare(q); err != nil {
			return nil, false, err
		}
		x.stmts[q] = s
	}
	return on.Stmt(s), true, nil
}

// warm prepares, before a commit begins, the statements that put puts and
// del dels keys will run.
func (x *keyIndex) warm(puts, dels int) error {
	for _, n := range []int{min(puts, putChunk), puts % putChunk} {
		if n > 0 {
			if _, _, err := x.prepared(dbQuerier{x.db}, "keys", x.putText("keys", n)); err != nil {
				return x.wrap("prepare a statement on", err)
			}
		}
	}
	for _, n := range []int{min(dels, lookupChunk), dels % lookupChunk} {
		if n > 0 {
			if _, _, err := x.prepared(dbQuerier{x.db}, "keys", x.delText(n)); err != nil {
				return x.wrap("prepare a statement on", err)
			}
		}
	}
	return nil
}

func (x *keyIndex) putText(table string, n int) string {
	return x.shape("INSERT INTO "+table+" (k, off, len) VALUES ", "(?,?,?)", ",",
		" ON CONFLICT (k) DO UPDATE SET off = excluded.off, len = excluded.len", n)
}

func (x *keyIndex) delText(n int) string {
	return x.shape("DELETE FROM keys WHERE k IN (", "?", ",", ")", n)
}

// lookup adds to into the entries of those keys that table (keys, or
// keys_next during a compaction) has. It asks SQLite only about keys
// within the table's bounds.
func (x *keyIndex) lookup(q querier, table string, keys []string, into map[string]entry) error {
	bounds, err := x.boundsOf(q, table)
	if err != nil {
		return x.wrap("look up keys in", err)
	}
	probe := x.probe[:0]
	for _, k := range keys {
		if bounds.within(k) {
			probe = append(probe, k)
		}
	}
	x.probe = probe
	defer clear(x.probe)
	keys = probe
	defer x.clearArgs()
	for start := 0; start < len(keys); start += lookupChunk {
		part := keys[start:min(start+lookupChunk, len(keys))]
		args := x.args[:0]
		for _, k := range part {
			args = append(args, k)
		}
		x.args = args
		text := x.shape("SELECT k, off, len FROM "+table+" WHERE k IN (", "?", ",", ")", len(part))
		var rows *sql.Rows
		s, ok, err := x.prepared(q, table, text)
		switch {
		case err != nil:
		case ok:
			rows, err = s.Query(args...)
		default:
			rows, err = q.Query(text, args...)
		}
		if err != nil {
			return x.wrap("look up keys in", err)
		}
		for rows.Next() {
			var k string
			var e entry
			if err := rows.Scan(&k, &e.off, &e.n); err != nil {
				rows.Close()
				return x.wrap("look up keys in", err)
			}
			into[k] = e
		}
		if err := rows.Close(); err != nil {
			return x.wrap("look up keys in", err)
		}
	}
	return nil
}

// shape returns (and keeps) the text of a statement with n repeated parts.
func (x *keyIndex) shape(head, part, sep, tail string, n int) string {
	id := fmt.Sprint(head, n)
	if s, ok := x.sqls[id]; ok {
		return s
	}
	var b strings.Builder
	b.WriteString(head)
	for i := range n {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(part)
	}
	b.WriteString(tail)
	x.sqls[id] = b.String()
	return x.sqls[id]
}

// indexTx is one commit of the index.
type indexTx struct {
	x     *keyIndex
	tx    *sql.Tx
	stmts map[string]*sql.Stmt // statements prepared in the commit (on keys_next), by text
}

func (x *keyIndex) begin() (*indexTx, error) {
	tx, err := x.db.Begin()
	if err != nil {
		return nil, x.wrap("begin a commit of", err)
	}
	return &indexTx{x: x, tx: tx}, nil
}

// putChunk bounds the rows of one insert statement.
const putChunk = 300

// put sets the entries of keys[i] to entries[i], in table (keys or
// keys_next).
func (t *indexTx) put(table string, keys []string, entries []entry) error {
	defer t.x.clearArgs()
	if b := t.x.bounds[table]; b != nil {
		for _, k := range keys {
			b.widen(k)
		}
	}
	for start := 0; start < len(keys); start += putChunk {
		end := min(start+putChunk, len(keys))
		args := t.x.args[:0]
		for i := start; i < end; i++ {
			args = append(args, keys[i], entries[i].off, int64(entries[i].n))
		}
		t.x.args = args
		q := t.x.putText(table, end-start)
		s, ok, err := t.x.prepared(t.tx, table, q)
		if err == nil && !ok {
			// A compaction's table: the statement is prepared for the rest
			// of the commit.
			s, err = t.prepare(q)
			ok = err == nil
		}
		switch {
		case err != nil:
		case ok:
			err = run(s.Query(args...))
		default:
			err = run(t.tx.Query(q, args...))
		}
		if err != nil {
			return t.x.wrap("write", err)
		}
	}
	return nil
}

// del removes keys.
func (t *indexTx) del(keys []string) error {
	defer t.x.clearArgs()
	for start := 0; start < len(keys); start += lookupChunk {
		part := keys[start:min(start+lookupChunk, len(keys))]
		args := t.x.args[:0]
		for _, k := range part {
			args = append(args, k)
		}
		t.x.args = args
		q := t.x.delText(len(part))
		s, ok, err := t.x.prepared(t.tx, "keys", q)
		switch {
		case err != nil:
		case ok:
			err = run(s.Query(args...))
		default:
			err = run(t.tx.Query(q, args...))
		}
		if err != nil {
			return t.x.wrap("delete keys from", err)
		}
	}
	return nil
}

// prepare returns q prepared in the commit, and kept until it ends.
func (t *indexTx) prepare(q string) (*sql.Stmt, error) {
	if s, ok := t.stmts[q]; ok {
		return s, nil
	}
	s, err := t.tx.Prepare(q)
	if err != nil {
		return nil, err
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[q] = s
	return s, nil
}

// run finishes a statement that returns no rows, run with Query: the
// driver binds a query's arguments and takes its first step in one call
// into SQLite, where Exec crosses into C once per argument, and the
// statement has done its work when Query returns.
func run(rows *sql.Rows, err error) error {
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return err
	}
	return rows.Close()
}

// clearArgs drops the references args holds, keys of the last batch.
func (x *keyIndex) clearArgs() {
	clear(x.args)
	x.args = x.args[:0]
}

// exec runs a statement in the commit. The key tables' bounds are
// forgotten: the statement may change them in other ways than put.
func (t *indexTx) exec(doing, q string, args ...any) error {
	clear(t.x.bounds)
	if _, err := t.tx.Exec(q, args...); err != nil {
		return t.x.wrap(doing, err)
	}
	return nil
}

const setMetaSQL = `INSERT INTO meta (id, version, format, key_path, inode, size, live, dead, open_end, header)
	VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (id) DO UPDATE SET version = excluded.version, format = excluded.format, key_path = excluded.key_path,
		inode = excluded.inode, size = excluded.size, live = excluded.live, dead = excluded.dead,
		open_end = excluded.open_end, header = excluded.header`

// setMeta records what the file is like after this commit.
func (t *indexTx) setMeta(m indexMeta) error {
	if _, err := t.tx.Stmt(t.x.meta1).Exec(m.Version, m.Format, m.KeyPath, m.Inode, m.Size, m.Live, m.Dead, m.OpenEnd, m.Header); err != nil {
		return t.x.wrap("write", err)
	}
	return nil
}

func (t *indexTx) commit() error {
	if err := t.tx.Commit(); err != nil {
		return t.x.wrap("commit", err)
	}
	return nil
}

func (t *indexTx) rollback() { _ = t.tx.Rollback() }
