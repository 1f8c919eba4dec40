package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/cxhub/cxhub/core/identity"
	_ "github.com/mattn/go-sqlite3" // the database/sql driver
)

// Path is where the index of a state file lives: "cxhub.db" gives
// "cxhub.customers.db" in the same directory.
func Path(statePath string) string {
	ext := filepath.Ext(statePath)
	return strings.TrimSuffix(statePath, ext) + ".customers" + ext
}

// QueuePath is where an index file's queue lives (see queueLog):
// "cxhub.customers.db" gives "cxhub.customers.queue".
func QueuePath(path string) string {
	return strings.TrimSuffix(path, filepath.Ext(path)) + ".queue"
}

// Store is an index file and its queue file. It is safe for concurrent use.
type Store struct {
	w, r *sql.DB   // w writes (one connection), r reads
	q    *queueLog // the queue; nil when read-only
}

var _ identity.Store = (*Store)(nil)

const schema = `
CREATE TABLE IF NOT EXISTS records (
	seq INTEGER PRIMARY KEY,
	conn TEXT NOT NULL, stream TEXT NOT NULL, key TEXT NOT NULL,
	kind TEXT NOT NULL, ikind TEXT NOT NULL DEFAULT '',
	fields BLOB NOT NULL, links BLOB, data BLOB,
	updated_at INTEGER NOT NULL DEFAULT 0,
	customer INTEGER NOT NULL DEFAULT 0,
	UNIQUE (conn, stream, key)
);
CREATE INDEX IF NOT EXISTS records_customer ON records (customer);
CREATE TABLE IF NOT EXISTS idents (
	type TEXT NOT NULL, value TEXT NOT NULL, kind TEXT NOT NULL, seq INTEGER NOT NULL,
	rule TEXT NOT NULL, glue INTEGER NOT NULL,
	PRIMARY KEY (type, value, kind, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idents_seq ON idents (seq);
CREATE TABLE IF NOT EXISTS customers (id INTEGER PRIMARY KEY, merged_into INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS customers_merged ON customers (merged_into);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`

// metaDequeued is the index's Meta key of the last queue item indexed.
// Tx.Dequeue sets it in the index's transaction; the queue drops the
// items up to it after that commits (and at the next open, had the
// process stopped in between).
const metaDequeued = "queue_dequeued"

// Open opens (creating it if needed) the index file at path for writing.
func Open(path string) (*Store, error) {
	return open(path, false)
}

// OpenReadOnly opens an index file for reading beside a writer.
func OpenReadOnly(path string) (*Store, error) {
	return open(path, true)
}

func open(path string, readOnly bool) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open customer index %s: %w", path, err)
	}
	uri := uriOf(abs)
	const common = "_busy_timeout=5000&_synchronous=NORMAL&_cache_size=-262144"
	s := &Store{}
	if !readOnly {
		if err := createPrivate(abs); err != nil {
			return nil, fmt.Errorf("open customer index %s: %w", path, err)
		}
		if s.w, err = sql.Open("sqlite3", uri+common+"&_txlock=immediate"); err != nil {
			return nil, fmt.Errorf("open customer index %s: %w", path, err)
		}
		s.w.SetMaxOpenConns(1)
		if err := setUpWriter(s.w); err != nil {
			_ = s.w.Close()
			return nil, fmt.Errorf("open customer index %s: %w", path, err)
		}
		if _, err := s.w.Exec(schema); err != nil {
			_ = s.w.Close()
			return nil, fmt.Errorf("open customer index %s: create tables: %w", path, err)
		}
		var taken int64
		if err := s.run(context.Background(), s.w, func(t identity.Tx) (err error) {
			taken, err = dequeued(context.Background(), t.(*tx))
			return err
		}); err != nil {
			_ = s.w.Close()
			return nil, fmt.Errorf("open customer index %s: %w", path, err)
		}
		if s.q, err = openLog(QueuePath(abs), taken); err != nil {
			_ = s.w.Close()
			return nil, fmt.Errorf("open customer index queue %s: %w", QueuePath(path), err)
		}
	}
	if s.r, err = sql.Open("sqlite3", uri+common+"&mode=ro&_query_only=on"); err != nil {
		if s.w != nil {
			_ = s.w.Close()
			_ = s.q.close()
		}
		return nil, fmt.Errorf("open customer index %s: %w", path, err)
	}
	if readOnly {
		if err := s.r.Ping(); err != nil {
			_ = s.r.Close()
			return nil, fmt.Errorf("open customer index %s: %w", path, err)
		}
	}
	return s, nil
}

