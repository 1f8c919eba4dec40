package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/cxhub/cxhub/core/state"
	sqlite3 "github.com/mattn/go-sqlite3"
)

// openError is a refusal by Open: its message is meant for the operator as
// is, and errors.Is matches its kind (ErrNotStateDatabase, ErrNewerSchema).
type openError struct {
	msg   string
	kind  error
	cause error
}

func (e *openError) Error() string        { return e.msg }
func (e *openError) Is(target error) bool { return target == e.kind }
func (e *openError) Unwrap() error        { return e.cause }

func notOurs(path string, cause error) error {
	return &openError{
		msg:   fmt.Sprintf("state file %s is not a cxhub state database: %v", path, cause),
		kind:  ErrNotStateDatabase,
		cause: cause,
	}
}

func newerSchema(path string, version int) error {
	return &openError{
		msg: fmt.Sprintf("state file %s was written by a newer cxhub (schema version %d; this cxhub knows up to %d): use that cxhub, or a backup",
			path, version, len(migrations)),
		kind: ErrNewerSchema,
	}
}

// applicationID is stamped into the file header (PRAGMA application_id) by
// the first migration: "cxhb". It tells our files from other SQLite files.
const applicationID = 0x63786862

const sqliteMagic = "SQLite format 3\x00"

// Store is an open state file. It is safe for concurrent use.
type Store struct {
	path string
	real string // the file path resolves to, for a writer
	// lock holds the writer lock (see lock.go); nil for a read-only store.
	lock *os.File
	// readParams prefix the read pool's SQLite URI parameters: see
	// readOnlyParams, for a file this user cannot write; else empty.
	readParams string
	// damage records a corruption any connection met: the store then
	// refuses every call (guard.go).
	damage damage

	// w is the only connection that writes. SQLite admits one writer at a
	// time anyway: with one connection, concurrent writers queue in Go (and
	// honour their contexts) instead of spinning on SQLITE_BUSY, and a
	// transaction can never fail to upgrade a read lock to a write lock.
	w *sql.DB
	// r serves reads. In WAL mode readers never block the writer nor wait
	// for it, so lookups of one pipeline run beside another's commits.
	r *sql.DB

	// Prepared statements of the hot paths (database/sql prepares them
	// again by itself on a new connection). On w:
	upsertCheckpoint *sql.Stmt
	insertDeadLetter *sql.Stmt
	retryDeadLetter  *sql.Stmt
	replayDeadLetter *sql.Stmt
	// discardDeadLetter resolves a dead letter that a replay filtered out.
	discardDeadLetter *sql.Stmt
	addCounts         *sql.Stmt
	stmtMu            sync.Mutex
	upsertLinks       map[linkStmtKey]*sql.Stmt // see linkStmts; guarded by stmtMu
	// On r:
	lookupLinks, lookupLinksForward, lookupLinksReverse *sql.Stmt
	// routes knows which routes have links, to skip lookups.
	routes linkRoutes

	closeOnce sync.Once
	closeErr  error
}

// readConns is the size of the read pool: enough for a few pipelines, the
// server and the CLI reading at once; each connection costs a page cache.
const readConns = 4

// errReadOnly is returned by the write methods of a read-only store.
var errReadOnly = errors.New("the state was opened read-only")

// Open opens the state file at path for writing, creating it (mode 0600, in
// a directory created 0700 if missing) and migrating its schema to the
// current version.
//
// The Store is the file's only writer until Close: Open takes an exclusive
// lock on the file itself (see lock.go), so a second writer — through any
// path, symlink or hard link to the same file — is refused with an error
// matching state.ErrLocked that names the holder. Holding the lock proves
// that no other process writes the file, so runs still marked running were
// left by a process that died: Open marks them interrupted.
//
// It refuses, without writing to it, a file that is not a cxhub state
// database (errors.Is(err, ErrNotStateDatabase)) — an existing empty file
// included: cxhub never leaves one, so it is a truncated state, not a new
// one — and a file written by a newer cxhub (errors.Is(err, ErrNewerSchema)).
func Open(path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("state: open: no path given")
	}
	if err := checkWritable(path); err != nil {
		return nil, err
	}
	if err := prepareFile(path); err != nil {
		return nil, err
	}
	lock, real, err := lockFile(path)
	if errors.Is(err, errLocked) {
		return nil, lockedError(path, real)
	}
	if err != nil {
		return nil, err
	}
	s := &Store{path: path, lock: lock, real: real, damage: damage{path: path}}
	ok := false
	sidecars := existingSidecars(real)
	defer func() {
		if !ok {
			s.Close()
			removeNewSidecars(real, sidecars)
		}
	}()
	// Look before touching: opening read-write in WAL mode rewrites the
	// header, so the file is first judged through a read-only connection,
	// and checked for damage unless a clean close left it (integrity.go).
	clean := takeCleanMark(real)
	if err := probe(path); err != nil {
		return nil, err
	}
	if !clean {
		if err := quickCheck(path); err != nil {
			return nil, err
		}
	}
	if err := s.openWriter(); err != nil {
		return nil, err
	}
	if err := s.openReaders(); err != nil {
		return nil, err
	}
	ctx := context.Background()
	if err := s.prepare(ctx); err != nil {
		return nil, fmt.Errorf("state: open %s: %w", path, err)
	}
	if err := s.writeHolder(ctx); err != nil {
		return nil, fmt.Errorf("state: open %s: record the writer: %w", path, err)
	}
	if _, err := s.InterruptRunning(ctx); err != nil {
		return nil, err
	}
	if err := s.releaseLeftOverLeases(ctx); err != nil {
		return nil, err
	}
	ok = true
	return s, nil
}

