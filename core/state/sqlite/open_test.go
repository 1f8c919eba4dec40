package sqlite

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenCreatesPrivateFileAndDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "state")
	path := filepath.Join(dir, "cxhub.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Path() != path {
		t.Errorf("Path() = %q, want %q", s.Path(), path)
	}
	// Write something so that the WAL certainly exists.
	startRun(t, s, "p")

	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o700 {
		t.Errorf("directory mode = %o, want 700", got)
	}
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s mode = %o, want 600", filepath.Base(name), got)
		}
	}
	if mode := pragmaString(t, path, "journal_mode"); mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
}

func pragmaString(t *testing.T, path, pragma string) string {
	t.Helper()
	db := rawDB(t, path)
	defer db.Close()
	var v string
	if err := db.QueryRow("PRAGMA " + pragma).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestOpenConnectionPragmas(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	for name, db := range map[string]*sql.DB{"writer": s.w, "reader": s.r} {
		var fk, sync, busy int
		var mode string
		if err := db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if fk != 1 || sync != 1 || busy != 5000 || mode != "wal" {
			t.Errorf("%s: foreign_keys=%d synchronous=%d busy_timeout=%d journal_mode=%s, want 1 1(NORMAL) 5000 wal",
				name, fk, sync, busy, mode)
		}
	}
	if _, err := s.r.ExecContext(ctx, "DELETE FROM links"); err == nil {
		t.Error("the read pool accepted a write")
	}
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cxhub.db")
	ctx := context.Background()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	run := startRun(t, s, "p")
	mustCommit(t, s, Commit{
		RunID: run, Pipeline: "p",
		Links:       []Link{lk("crm", "contacts", "k1", "desk", "users", "u1")},
		Checkpoints: []Checkpoint{{Stream: "contacts", State: []byte(`{"cursor":7}`)}},
		DeadLetters: []DeadLetter{{Stream: "contacts", Key: "k2", Op: "upsert", Data: []byte(`{}`), ErrorKind: "bad_record", Error: "no email"}},
		Counts:      Counts{Read: 2, Written: 1, Created: 1, DeadLettered: 1},
	})
	if err := s.FinishRun(ctx, run, RunSucceeded, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cps, err := s.Checkpoints(ctx, "p")
	if err != nil || string(cps["contacts"]) != `{"cursor":7}` {
		t.Errorf("Checkpoints = %q, %v", cps, err)
	}
	links, err := s.LookupLinks(ctx, "crm", "contacts", "desk", "users", []string{"k1"})
	if err != nil || links["k1"] != "u1" {
		t.Errorf("LookupLinks = %v, %v", links, err)
	}
	if n, err := s.CountDeadLetters(ctx, "p", DeadLetterPending); err != nil || n != 1 {
		t.Errorf("CountDeadLetters = %d, %v", n, err)
	}
	r, err := s.Run(ctx, run)
	if err != nil || r.Status != RunSucceeded || r.Counts.Written != 1 {
		t.Errorf("Run = %+v, %v", r, err)
	}
}

// schemaDump is the file's schema as SQLite stores it, plus its header
// fields: what a migration changes.
func schemaDump(t *testing.T, path string) string {
	t.Helper()
	db := rawDB(t, path)
	defer db.Close()
	rows, err := db.Query("SELECT type, name, coalesce(sql, '') FROM sqlite_schema ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var typ, name, sql string
		if err := rows.Scan(&typ, &name, &sql); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %s %s\n", typ, name, sql)
	}
	var v, app int64
	db.QueryRow("PRAGMA user_version").Scan(&v)
	db.QueryRow("PRAGMA application_id").Scan(&app)
	fmt.Fprintf(&b, "user_version=%d application_id=%#x\n", v, app)
	return b.String()
}

func TestMigrationsIdempotentOnReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cxhub.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	first := schemaDump(t, path)
	if v := pragmaInt(t, path, "user_version"); v != int64(SchemaVersion()) || v < 1 {
		t.Fatalf("user_version = %d, want %d", v, SchemaVersion())
	}
	if app := pragmaInt(t, path, "application_id"); app != applicationID {
		t.Fatalf("application_id = %#x, want %#x", app, applicationID)
	}
	for _, table := range []string{"checkpoints", "runs", "dead_letters", "links"} {
		if !strings.Contains(first, "table "+table+" ") {
			t.Errorf("no table %s in\n%s", table, first)
		}
	}
	for i := 0; i < 3; i++ {
		s, err := Open(path)
		if err != nil {
			t.Fatalf("reopen %d: %v", i, err)
		}
		s.Close()
		if again := schemaDump(t, path); again != first {
			t.Fatalf("reopen %d changed the schema:\n%s\nwant\n%s", i, again, first)
		}
	}
}

// TestMigrationResumesFromOlderVersion adds a (broken, then fixed) step to
// the migrations: a failed step leaves the file at the previous version with
// nothing of the step, and the next Open applies the fixed step.
func TestMigrationResumesFromOlderVersion(t *testing.T) {
	if len(migrations) < 2 {
		// With one migration, "older" is the empty file, covered by Open
		// itself; the failure path is covered below.
		t.Log("only one migration: checking a failed migration leaves version 0")
	}
	path := filepath.Join(t.TempDir(), "cxhub.db")
	saved := migrations
	t.Cleanup(func() { migrations = saved })
	// A broken second step: its first statement succeeds, its second fails.
	// A file at the current version, which a newer cxhub then migrates.
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	migrations = append(append([]string(nil), saved...), `CREATE TABLE extra (x); INSERT INTO nowhere VALUES (1);`)
	if _, err := Open(path); err == nil {
		t.Fatal("Open with a failing migration succeeded")
	}
	// The good steps are committed, the broken one left nothing.
	if v := pragmaInt(t, path, "user_version"); v != int64(len(saved)) {
		t.Errorf("user_version = %d after a failed step, want %d", v, len(saved))
	}
	if dump := schemaDump(t, path); strings.Contains(dump, "extra") {
		t.Errorf("the failed step left its table:\n%s", dump)
	}
	// Fixed, it applies on the next open.
	migrations = append(append([]string(nil), saved...), `CREATE TABLE extra (x);`)
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if v := pragmaInt(t, path, "user_version"); v != int64(len(saved)+1) {
		t.Errorf("user_version = %d, want %d", v, len(saved)+1)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	newer := SchemaVersion() + 1
	for name, setup := range map[string]func(t *testing.T, path string){
		// A state file of ours, then migrated by a newer cxhub.
		"migrated by a newer cxhub": func(t *testing.T, path string) {
			s, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			rawExec(t, path, fmt.Sprintf("PRAGMA user_version = %d", newer))
		},
		// In rollback-journal mode: opening it for writing in WAL mode
		// would rewrite its header.
		"rollback journal": func(t *testing.T, path string) {
			rawExec(t, path, "PRAGMA journal_mode = DELETE", "CREATE TABLE future (x)",
				fmt.Sprintf("PRAGMA application_id = %d", applicationID),
				fmt.Sprintf("PRAGMA user_version = %d", newer+5))
		},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cxhub.db")
			setup(t, path)
			version := pragmaInt(t, path, "user_version")
			before := readFile(t, path)

			_, err := Open(path)
			if !errors.Is(err, ErrNewerSchema) {
				t.Fatalf("Open = %v, want ErrNewerSchema", err)
			}
			want := fmt.Sprintf("state file %s was written by a newer cxhub (schema version %d; this cxhub knows up to %d): use that cxhub, or a backup",
				path, version, SchemaVersion())
			if err.Error() != want {
				t.Errorf("error = %q\nwant    %q", err, want)
			}
			if !bytes.Equal(readFile(t, path), before) {
				t.Error("the refused file was modified")
			}
		})
	}
}

