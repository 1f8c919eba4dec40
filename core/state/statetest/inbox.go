package statetest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/state"
)

func entry(conn, stream, key, delivery string) state.InboxEntry {
	return state.InboxEntry{Connection: conn, Stream: stream, Key: key, Op: "upsert",
		Data: []byte(fmt.Sprintf(`{"id":%q}`, key)), DeliveryID: delivery}
}

// testInboxAppendReadAndDedup: entries are stored durably in order, read
// per stream after an id, and a redelivery (same delivery id and key) is
// not stored twice.
func testInboxAppendReadAndDedup(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	n, err := s.AppendInbox(ctx, []state.InboxEntry{
		entry("crm", "contacts", "1", "d1"), entry("crm", "contacts", "2", "d1"),
		entry("crm", "companies", "9", "d2"), entry("desk", "users", "1", ""),
	})
	if err != nil || n != 4 {
		t.Fatalf("AppendInbox = %d, %v; want 4 new", n, err)
	}
	// The vendor sends delivery d1 again, with one more record.
	n, err = s.AppendInbox(ctx, []state.InboxEntry{entry("crm", "contacts", "1", "d1"), entry("crm", "contacts", "3", "d1")})
	if err != nil || n != 1 {
		t.Fatalf("redelivery: AppendInbox = %d, %v; want 1 new", n, err)
	}
	// Without a delivery id nothing is taken for a replay.
	if n, err = s.AppendInbox(ctx, []state.InboxEntry{entry("desk", "users", "1", "")}); err != nil || n != 1 {
		t.Fatalf("no delivery id: AppendInbox = %d, %v; want 1 new", n, err)
	}
	got, err := s.ReadInbox(ctx, "crm", "contacts", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for i, e := range got {
		keys = append(keys, e.Key)
		if e.ID <= 0 || (i > 0 && e.ID <= got[i-1].ID) {
			t.Errorf("ids not increasing: %+v", got)
		}
		if e.ReceivedAt.IsZero() || e.Op != "upsert" || string(e.Data) != fmt.Sprintf(`{"id":%q}`, e.Key) {
			t.Errorf("entry %d = %+v", i, e)
		}
	}
	if fmt.Sprint(keys) != "[1 2 3]" {
		t.Fatalf("crm/contacts keys = %v, want [1 2 3]", keys)
	}
	after, err := s.ReadInbox(ctx, "crm", "contacts", got[0].ID, 1)
	if err != nil || len(after) != 1 || after[0].Key != "2" {
		t.Fatalf("ReadInbox after first, limit 1 = %+v, %v", after, err)
	}
	if users, _ := s.ReadInbox(ctx, "desk", "users", 0, 0); len(users) != 2 {
		t.Fatalf("desk/users = %d entries, want 2", len(users))
	}
	if _, err := s.AppendInbox(ctx, []state.InboxEntry{{Connection: "crm", Stream: "contacts", Key: "x", Op: "merge"}}); err == nil {
		t.Fatal("an entry with a bad op was accepted")
	}
}

// testInboxCursorMovesWithCommit: a pipeline's cursor moves only with a
// commit, forward only, and is per pipeline.
func testInboxCursorMovesWithCommit(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	if id, err := s.InboxCursor(ctx, "p"); err != nil || id != 0 {
		t.Fatalf("new cursor = %d, %v; want 0", id, err)
	}
	run := startRun(t, s, "p")
	mustCommit(t, s, state.Commit{RunID: run, Pipeline: "p", InboxCursor: 7, Counts: state.Counts{Read: 1}})
	mustCommit(t, s, state.Commit{RunID: run, Pipeline: "p", InboxCursor: 5})
	if id, _ := s.InboxCursor(ctx, "p"); id != 7 {
		t.Fatalf("cursor = %d, want 7 (never back)", id)
	}
	if id, _ := s.InboxCursor(ctx, "q"); id != 0 {
		t.Fatalf("other pipeline's cursor = %d, want 0", id)
	}
	if err := s.Commit(ctx, state.Commit{InboxCursor: 3}); err == nil {
		t.Fatal("a cursor without a pipeline was accepted")
	}
	// Atomic with the rest: a commit that fails moves no cursor.
	if err := s.Commit(ctx, state.Commit{RunID: run + 1000, Pipeline: "p", InboxCursor: 9, Counts: state.Counts{Read: 1}}); err == nil {
		t.Fatal("a commit to an unknown run was accepted")
	}
	if id, _ := s.InboxCursor(ctx, "p"); id != 7 {
		t.Fatalf("cursor after a failed commit = %d, want 7", id)
	}
}

// testInboxPrune removes entries received before a time, and only those.
func testInboxPrune(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	old := entry("crm", "contacts", "old", "")
	old.ReceivedAt = time.Now().Add(-48 * time.Hour)
	if _, err := s.AppendInbox(ctx, []state.InboxEntry{old, entry("crm", "contacts", "new", "")}); err != nil {
		t.Fatal(err)
	}
	n, err := s.PruneInbox(ctx, time.Now().Add(-24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("PruneInbox = %d, %v; want 1", n, err)
	}
	got, _ := s.ReadInbox(ctx, "crm", "contacts", 0, 0)
	if len(got) != 1 || got[0].Key != "new" {
		t.Fatalf("after prune: %+v", got)
	}
}

// testRecordsAnyBytes: a record's key and data are the vendor's bytes —
// NUL, bytes that are not UTF-8, a key of 10 kB — and a dead letter or a
// pushed record (without a delivery id) keeps them exactly: nothing of a
// record is lost because a backend's text type refuses it.
func testRecordsAnyBytes(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	run := startRun(t, s, "p")
	longKey := strings.Repeat("k\x00\xff", 3400) // 10 kB
	odd := []byte("{\"name\":\"caf\xe9\",\"nul\":\"a\x00b\"}")
	dl := state.DeadLetter{Stream: "s", Key: longKey, Op: "upsert", Data: odd, ErrorKind: "bad_record", Error: "refused"}
	if err := s.Commit(ctx, state.Commit{RunID: run, Pipeline: "p", DeadLetters: []state.DeadLetter{dl}}); err != nil {
		t.Fatalf("Commit of a dead letter with a 10 kB key and odd bytes: %v", err)
	}
	got, err := s.DeadLetters(ctx, state.DeadLetterFilter{Pipeline: "p"})
	if err != nil || len(got) != 1 || got[0].Key != longKey || !bytes.Equal(got[0].Data, odd) {
		t.Fatalf("dead letter read back: %d, %v; want its key and data exactly", len(got), err)
	}
	in := state.InboxEntry{Connection: "c", Stream: "s", Key: longKey, Op: "upsert", Data: odd}
	if n, err := s.AppendInbox(ctx, []state.InboxEntry{in}); err != nil || n != 1 {
		t.Fatalf("AppendInbox of a 10 kB key and odd bytes = %d, %v", n, err)
	}
	es, err := s.ReadInbox(ctx, "c", "s", 0, 0)
	if err != nil || len(es) != 1 || es[0].Key != longKey || !bytes.Equal(es[0].Data, odd) {
		t.Fatalf("inbox entry read back: %d, %v; want its key and data exactly", len(es), err)
	}
}
