package server

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/state"
)

// pruneConfig: p and q read in/contacts, r reads in/companies; nothing
// reads other/notes.
const pruneConfig = `version: 1
state: {path: state.db}
connections:
  in:    {connector: file, config: {dir: ./in}}
  other: {connector: file, config: {dir: ./other}}
  out:   {connector: file, config: {dir: ./out}}
pipelines:
  - name: p
    from: {connection: in, stream: contacts}
    to:   {connection: out, stream: contacts}
  - name: q
    from: {connection: in, stream: contacts}
    to:   {connection: out, stream: people}
  - name: r
    from: {connection: in, stream: companies}
    to:   {connection: out, stream: companies}
`

// inboxKeys returns the keys of every entry of the inbox's streams.
func inboxKeys(t *testing.T, st state.Store) []string {
	t.Helper()
	var keys []string
	for _, cs := range [][2]string{{"in", "contacts"}, {"in", "companies"}, {"other", "notes"}} {
		es, err := st.ReadInbox(context.Background(), cs[0], cs[1], 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			keys = append(keys, e.Key)
		}
	}
	slices.Sort(keys)
	return keys
}

// TestPruneInboxKeepsWhatAPipelineHasStillToTake: over a real SQLite
// state, pruning removes the entries older than the retention that every
// pipeline reading their stream has taken, and those of a stream no
// pipeline reads; it keeps every entry newer than the retention, and every
// entry a pipeline has still to take, however old. Nothing ever pruned the
// inbox before (PruneInbox had no caller).
func TestPruneInboxKeepsWhatAPipelineHasStillToTake(t *testing.T) {
	h, _ := newTestHub(t, pruneConfig)
	ctx := context.Background()
	st, err := h.Store()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	day := 24 * time.Hour
	at := func(conn, stream, key string, age time.Duration) state.InboxEntry {
		return state.InboxEntry{Connection: conn, Stream: stream, Key: key, Op: "upsert",
			Data: []byte(fmt.Sprintf(`{"id":%q}`, key)), ReceivedAt: now.Add(-age)}
	}
	if _, err := st.AppendInbox(ctx, []state.InboxEntry{
		at("in", "contacts", "c1", 10*day), at("in", "contacts", "c2", 9*day), at("in", "contacts", "c3", time.Hour),
		at("in", "companies", "k1", 8*day),
		at("other", "notes", "n1", 10*day), at("other", "notes", "n2", day),
	}); err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, cs := range [][2]string{{"in", "contacts"}, {"in", "companies"}} {
		es, _ := st.ReadInbox(ctx, cs[0], cs[1], 0, 0)
		for _, e := range es {
			ids[e.Key] = e.ID
		}
	}
	take := func(pipeline string, upTo int64) {
		t.Helper()
		run, err := st.StartRun(ctx, pipeline)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Commit(ctx, state.Commit{RunID: run, Pipeline: pipeline, InboxCursor: upTo}); err != nil {
			t.Fatal(err)
		}
		if err := st.FinishRun(ctx, run, state.RunSucceeded, ""); err != nil {
			t.Fatal(err)
		}
	}
	// p took c1 and c2, q only c1; r took nothing.
	take("p", ids["c2"])
	take("q", ids["c1"])

	s := New(h, Options{NoListen: true, InboxRetention: 7 * day})
	n, err := s.pruneInbox(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	// c2 is q's to take, k1 r's: both kept, and so is everything newer
	// than the oldest of them; c1 (taken by both) and n1 (read by none)
	// are older than that and the retention.
	if got, want := inboxKeys(t, st), []string{"c2", "c3", "k1", "n2"}; !slices.Equal(got, want) || n != 2 {
		t.Fatalf("after pruning with q and r behind: %v (%d removed), want %v (2 removed)", got, n, want)
	}
	take("q", ids["c3"])
	take("r", ids["k1"])
	if _, err := s.pruneInbox(ctx, now); err != nil {
		t.Fatal(err)
	}
	// All taken: what is older than the retention goes, the rest stays.
	if got, want := inboxKeys(t, st), []string{"c3", "n2"}; !slices.Equal(got, want) {
		t.Fatalf("after pruning with every pipeline caught up: %v, want %v", got, want)
	}
}

// TestServePrunesTheInbox: serve prunes the inbox when it starts (and
// then every InboxPruneEvery): an entry of a stream no pipeline reads,
// older than the retention and than what pipelines have still to take, is
// removed; one a pipeline has still to take stays.
func TestServePrunesTheInbox(t *testing.T) {
	old := func(conn, stream, key string, days int) state.InboxEntry {
		return state.InboxEntry{Connection: conn, Stream: stream, Key: key, Op: "upsert",
			Data: []byte(`{}`), ReceivedAt: time.Now().Add(-time.Duration(days) * 24 * time.Hour)}
	}
	e := startErrorsServer(t, func(st state.Store) {
		if _, err := st.AppendInbox(context.Background(), []state.InboxEntry{
			old("in", "unread", "gone", 60), old("in", "contacts", "kept", 30)}); err != nil {
			t.Fatal(err)
		}
	})
	read := func(stream string) int {
		es, err := e.st.ReadInbox(context.Background(), "in", stream, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}
	deadline := time.Now().Add(10 * time.Second)
	for read("unread") > 0 {
		if time.Now().After(deadline) {
			t.Fatal("serve did not prune a 60-day-old inbox entry of a stream no pipeline reads within 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if read("contacts") != 1 {
		t.Error("serve pruned an inbox entry pipeline p has still to take")
	}
}