// OpenReadOnly opens an existing state file for reading only, whether or
// not a writer holds it: what read-only commands (runs, dead letters,
// checkpoints) use, so they work beside a running sync. If no writer holds
// the file, it is first brought up to date (created if missing, migrated,
// and left-over runs marked interrupted) as by Open, so that what it shows
// is true.
func OpenReadOnly(path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("state: open: no path given")
	}
	w, err := Open(path) // creates a missing file: nothing has run yet, so there is nothing to show

	readOnly := false // this user cannot write the state: read it as it is
	switch {
	case err == nil:
		if err := w.Close(); err != nil {
			return nil, err
		}
	case errors.Is(err, state.ErrLocked):
		// A writer is at work: it has migrated the file and owns its runs.
	case errors.Is(err, ErrNotWritable):
		if _, serr := os.Stat(path); errors.Is(serr, fs.ErrNotExist) {
			return nil, fmt.Errorf("state: no state file at %s yet (nothing has run with this config), and this user cannot create it: %w", path, err)
		}
		if err := canRead(path); err != nil {
			return nil, err
		}
		readOnly = true
	default:
		return nil, err
	}
	if err := probe(path); err != nil {
		return nil, err
	}
	s := &Store{path: path, damage: damage{path: path}}
	if readOnly {
		s.readParams = readOnlyParams(path)
	}
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()
	if err := s.openReaders(); err != nil {
		return nil, err
	}
	if readOnly {
		if err := s.checkCurrentSchema(); err != nil {
			return nil, err
		}
	}
	if err := s.prepare(context.Background()); err != nil {
		return nil, fmt.Errorf("state: open %s: %w", path, err)
	}
	ok = true
	return s, nil
}

// checkCurrentSchema refuses a file, read by a user who cannot migrate it,
// whose schema is older than this cxhub's: its queries would fail on it.
func (s *Store) checkCurrentSchema() error {
	var version int
	if err := s.r.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("state: open %s: read schema version: %w", s.path, err)
	}
	if version < len(migrations) {
		return fmt.Errorf("state: state file %s has schema version %d and this cxhub needs %d: "+
			"the file must be brought up to date by a user who can write it (any cxhub command run as its owner does it); "+
			"this user can only read it", s.path, version, len(migrations))
	}
	return nil
}

// openWriter opens the one connection that writes, and migrates the file.
func (s *Store) openWriter() error {
	// Pragmas, for every connection:
	//   - journal_mode=WAL: readers and the writer do not block each other,
	//     and a commit is one sequential append to the -wal file.
	//   - synchronous=NORMAL: in WAL mode a commit is not fsynced, the WAL is
	//     at checkpoints. That is durable against process crashes (the
	//     committed frames are in the OS page cache and survive the process);
	//     a power loss or kernel crash can roll back only whole, recent
	//     transactions, never tear one. Because a checkpoint commits together
	//     with the links and dead letters of every record before it, such a
	//     rollback only moves the pipeline back to an earlier consistent
	//     point: the engine re-delivers from there, and idempotent
	//     destinations (and the links) absorb the repeat. FULL would cost an
	//     fsync per batch for no change in the guarantee.
	//   - busy_timeout=5000: a reader checkpointing the WAL is waited for.
	//   - foreign_keys=on: dead letters must point at a real run.
	//   - _txlock=immediate: write transactions take the write lock at BEGIN,
	//     so they wait in busy_timeout rather than fail on upgrade.
	s.w = openGuarded(dsn(s.path,
		"_busy_timeout=5000&_journal_mode=WAL&_synchronous=NORMAL&_foreign_keys=on&_txlock=immediate"+cacheParams), &s.damage)
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)
	return migrate(context.Background(), s.w, s.path)
}

