package sqlite_test

import (
	"context"
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
	items, err := s.Queued(ctx, 10)
	if err != nil || len(items) != 2 || string(items[0].Data) != "two" || string(items[1].Data) != "three" || items[1].Seq != 3 {
		t.Fatalf("after reopening: %+v %v", items, err)
	}
	if seq, err := s.Enqueue(ctx, []byte("four")); err != nil || seq != 4 {
		t.Errorf("enqueue after the torn frame: %d %v", seq, err)
	}
	if items, _ := s.Queued(ctx, 10); len(items) != 3 || string(items[2].Data) != "four" {
		t.Errorf("the torn frame was not replaced: %+v", items)
	}
}
