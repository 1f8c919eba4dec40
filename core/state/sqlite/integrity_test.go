package sqlite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// filledStore writes n links and closes the store cleanly.
func filledStore(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cxhub.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	links := make([]Link, 0, n)
	for i := range n {
		links = append(links, lk("crm", "contacts", fmt.Sprintf("key-%06d", i), "desk", "users", fmt.Sprintf("id-%06d", i)))
	}
	mustCommit(t, s, Commit{Links: links})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestOpenRefusesDamagedPages: 200 bytes flipped past the first page of a
// state file at rest (the file's header still looks right) are found at the
// next open, which refuses the file and writes nothing to it, leaving no
// -wal or -shm behind.
func TestOpenRefusesDamagedPages(t *testing.T) {
	path := filepath.Join(filledStore(t, 20000))
	b := readFile(t, path)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		i := 4096 + rng.IntN(len(b)-4096)
		b[i] ^= 0xff
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path)
	if !errors.Is(err, ErrDamaged) {
		t.Fatalf("Open of a damaged file = %v, want ErrDamaged", err)
	}
	if got := readFile(t, path); !bytes.Equal(got, b) {
		t.Fatal("the damaged file was written to")
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(path + suffix); err == nil {
			t.Errorf("the refused open left %s beside the file", suffix)
		}
	}
	if _, err := OpenReadOnly(path); !errors.Is(err, ErrDamaged) {
		t.Fatalf("OpenReadOnly of a damaged file = %v, want ErrDamaged", err)
	}
}

// TestIntegrityCheckOnlyWhenNeeded: a file a clean close left is opened
// without the check; one whose writer died, or that changed since, is
// checked.
func TestIntegrityCheckOnlyWhenNeeded(t *testing.T) {
	path := filledStore(t, 100)
	open := func() int64 {
		t.Helper()
		before := quickChecks.Load()
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		return quickChecks.Load() - before
	}
	if n := open(); n != 0 {
		t.Errorf("a cleanly closed file was checked %d times", n)
	}
	// The writer dies: no clean mark.
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	mustCommit(t, s, Commit{Links: []Link{lk("a", "s", "k", "b", "t", "i")}})
	if _, err := os.Stat(cleanMarkPath(path)); err == nil {
		t.Fatal("the clean mark stays while the file is written")
	}
	s.lock.Close() // as if the process had died: the lock goes, no mark is left
	s.lock = nil
	s.Close()
	if n := open(); n != 1 {
		t.Errorf("a file whose writer died was checked %d times, want 1", n)
	}
	// Something else changes the file at rest.
	if n := open(); n != 0 {
		t.Fatalf("checked again after a clean close: %d", n)
	}
	if err := os.Chtimes(path, filepathTime(t, path).Add(1e9), filepathTime(t, path).Add(1e9)); err != nil {
		t.Fatal(err)
	}
	if n := open(); n != 1 {
		t.Errorf("a file changed at rest was checked %d times, want 1", n)
	}
	ctx := context.Background()
	r, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if n, _ := r.CountLinks(ctx); n != 101 {
		t.Errorf("links = %d, want 101", n)
	}
}

// TestDamageMetWhileOpenStopsTheStore: pages damaged while the store is
// open (a bad disk, a stray write) are met by the next statement that
// reads them: the store reports ErrDamaged, refuses every call from then
// on, writes nothing more, and leaves no clean mark, so that the next Open
// checks the file and refuses it.
func TestDamageMetWhileOpenStopsTheStore(t *testing.T) {
	path := filledStore(t, 20000)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	// Every page of the second half gets an invalid b-tree page type: a
	// damage SQLite recognises as soon as it reads the page.
	const pageSize = 4096
	for off := (fi.Size() / 2 / pageSize) * pageSize; off < fi.Size(); off += pageSize {
		if _, err := f.WriteAt([]byte{0x5a}, off); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.CountLinks(ctx); !errors.Is(err, ErrDamaged) {
		t.Fatalf("counting links over damaged pages: %v, want ErrDamaged", err)
	}
	if err := s.Commit(ctx, Commit{Links: []Link{lk("crm", "contacts", "new", "desk", "users", "n1")}}); !errors.Is(err, ErrDamaged) {
		t.Fatalf("a commit after damage was met: %v, want ErrDamaged", err)
	}
	if _, err := s.Checkpoints(ctx, "p"); !errors.Is(err, ErrDamaged) {
		t.Fatalf("a read after damage was met: %v, want ErrDamaged", err)
	}
	_ = s.Close()
	if _, err := os.Stat(cleanMarkPath(path)); err == nil {
		t.Fatal("the store left a clean mark after meeting damage: the next Open would skip the check")
	}
	if s2, err := Open(path); !errors.Is(err, ErrDamaged) {
		if s2 != nil {
			s2.Close()
		}
		t.Fatalf("reopening the damaged file: %v, want ErrDamaged", err)
	}
}

// TestOpenCallsADamagedSchemaDamage: a cxhub state whose schema page (the
// first page, past SQLite's header) is damaged is refused as a damaged
// state, with the integrity advice, not as somebody else's file.
func TestOpenCallsADamagedSchemaDamage(t *testing.T) {
	path := filledStore(t, 100)
	b := readFile(t, path)
	for i := 100; i < 4096; i++ {
		b[i] = 0x5a
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path)
	if !errors.Is(err, ErrDamaged) || errors.Is(err, ErrNotStateDatabase) {
		t.Fatalf("Open of a state with a damaged schema = %v, want ErrDamaged", err)
	}
	if !bytes.Equal(readFile(t, path), b) {
		t.Fatal("the damaged file was written to")
	}
}