// openReaders opens the read pool; query_only makes sure nothing writes
// through it. For a writer, it is opened after the writer has set WAL mode
// and migrated.
func (s *Store) openReaders() error {
	s.r = openGuarded(dsn(s.path, s.readParams+"_busy_timeout=5000&_synchronous=NORMAL&_foreign_keys=on&_query_only=on"+cacheParams), &s.damage)
	s.r.SetMaxOpenConns(readConns)
	s.r.SetMaxIdleConns(readConns)
	s.r.SetConnMaxLifetime(0)
	s.r.SetConnMaxIdleTime(0)
	return nil
}

// Path returns the path the store was opened with.
func (s *Store) Path() string { return s.path }

// Location returns the path the store was opened with.
func (s *Store) Location() string { return s.path }

// Close closes the store. The last connection to close checkpoints the WAL
// into the main file. Close is idempotent.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		stmts := []*sql.Stmt{s.upsertCheckpoint, s.insertDeadLetter,
			s.retryDeadLetter, s.replayDeadLetter, s.discardDeadLetter, s.addCounts,
			s.lookupLinks, s.lookupLinksForward, s.lookupLinksReverse}
		s.stmtMu.Lock()
		for _, st := range s.upsertLinks {
			stmts = append(stmts, st)
		}
		s.upsertLinks = nil
		s.stmtMu.Unlock()
		for _, st := range stmts {
			if st != nil {
				errs = append(errs, st.Close())
			}
		}
		if s.r != nil {
			errs = append(errs, s.r.Close())
		}
		if s.w != nil {
			errs = append(errs, s.w.Close())
		}
		// The lock goes last, once SQLite has closed the file: see lock.go.
		if s.lock != nil {
			if errors.Join(errs...) == nil && s.damage.err() == nil {
				leaveCleanMark(s.real)
			}
			errs = append(errs, s.lock.Close())
		}
		if err := errors.Join(errs...); err != nil {
			s.closeErr = fmt.Errorf("state: close %s: %w", s.path, err)
		}
	})
	return s.closeErr
}

// prepare prepares the statements of the hot paths once; database/sql
// re-prepares them transparently if a connection is replaced.
func (s *Store) prepare(ctx context.Context) error {
	var err error
	prep := func(db *sql.DB, query string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		st, err = db.PrepareContext(ctx, query)
		return st
	}
	s.lookupLinks = prep(s.r, sqlLookupLinks)
	s.lookupLinksForward = prep(s.r, sqlLookupLinksForward)
	s.lookupLinksReverse = prep(s.r, sqlLookupLinksReverse)
	if s.w == nil {
		return err // read-only
	}
	s.upsertCheckpoint = prep(s.w, sqlUpsertCheckpoint)
	s.insertDeadLetter = prep(s.w, sqlInsertDeadLetter)
	s.retryDeadLetter = prep(s.w, sqlRetryDeadLetter)
	s.replayDeadLetter = prep(s.w, sqlReplayDeadLetter)
	s.discardDeadLetter = prep(s.w, sqlDiscardDeadLetter)
	s.addCounts = prep(s.w, sqlAddCounts)
	return err
}

// cacheParams sizes each connection's page cache: 16 MiB rather than
// SQLite's 2 MiB, so that the links b-trees of some 100k links stay
// cached (pages beyond are read from the OS page cache).
const cacheParams = "&_cache_size=-16384"

// dsn builds a mattn/go-sqlite3 URI for path. The path is escaped so that
// '?', '#' and '%' in it are not taken for URI syntax.
func dsn(path, params string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(abs))
	return "file:" + esc + "?" + params
}

// prepareFile creates the parent directory (0700) and the file (0600) if
// missing, so that SQLite opens a file with our permissions (its -wal and
// -shm files take the database file's mode), and refuses an existing file
// that does not start with the SQLite header.
func prepareFile(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		if denied(err) {
			return notWritable(path, "directory", dir, err)
		}
		return fmt.Errorf("state: create directory for %s: %w", path, err)
	}
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return createFile(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("state: open %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("state: open %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return notOurs(path, fmt.Errorf("not a regular file (%s)", fi.Mode().Type()))
	}
	hdr := make([]byte, len(sqliteMagic))
	n, err := io.ReadFull(f, hdr)
	switch {
	case n == 0 && errors.Is(err, io.EOF):
		// cxhub creates the file and its schema at once and never leaves it
		// empty: an empty file is a state that was truncated or replaced,
		// and taking it for a new one would forget every checkpoint and
		// link (a full re-read, duplicates in link-based destinations).
		return notOurs(path, errors.New("it is empty (0 bytes), which cxhub never leaves a state file: "+
			"it was truncated or replaced; restore it from a backup, or delete it to start afresh "+
			"(every pipeline then reads everything again)"))
	case err != nil && !errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("state: read %s: %w", path, err)
	case n < len(hdr) || !bytes.Equal(hdr, []byte(sqliteMagic)):
		return notOurs(path, errors.New("it is not an SQLite database (no SQLite header)"))
	}
	return nil
}

