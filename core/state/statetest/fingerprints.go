package statetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/cxhub/cxhub/core/state"
)

// fpl is a link carrying a fingerprint of scope.
func fpl(srcKey, dstID, scope, data string) state.Link {
	l := lk("crm", "contacts", srcKey, "desk", "users", dstID)
	l.Scope, l.Fingerprint = scope, []byte(data)
	return l
}

// testFingerprints: fingerprints are written with their links, found per
// scope by the links' source keys or destination ids, replaced by a newer
// one, kept by a link written without one to the same object, dropped by
// one to a new object; a bad one fails the whole commit.
func testFingerprints(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	q := state.FingerprintQuery{Scope: "people", SrcConnection: "crm", SrcStream: "contacts", DstConnection: "desk", DstStream: "users"}
	mustCommit(t, s, state.Commit{Links: []state.Link{
		fpl("k1", "u1", "people", "one"), fpl("k2", "u2", "people", "two"), fpl("k\xff", "u\xff", "people", "odd"),
		fpl("k4", "u4", "other", "four"),
	}})
	mustCommit(t, s, state.Commit{Links: []state.Link{fpl("k1", "u1", "people", "one-new")}})
	got, err := s.LookupFingerprints(ctx, q, []string{"k1", "k2", "k3", "k4", "k\xff"})
	if err != nil || len(got) != 3 || string(got["k1"]) != "one-new" || string(got["k2"]) != "two" || string(got["k\xff"]) != "odd" {
		t.Errorf("LookupFingerprints = %s, %v; want k1:one-new k2:two k\\xff:odd (k4 is another scope's)", got, err)
	}
	byDst := q
	byDst.ByDst = true
	if got, err := s.LookupFingerprints(ctx, byDst, []string{"u1", "u2", "u4", "u\xff", "k1"}); err != nil || len(got) != 3 ||
		string(got["u1"]) != "one-new" || string(got["u2"]) != "two" || string(got["u\xff"]) != "odd" {
		t.Errorf("LookupFingerprints by destination = %s, %v; want u1:one-new u2:two u\\xff:odd", got, err)
	}
	other := q
	other.DstStream = "tickets"
	if got, err := s.LookupFingerprints(ctx, other, []string{"k1"}); err != nil || len(got) != 0 {
		t.Errorf("LookupFingerprints of another pair of streams = %s, %v; want none", got, err)
	}
	// A link written without a fingerprint keeps the stored one; one that
	// points at a new object drops it, even beside links with one.
	mustCommit(t, s, state.Commit{Links: []state.Link{lk("crm", "contacts", "k1", "desk", "users", "u1"),
		lk("crm", "contacts", "k2", "desk", "users", "u2-new"), fpl("k5", "u5", "people", "five")}})
	if got, _ := s.LookupFingerprints(ctx, q, []string{"k1", "k2", "k5"}); len(got) != 2 || string(got["k1"]) != "one-new" || string(got["k5"]) != "five" {
		t.Errorf("after relinking without fingerprints: %q, want only k1's and k5's", got)
	}
	if links, _ := s.LookupLinks(ctx, "crm", "contacts", "desk", "users", []string{"k2"}); links["k2"] != "u2-new" {
		t.Errorf("k2 linked to %q, want u2-new", links["k2"])
	}
	// Resetting a pipeline's checkpoints forgets the fingerprints of its
	// scope, not those of others, and keeps the links.
	if _, err := s.ResetCheckpoints(ctx, "other"); err != nil {
		t.Fatal(err)
	}
	otherScope := q
	otherScope.Scope = "other"
	if got, _ := s.LookupFingerprints(ctx, otherScope, []string{"k4"}); len(got) != 0 {
		t.Errorf("after ResetCheckpoints(other): %s, want none", got)
	}
	if got, _ := s.LookupFingerprints(ctx, q, []string{"k1"}); len(got) != 1 {
		t.Errorf("ResetCheckpoints(other) removed people's fingerprints: %s", got)
	}
	if links, _ := s.LookupLinks(ctx, "crm", "contacts", "desk", "users", []string{"k4"}); links["k4"] != "u4" {
		t.Errorf("ResetCheckpoints(other) removed a link: %v", links)
	}
	// A fingerprint without a scope fails the commit, links with it.
	before, _ := s.CountLinks(ctx)
	bad := fpl("k9", "u9", "", "x")
	err = s.Commit(ctx, state.Commit{Links: []state.Link{lk("crm", "contacts", "k8", "desk", "users", "u8"), bad}})
	if err == nil {
		t.Fatal("a fingerprint without a scope was committed")
	}
	if n, _ := s.CountLinks(ctx); n != before {
		t.Errorf("the failed commit wrote %d links", n-before)
	}
	// Many in one commit, a key twice: the last one wins.
	var many []state.Link
	keys := make([]string, 150)
	for i := range keys {
		keys[i] = fmt.Sprint("m", i)
		many = append(many, fpl(keys[i], fmt.Sprint("mu", i), "bulk", fmt.Sprint("v", i)))
	}
	many = append(many, fpl("m7", "mu7", "bulk", "last"))
	mustCommit(t, s, state.Commit{Links: many})
	bulkQ := q
	bulkQ.Scope = "bulk"
	bulk, err := s.LookupFingerprints(ctx, bulkQ, keys)
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

// testConflictValuesAnyBytes: a conflict's values are the record's raw
// JSON as the vendor sent it, which may hold bytes that are not UTF-8 (a
// Latin-1 "café") or a NUL: they are stored and listed exactly — "cxhub
// conflicts resolve" writes the chosen one back — and never fail the
// batch's commit.
func testConflictValuesAnyBytes(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	run := startRun(t, s, "people-a-to-b")
	latin1, nul := "\"caf\xe9\"", "\"a\x00b\xff\""
	cf := state.Conflict{Sync: "people", Connection: "crm", Stream: "contacts", Key: "k\xff", Field: "city",
		ValueA: latin1, ValueB: nul, Rule: "manual"}
	if err := s.Commit(ctx, state.Commit{RunID: run, Pipeline: "people-a-to-b", Conflicts: []state.Conflict{cf}}); err != nil {
		t.Fatalf("Commit of a conflict whose values are not UTF-8: %v", err)
	}
	got, err := s.Conflicts(ctx, state.ConflictFilter{Sync: "people"})
	if err != nil || len(got) != 1 {
		t.Fatalf("Conflicts = %+v, %v", got, err)
	}
	if c := got[0]; c.ValueA != latin1 || c.ValueB != nul || c.Key != "k\xff" || c.Field != "city" {
		t.Errorf("conflict read back: value_a %q, value_b %q, key %q; want %q, %q, %q", c.ValueA, c.ValueB, c.Key, latin1, nul, "k\xff")
	}
}
