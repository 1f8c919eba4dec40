package engine

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/sdk"
)

// push stores sys's object id in the inbox of (connection, stream), as a
// verified webhook would: the record as sys's Read would emit it now.
func (w *twoWay) push(sys *fakeSystem, connection, stream, id string) {
	w.t.Helper()
	sys.mu.Lock()
	obj := map[string]any{"modified": sys.seq[id]}
	for k, v := range sys.objs[id] {
		obj[k] = v
	}
	at := time.Unix(int64(sys.seq[id]), 0)
	sys.mu.Unlock()
	data, _ := json.Marshal(obj)
	if _, err := w.store.AppendInbox(context.Background(), []state.InboxEntry{{Connection: connection, Stream: stream,
		Key: id, Op: sdk.Upsert.String(), Data: data, UpdatedAt: at}}); err != nil {
		w.t.Fatal(err)
	}
}

// conflictsOf returns the sync's conflicts, newest first.
func (w *twoWay) conflictsOf() []state.Conflict {
	w.t.Helper()
	cs, err := w.store.Conflicts(context.Background(), state.ConflictFilter{Sync: "people"})
	if err != nil {
		w.t.Fatal(err)
	}
	return cs
}

// TestTwoWayWebhookFedEditMeetsAConflict: an edit of a delivered by
// webhook, to a field b changed since the last sync, is a conflict: the
// field's rule (latest: b's later edit) decides, it is recorded, and a's
// value does not overwrite b's.
func TestTwoWayWebhookFedEditMeetsAConflict(t *testing.T) {
	w := newTwoWay(t)
	ctx := context.Background()
	w.a.put("c1", map[string]any{"email": "ann@example.com", "phone": "1", "first": "Ann", "last": "Lee"})
	w.round()
	w.b.clock = w.a.clock + 100 // b's edit is the latest
	w.a.put("c1", map[string]any{"phone": "from-a"})
	w.b.put("b-1", map[string]any{"phone": "from-b"})
	w.push(w.a, "crm", "contacts", "c1")
	toB := w.b.writeCount()
	res := w.runner.DeliverPushed(ctx, "people-a-to-b")
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if got := w.b.get("b-1")["phone"]; got != "from-b" || w.b.writeCount() != toB {
		t.Errorf("webhook-fed a→b wrote %d times; b's phone %v, want from-b kept (counts %+v)", w.b.writeCount()-toB, got, res.Counts)
	}
	cs := w.conflictsOf()
	if len(cs) != 1 || cs[0].Field != "phone" || cs[0].ValueA != `"from-a"` || cs[0].ValueB != `"from-b"` ||
		cs[0].Winner != "b" || cs[0].Pipeline != "people-a-to-b" {
		t.Fatalf("conflicts %+v, want phone's, won by b", cs)
	}
	// b → a carries b's value back without a second conflict; then all is quiet.
	if _, _, toA, _ := w.round(); toA != 1 || w.a.get("c1")["phone"] != "from-b" {
		t.Errorf("after the conflict: %d writes to a, a %v", toA, w.a.get("c1"))
	}
	if _, _, toA, toB := w.round(); toA != 0 || toB != 0 || len(w.conflictsOf()) != 1 {
		t.Errorf("then a round made %d writes to a and %d to b, %d conflicts", toA, toB, len(w.conflictsOf()))
	}
}

// TestTwoWayPeekSeesTheOtherSidesInbox: b's edit that only a webhook has
// told of yet (b's read does not show it, as Zendesk's export leaves out
// the last minute) is a change of the other side for a → b.
func TestTwoWayPeekSeesTheOtherSidesInbox(t *testing.T) {
	w := newTwoWay(t)
	w.a.put("c1", map[string]any{"email": "ann@example.com", "phone": "1", "first": "Ann", "last": "Lee"})
	w.round()
	w.b.clock = w.a.clock + 100
	w.a.put("c1", map[string]any{"phone": "from-a"})
	w.b.put("b-1", map[string]any{"phone": "from-b"})
	w.push(w.b, "desk", "users", "b-1")
	w.b.hide("b-1") // not in b's reads yet
	toB := w.b.writeCount()
	if res := w.runner.Sync(context.Background(), "people-a-to-b"); res.Err != nil {
		t.Fatal(res.Err)
	}
	if got := w.b.get("b-1")["phone"]; got != "from-b" || w.b.writeCount() != toB {
		t.Errorf("a→b wrote %d times; b's phone %v, want from-b kept", w.b.writeCount()-toB, got)
	}
	if cs := w.conflictsOf(); len(cs) != 1 || cs[0].Winner != "b" {
		t.Fatalf("conflicts %+v, want one won by b", cs)
	}
	w.b.hide("")
	if res := w.runner.DeliverPushed(context.Background(), "people-b-to-a"); res.Err != nil || w.a.get("c1")["phone"] != "from-b" {
		t.Errorf("b's webhook-fed edit: %+v, %v; a %v", res.Counts, res.Err, w.a.get("c1"))
	}
}

