package statetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/cxhub/cxhub/core/state"
)

// testFingerprints: fingerprints are upserted by Commit, found per scope
// and object, replaced by a newer one, and a bad one fails the whole commit.
func testFingerprints(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	fp := func(scope, key, data string) state.Fingerprint {
		return state.Fingerprint{Scope: scope, Connection: "crm", Stream: "contacts", Key: key, Data: []byte(data)}
	}
	mustCommit(t, s, state.Commit{Fingerprints: []state.Fingerprint{
		fp("people", "k1", "one"), fp("people", "k2", "two"), fp("other", "k1", "elsewhere"),
	}})
	mustCommit(t, s, state.Commit{Fingerprints: []state.Fingerprint{fp("people", "k1", "one-new")}})
	got, err := s.LookupFingerprints(ctx, "people", "crm", "contacts", []string{"k1", "k2", "k3", "k\xff"})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%s", got) != "map[k1:one-new k2:two]" {
		t.Errorf("LookupFingerprints = %s, want map[k1:one-new k2:two]", got)
	}
	if got, err := s.LookupFingerprints(ctx, "people", "desk", "contacts", []string{"k1"}); err != nil || len(got) != 0 {
		t.Errorf("LookupFingerprints of another connection = %s, %v; want none", got, err)
	}
	// Resetting a pipeline's checkpoints forgets the fingerprints of its
	// scope, not those of others.
	if _, err := s.ResetCheckpoints(ctx, "other"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.LookupFingerprints(ctx, "other", "crm", "contacts", []string{"k1"}); len(got) != 0 {
		t.Errorf("after ResetCheckpoints(other): %s, want none", got)
	}
	if got, _ := s.LookupFingerprints(ctx, "people", "crm", "contacts", []string{"k1"}); len(got) != 1 {
		t.Errorf("ResetCheckpoints(other) removed people's fingerprints: %s", got)
	}
	// A fingerprint without a key fails the commit, links with it.
	err = s.Commit(ctx, state.Commit{
		Links:        []state.Link{lk("crm", "contacts", "k9", "desk", "users", "u9")},
		Fingerprints: []state.Fingerprint{fp("people", "", "x")},
	})
	if err == nil {
		t.Fatal("a fingerprint without a key was committed")
	}
	if n, _ := s.CountLinks(ctx); n != 0 {
		t.Errorf("the failed commit wrote %d links", n)
	}
	// Many in one commit, a key twice: the last one wins.
	var many []state.Fingerprint
	keys := make([]string, 150)
	for i := range keys {
		keys[i] = fmt.Sprint("m", i)
		many = append(many, fp("bulk", keys[i], fmt.Sprint("v", i)))
	}
	many = append(many, fp("bulk", "m7", "last"))
	mustCommit(t, s, state.Commit{Fingerprints: many})
	bulk, err := s.LookupFingerprints(ctx, "bulk", "crm", "contacts", keys)
	if err != nil || len(bulk) != 150 || string(bulk["m7"]) != "last" || string(bulk["m149"]) != "v149" {
		t.Errorf("bulk fingerprints: %d, m7 %s, m149 %s, %v", len(bulk), bulk["m7"], bulk["m149"], err)
	}
	// Unchanged and Echo counts are kept with the run.
	run := startRun(t, s, "p")
	mustCommit(t, s, state.Commit{RunID: run, Counts: state.Counts{Read: 5, Unchanged: 3, Echo: 2}})
	r, err := s.Run(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	if r.Counts.Unchanged != 3 || r.Counts.Echo != 2 {
		t.Errorf("run counts = %+v, want unchanged 3 and echo 2", r.Counts)
	}
}

// testConflicts: conflicts are inserted by Commit with the run's id and
// pipeline, listed newest first and by sync.
func testConflicts(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	run := startRun(t, s, "people-a-to-b")
	cf := func(sync, key string) state.Conflict {
		return state.Conflict{Sync: sync, Connection: "crm", Stream: "contacts", Key: key, Field: "phone",
			ValueA: `"1"`, ValueB: `"2"`, Rule: "latest", Winner: "b"}
	}
	mustCommit(t, s, state.Commit{RunID: run, Pipeline: "people-a-to-b", Conflicts: []state.Conflict{cf("people", "k1"), cf("other", "k2")}})
	mustCommit(t, s, state.Commit{RunID: run, Pipeline: "people-a-to-b", Conflicts: []state.Conflict{cf("people", "k3")}})
	got, err := s.Conflicts(ctx, state.ConflictFilter{Sync: "people"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Key != "k3" || got[1].Key != "k1" {
		t.Fatalf("Conflicts(people) = %+v, want k3 then k1", got)
	}
	c := got[1]
	if c.ID == 0 || c.RunID != run || c.Pipeline != "people-a-to-b" || c.ValueA != `"1"` || c.ValueB != `"2"` ||
		c.Winner != "b" || c.Rule != "latest" || c.Field != "phone" || c.CreatedAt.IsZero() {
		t.Errorf("conflict = %+v", c)
	}
	if all, err := s.Conflicts(ctx, state.ConflictFilter{Limit: 1}); err != nil || len(all) != 1 || all[0].Key != "k3" {
		t.Errorf("Conflicts(limit 1) = %+v, %v", all, err)
	}
	if err := s.Commit(ctx, state.Commit{Conflicts: []state.Conflict{{Sync: "people"}}}); err == nil {
		t.Error("a conflict without an object was committed")
	}
	// A parked conflict (no winner) is settled once by a choice.
	parked := cf("people", "k4")
	parked.Winner, parked.Rule = "", "manual"
	mustCommit(t, s, state.Commit{RunID: run, Pipeline: "people-a-to-b", Conflicts: []state.Conflict{parked}})
	got, err = s.Conflicts(ctx, state.ConflictFilter{Limit: 1})
	if err != nil || len(got) != 1 || got[0].Key != "k4" || got[0].Winner != "" {
		t.Fatalf("parked conflict: %+v, %v", got, err)
	}
	id := got[0].ID
	mustCommit(t, s, state.Commit{Chosen: []state.ConflictChoice{{ID: id, Winner: "b"}}})
	if one, err := s.Conflicts(ctx, state.ConflictFilter{ID: id}); err != nil || len(one) != 1 || one[0].Winner != "b" {
		t.Errorf("after the choice: %+v, %v", one, err)
	}
	if err := s.Commit(ctx, state.Commit{Chosen: []state.ConflictChoice{{ID: id, Winner: "a"}}}); !errors.Is(err, state.ErrNotFound) {
		t.Errorf("a second choice: %v, want ErrNotFound", err)
	}
	if err := s.Commit(ctx, state.Commit{Chosen: []state.ConflictChoice{{ID: id, Winner: "c"}}}); err == nil {
		t.Error("a choice of side c was committed")
	}
}