func TestOpenRefusesNotSQLite(t *testing.T) {
	random := make([]byte, 8192)
	if _, err := io.ReadFull(rand.Reader, random); err != nil {
		t.Fatal(err)
	}
	// A valid header, then garbage: SQLite itself must say no.
	fakeHeader := append([]byte(sqliteMagic), random[:4080]...)
	for name, content := range map[string][]byte{
		"random bytes":       random,
		"short text":         []byte("hello"),
		"SQLite header only": fakeHeader,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cxhub.db")
			if err := os.WriteFile(path, content, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Open(path)
			if !errors.Is(err, ErrNotStateDatabase) {
				t.Fatalf("Open = %v, want ErrNotStateDatabase", err)
			}
			if prefix := "state file " + path + " is not a cxhub state database: "; !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("error = %q, want prefix %q", err, prefix)
			}
			if !bytes.Equal(readFile(t, path), content) {
				t.Error("the refused file was modified")
			}
		})
	}
}

func TestOpenRefusesForeignSQLite(t *testing.T) {
	for name, stmts := range map[string][]string{
		"other tables":         {"CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT)", "INSERT INTO customers VALUES (1, 'a@b.c')"},
		"other application id": {"PRAGMA application_id = 42"},
		"versioned, no app id": {"CREATE TABLE things (x)", "PRAGMA user_version = 1"},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "other.db")
			rawExec(t, path, stmts...)
			before := readFile(t, path)
			_, err := Open(path)
			if !errors.Is(err, ErrNotStateDatabase) {
				t.Fatalf("Open = %v, want ErrNotStateDatabase", err)
			}
			if !strings.HasPrefix(err.Error(), "state file "+path+" is not a cxhub state database: ") {
				t.Errorf("error = %q", err)
			}
			if !bytes.Equal(readFile(t, path), before) {
				t.Error("the refused file was modified")
			}
		})
	}
}