// TestTwoWayReplayMeetsAConflict: a dead letter of a → b replayed after b
// changed the same field is a conflict, settled by the field's rule.
func TestTwoWayReplayMeetsAConflict(t *testing.T) {
	w := newTwoWay(t)
	ctx := context.Background()
	w.a.put("c1", map[string]any{"email": "ann@example.com", "phone": "1", "first": "Ann", "last": "Lee"})
	w.round()
	w.a.put("c1", map[string]any{"phone": "from-a"})
	w.b.reject("b-1")
	if res := w.runner.Sync(ctx, "people-a-to-b"); res.Err != nil || res.Counts.DeadLettered != 1 {
		t.Fatalf("a→b: %+v, %v; want one dead letter", res.Counts, res.Err)
	}
	w.b.reject("")
	w.b.clock = w.a.clock + 100
	w.b.put("b-1", map[string]any{"phone": "from-b"})
	toB := w.b.writeCount()
	if res := w.runner.Replay(ctx, "people-a-to-b", nil); res.Err != nil {
		t.Fatal(res.Err)
	}
	if got := w.b.get("b-1")["phone"]; got != "from-b" || w.b.writeCount() != toB {
		t.Errorf("replay wrote %d times; b's phone %v, want from-b kept", w.b.writeCount()-toB, got)
	}
	if cs := w.conflictsOf(); len(cs) != 1 || cs[0].Winner != "b" || cs[0].ValueA != `"from-a"` {
		t.Fatalf("conflicts %+v, want phone's, won by b", cs)
	}
	dls, err := w.store.DeadLetters(ctx, state.DeadLetterFilter{Pipeline: "people-a-to-b", Status: state.DeadLetterPending})
	if err != nil || len(dls) != 0 {
		t.Errorf("pending dead letters after the replay: %+v, %v", dls, err)
	}
}

// hide makes reads leave out object id ("" for none).
func (s *fakeSystem) hide(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hidden = id
}

// reject makes writes to object id fail as a bad record ("" for none).
func (s *fakeSystem) reject(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejected = id
}

// TestTwoWayRecordCreatedOnSideB: an object created in b is created once
// in a, linked (on the link from side a, with the pair's fingerprint), and
// the sync settles without a duplicate on either side.
func TestTwoWayRecordCreatedOnSideB(t *testing.T) {
	w := newTwoWay(t)
	w.b.put("b-x", map[string]any{"email": "bee@example.com", "phone": "7", "name": "Bee"})
	if _, _, toA, toB := w.round(); toA != 1 || toB != 0 {
		t.Fatalf("first round: %d writes to a, %d to b; want the object created in a", toA, toB)
	}
	links, err := w.store.LookupLinks(context.Background(), "crm", "contacts", "desk", "users", []string{"a-1"})
	if err != nil || links["a-1"] != "b-x" {
		t.Fatalf("link of a-1: %v, %v", links, err)
	}
	q := state.FingerprintQuery{Scope: "people", SrcConnection: "crm", SrcStream: "contacts", DstConnection: "desk", DstStream: "users"}
	if fps, err := w.store.LookupFingerprints(context.Background(), q, []string{"a-1"}); err != nil || len(fps["a-1"]) == 0 {
		t.Fatalf("fingerprint on the link from a-1: %s, %v", fps, err)
	}
	w.round() // b gets the fields only a → b maps (the name a owns)
	if _, _, toA, toB := w.round(); toA != 0 || toB != 0 {
		t.Errorf("third round: %d writes to a, %d to b; want none", toA, toB)
	}
	if len(w.a.objs) != 1 || len(w.b.objs) != 1 {
		t.Errorf("a has %d objects, b %d; want one each", len(w.a.objs), len(w.b.objs))
	}
}

// TestTwoWayPeekPrefersTheNewerOfReadAndInbox: an inbox entry older than
// what the read shows of the same object does not hide the newer value.
func TestTwoWayPeekPrefersTheNewerOfReadAndInbox(t *testing.T) {
	w := newTwoWay(t)
	w.a.put("c1", map[string]any{"email": "ann@example.com", "phone": "1", "first": "Ann", "last": "Lee"})
	w.round()
	w.b.clock = w.a.clock + 100
	w.b.put("b-1", map[string]any{"phone": "stale"})
	w.push(w.b, "desk", "users", "b-1") // pushed, never delivered
	w.b.put("b-1", map[string]any{"phone": "from-b"})
	w.a.put("c1", map[string]any{"phone": "from-a"})
	if res := w.runner.Sync(context.Background(), "people-a-to-b"); res.Err != nil {
		t.Fatal(res.Err)
	}
	if cs := w.conflictsOf(); len(cs) != 1 || cs[0].ValueB != `"from-b"` {
		t.Fatalf("conflicts %+v, want one with b's newer value", cs)
	}
}