// headerApplicationID reads the application id SQLite keeps in the file
// header (4 bytes, big-endian, at offset 68), or 0.
func headerApplicationID(path string) uint32 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	var b [4]byte
	if _, err := f.ReadAt(b[:], 68); err != nil {
		return 0
	}
	return binary.BigEndian.Uint32(b[:])
}

// existingSidecars notes which of SQLite's -wal and -shm files exist.
func existingSidecars(real string) map[string]bool {
	out := map[string]bool{}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Lstat(real + suffix); err == nil {
			out[suffix] = true
		}
	}
	return out
}

// removeNewSidecars removes the -wal and -shm files a refused open made,
// so that a refusal leaves the directory as it found it.
func removeNewSidecars(real string, before map[string]bool) {
	if real == "" {
		return
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if !before[suffix] {
			_ = os.Remove(real + suffix)
		}
	}
}

// createFile makes a new state file with its schema, atomically: the file
// is built under a temporary name and linked into place complete, so that
// no process ever sees a state file without its schema (see prepareFile on
// empty files). If another process creates the file first, its file wins.
func createFile(path string) error {
	tmp := fmt.Sprintf("%s.new-%d", path, os.Getpid())
	_ = os.Remove(tmp)
	defer os.Remove(tmp)
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("state: create %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("state: create %s: %w", path, err)
	}
	db, err := sql.Open("sqlite3", dsn(tmp, "_journal_mode=WAL&_txlock=immediate"))
	if err != nil {
		return fmt.Errorf("state: create %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	err = migrate(context.Background(), db, tmp)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("state: create %s: %w", path, err)
	}
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("state: create %s: %w", path, err)
	}
	return nil
}

// probe judges the file through a read-only connection, which cannot change
// a byte of it: SQLite but not ours, or ours but newer, are refused here.
// migrate checks again under the write lock, in case another process
// changed the file in between.
func probe(path string) error {
	db, err := sql.Open("sqlite3", dsn(path, readOnlyParams(path)+"_busy_timeout=5000"))
	if err != nil {
		return fmt.Errorf("state: open %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	info, err := readSchemaInfo(ctx, db)
	if err != nil {
		return schemaReadError(path, err)
	}
	return info.check(path)
}

// schemaReadError is the error for a failure to read the schema: SQLite
// saying the file is not a database (or a damaged one) is a refusal. A
// damaged file whose header carries cxhub's application id is a damaged
// state, not somebody else's file.
func schemaReadError(path string, err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) && (se.Code == sqlite3.ErrNotADB || se.Code == sqlite3.ErrCorrupt) {
		if headerApplicationID(path) == applicationID {
			return damaged(path, err.Error())
		}
		return notOurs(path, err)
	}
	return fmt.Errorf("state: open %s: read schema version: %w", path, err)
}

// schemaInfo is what decides whether a file is ours.
type schemaInfo struct {
	version int
	appID   int64
	tables  []string // tables and views, without SQLite's own
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func readSchemaInfo(ctx context.Context, q queryer) (schemaInfo, error) {
	var info schemaInfo
	if err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&info.version); err != nil {
		return info, err
	}
	if err := q.QueryRowContext(ctx, "PRAGMA application_id").Scan(&info.appID); err != nil {
		return info, err
	}
	rows, err := q.QueryContext(ctx,
		"SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
	if err != nil {
		return info, err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return info, err
		}
		info.tables = append(info.tables, name)
	}
	return info, rows.Err()
}

// check refuses a file that is not ours or is newer than this code.
func (info schemaInfo) check(path string) error {
	switch {
	case info.appID != 0 && info.appID != applicationID:
		return notOurs(path, fmt.Errorf("it belongs to another application (application_id %#x)", info.appID))
	case info.version > len(migrations):
		return newerSchema(path, info.version)
	case info.appID == 0 && info.version != 0:
		return notOurs(path, fmt.Errorf("it has schema version %d but no cxhub application id", info.version))
	case info.version == 0 && len(info.tables) > 0:
		return notOurs(path, fmt.Errorf("it has tables of another application (%s)", strings.Join(info.tables, ", ")))
	}
	return nil
}

// ms converts a time to the file's representation: UTC unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// fromMS is the inverse of ms; 0 is the zero time.
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// nullMS is ms for an optional time: the zero time is NULL.
func nullMS(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

func nowMS() int64 { return time.Now().UnixMilli() }