// TestOpenAfterCrash copies the files of an open store, as a crash would
// leave them (main file, -wal, -shm), and opens the copy: every committed
// batch is there.
func TestOpenAfterCrash(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	run := startRun(t, s, "p")
	for i := 0; i < 20; i++ {
		mustCommit(t, s, Commit{RunID: run, Pipeline: "p",
			Links:       []Link{lk("a", "s", fmt.Sprint("k", i), "b", "s", fmt.Sprint("id", i))},
			Checkpoints: []Checkpoint{{Stream: "s", State: []byte(fmt.Sprint(i))}},
			Counts:      Counts{Read: 1, Written: 1}})
	}
	dir := t.TempDir()
	crashed := filepath.Join(dir, "cxhub.db")
	for _, suffix := range []string{"-wal", "-shm", ""} { // WAL first: it is what the main file lacks
		b, err := os.ReadFile(s.Path() + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(crashed+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c, err := Open(crashed)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cps, err := c.Checkpoints(ctx, "p")
	if err != nil || string(cps["s"]) != "19" {
		t.Errorf("checkpoint after crash = %q, %v", cps, err)
	}
	if n, _ := c.CountLinks(ctx); n != 20 {
		t.Errorf("links after crash = %d, want 20", n)
	}
	// The crashed run is interrupted by the next start.
	startRun(t, c, "p")
	if r, err := c.Run(ctx, run); err != nil || r.Status != RunInterrupted || r.Counts.Read != 20 {
		t.Errorf("crashed run = %+v, %v", r, err)
	}
}

func TestOpenPathWithURICharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "odd ?dir#%41", "cxhub.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	startRun(t, s, "p")
	s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the file is not where asked: %v", err)
	}
	if v := pragmaInt(t, path, "user_version"); v != int64(SchemaVersion()) {
		t.Errorf("user_version at %s = %d", path, v)
	}
}

// TestOpenRefusesEmptyFile: an existing empty file is a truncated state,
// not a new one (taking it for new would forget every checkpoint and link):
// it is refused, and left as it is.
func TestOpenRefusesEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cxhub.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path)
	if !errors.Is(err, ErrNotStateDatabase) || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("Open of an empty file = %v, want a refusal saying it is empty", err)
	}
	if _, err := OpenReadOnly(path); !errors.Is(err, ErrNotStateDatabase) {
		t.Fatalf("OpenReadOnly of an empty file = %v, want a refusal", err)
	}
	if b := readFile(t, path); len(b) != 0 {
		t.Fatalf("the refused file was written: %d bytes", len(b))
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(path + suffix); err == nil {
			t.Errorf("a refused open left %s beside the file", suffix)
		}
	}
}