// newPageSize is the page size of a new index file (a file keeps the one
// it was made with). Most of what indexing writes lands at random places
// of two B-trees, the identifiers' and the records' customer index, so a
// transaction of 4,000 records dirties thousands of pages, each written
// to the WAL with two system calls and copied again at the checkpoint:
// with 16 KB pages instead of SQLite's 4 KB there are fewer of them, and
// fewer levels to walk (about 10% less CPU for 1,000,000 records).
const newPageSize = 16384

// walBytes is how much the WAL grows to between checkpoints.
const walBytes = 64 << 20

// setUpWriter readies the writer's connection: newPageSize pages for a new
// file (which only a file not yet in WAL mode can take), WAL mode, a
// checkpoint every walBytes, and a page cache of 128 MB with 16 KB pages
// (with them, 256 MB held about twice the memory, and saved no CPU) or
// the DSN's 256 MB with smaller ones.
func setUpWriter(db *sql.DB) error {
	if _, err := db.Exec(fmt.Sprintf(`PRAGMA page_size = %d`, newPageSize)); err != nil {
		return fmt.Errorf("set page size: %w", err)
	}
	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode = WAL`).Scan(&mode); err != nil {
		return fmt.Errorf("set WAL mode: %w", err)
	}
	if mode != "wal" {
		return fmt.Errorf("set WAL mode: the journal mode is %s", mode)
	}
	var size int
	if err := db.QueryRow(`PRAGMA page_size`).Scan(&size); err != nil {
		return fmt.Errorf("read page size: %w", err)
	}
	if size <= 0 {
		return fmt.Errorf("page size %d", size)
	}
	pragmas := fmt.Sprintf(`PRAGMA wal_autocheckpoint = %d`, walBytes/size)
	if size >= 16384 {
		pragmas += `; PRAGMA cache_size = -131072`
	}
	if _, err := db.Exec(pragmas); err != nil {
		return fmt.Errorf("set %s: %w", pragmas, err)
	}
	return nil
}

// uriOf is the sqlite3 URI of a file path, ready for its parameters.
func uriOf(abs string) string {
	return "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(abs)) + "?"
}

// Close closes the files.
func (s *Store) Close() error {
	var err error
	if s.w != nil {
		err = s.w.Close()
		s.w = nil
	}
	if s.q != nil {
		if e := s.q.close(); err == nil {
			err = e
		}
		s.q = nil
	}
	if s.r != nil {
		if e := s.r.Close(); err == nil {
			err = e
		}
		s.r = nil
	}
	return err
}

// Update runs fn in one write transaction.
func (s *Store) Update(ctx context.Context, fn func(identity.Tx) error) error {
	if s.w == nil {
		return fmt.Errorf("customer index is open read-only")
	}
	return s.run(ctx, s.w, fn)
}

// View runs fn in one read transaction.
func (s *Store) View(ctx context.Context, fn func(identity.Tx) error) error {
	return s.run(ctx, s.r, fn) // WAL: reads see every commit, never wait for the writer
}

func (s *Store) run(ctx context.Context, db *sql.DB, fn func(identity.Tx) error) error {
	sqlTx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	t := &tx{ctx: ctx, tx: sqlTx, stmts: map[string]*sql.Stmt{}}
	defer t.closeStmts()
	if err := fn(t); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if t.dequeued > 0 {
		// Indexed and committed: the queue lets go of them. (Should the
		// file not shrink, its next open drops them: the index says so.)
		_ = s.q.take(t.dequeued)
	}
	return nil
}

// createPrivate creates the index file, empty and readable by its owner
// only (0600), if it is missing: it holds every customer's name, email and
// phone, and SQLite would otherwise create it (and its -wal and -shm files,
// which take the database file's mode) with the umask's permissions.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create the file: %w", err)
	}
	return f.Close()
}
