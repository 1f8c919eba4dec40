package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/cxhub/cxhub/core/identity"
	"github.com/cxhub/cxhub/core/identity/identitytest"
	"github.com/cxhub/cxhub/core/identity/sqlite"
)

func TestAcceptance(t *testing.T) {
	identitytest.Run(t, func(t *testing.T) identity.Store {
		s, err := sqlite.Open(filepath.Join(t.TempDir(), "cxhub.customers.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestPath(t *testing.T) {
	if got := sqlite.Path("/var/lib/cxhub/state.db"); got != "/var/lib/cxhub/state.customers.db" {
		t.Errorf("Path = %q", got)
	}
}

// The index holds every customer's name, email and phone: its file and the
// -wal and -shm files beside it are readable by their owner only, whatever
// the umask and the directory's mode.
func TestIndexFilesArePrivate(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "cxhub.customers.db")
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode&0o077 != 0 {
			t.Errorf("%s has mode %v: others may read it", filepath.Base(p), mode)
		}
	}
}

// TestQueueSurvivesReopenAndDropsATornFrame: queued items are there after
// the store is opened again (as after a crash), those the index took are
// not, and a frame cut short at the end (a crash mid-write) is dropped.
func TestQueueSurvivesReopenAndDropsATornFrame(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cxhub.customers.db")
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"one", "two", "three"} {
		if _, err := s.Enqueue(ctx, []byte(d)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Update(ctx, func(tx identity.Tx) error { _, err := tx.Dequeue(1); return err }); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(sqlite.QueuePath(path), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte{4, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 1, 2}); err != nil { // seq 4, cut short
		t.Fatal(err)
	}
	f.Close()

	s, err = sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	items, err := s.Queued(ctx, 0, 10)
	if err != nil || len(items) != 2 || string(items[0].Data) != "two" || string(items[1].Data) != "three" || items[1].Seq != 3 {
		t.Fatalf("after reopening: %+v %v", items, err)
	}
	if seq, err := s.Enqueue(ctx, []byte("four")); err != nil || seq != 4 {
		t.Errorf("enqueue after the torn frame: %d %v", seq, err)
	}
	if items, _ := s.Queued(ctx, 0, 10); len(items) != 3 || string(items[2].Data) != "four" {
		t.Errorf("the torn frame was not replaced: %+v", items)
	}
}

// TestPageSize: a new index file gets 16 KB pages; a file made with
// SQLite's 4 KB pages keeps them and opens as before.
func TestPageSize(t *testing.T) {
	pageSize := func(path string) int {
		t.Helper()
		db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int
		if err := db.QueryRow(`PRAGMA page_size`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	dir := t.TempDir()
	fresh := filepath.Join(dir, "new.customers.db")
	s, err := sqlite.Open(fresh)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := pageSize(fresh); n != 16384 {
		t.Errorf("a new file's page size is %d, want 16384", n)
	}

	old := filepath.Join(dir, "old.customers.db")
	db, err := sql.Open("sqlite3", "file:"+old+"?_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = sqlite.Open(old)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Update(context.Background(), func(tx identity.Tx) error { return tx.SetMeta("k", "v") }); err != nil {
		t.Fatal(err)
	}
	if n := pageSize(old); n != 4096 {
		t.Errorf("an existing file's page size is %d, want 4096 (kept)", n)
	}
}
