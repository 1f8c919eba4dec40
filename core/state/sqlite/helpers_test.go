package sqlite

import (
	"context"
	"database/sql"
	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/core/state/statetest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// openTemp opens a new store in a fresh directory, closed at the test's end.
func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "cxhub.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func startRun(t testing.TB, s *Store, pipeline string) int64 {
	t.Helper()
	id, err := s.StartRun(context.Background(), pipeline)
	if err != nil {
		t.Fatalf("StartRun(%s): %v", pipeline, err)
	}
	return id
}

func mustCommit(t testing.TB, s *Store, c Commit) {
	t.Helper()
	if err := s.Commit(context.Background(), c); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}

// rawDB opens path with the driver directly, bypassing Open's checks.
func rawDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", dsn(path, "_busy_timeout=5000"))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	return db
}

func rawExec(t testing.TB, path string, stmts ...string) {
	t.Helper()
	db := rawDB(t, path)
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func pragmaInt(t testing.TB, path, pragma string) int64 {
	t.Helper()
	db := rawDB(t, path)
	defer db.Close()
	var v int64
	if err := db.QueryRow("PRAGMA " + pragma).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", pragma, err)
	}
	return v
}

// TestAcceptance runs the backend-agnostic state suite against SQLite.
func TestAcceptance(t *testing.T) {
	statetest.Run(t, func(t *testing.T) state.Store {
		s, err := Open(filepath.Join(t.TempDir(), "cxhub.db"))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	})
}

// lk is a link, in field order.
func lk(srcConn, srcStream, srcKey, dstConn, dstStream, dstID string) Link {
	return Link{SrcConnection: srcConn, SrcStream: srcStream, SrcKey: srcKey,
		DstConnection: dstConn, DstStream: dstStream, DstID: dstID}
}

func filepathTime(t testing.TB, path string) time.Time {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.ModTime()
}

// TestFingerprintsMigration: a state file of schema version 4 keeps its
// fingerprints when it is migrated (statetest.RunFingerprintsMigration).
func TestFingerprintsMigration(t *testing.T) {
	statetest.RunFingerprintsMigration(t, func(t *testing.T, links []state.Link, fps []statetest.V4Fingerprint) state.Store {
		path := filepath.Join(t.TempDir(), "cxhub.db")
		db := rawDB(t, path)
		for v, step := range migrations[:4] {
			if _, err := db.Exec(step); err != nil {
				t.Fatalf("migration %d: %v", v+1, err)
			}
		}
		if _, err := db.Exec("PRAGMA user_version = 4"); err != nil {
			t.Fatal(err)
		}
		for _, l := range links {
			if _, err := db.Exec(`INSERT INTO links (src_connection, src_stream, src_key, dst_connection, dst_stream, dst_id, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, 1, 1)`, l.SrcConnection, l.SrcStream, l.SrcKey, l.DstConnection, l.DstStream, l.DstID); err != nil {
				t.Fatal(err)
			}
		}
		for _, f := range fps {
			if _, err := db.Exec(`INSERT INTO fingerprints (scope, connection, stream, key, data, updated_at) VALUES (?, ?, ?, ?, ?, 1)`,
				f.Scope, f.Connection, f.Stream, f.Key, f.Data); err != nil {
				t.Fatal(err)
			}
		}
		db.Close()
		s, err := Open(path)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	})
}
