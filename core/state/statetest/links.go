package statetest

import (
	"context"
	"fmt"
	"github.com/cxhub/cxhub/core/state"
	"testing"
)

func testLinksUpsertReplaceAndLookup(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	mustCommit(t, s, state.Commit{Links: []state.Link{
		lk("crm", "contacts", "k1", "desk", "users", "u1"),
		lk("crm", "contacts", "k2", "desk", "users", "u2"),
		lk("crm", "contacts", "k1", "survey", "people", "p1"), // same record, another destination
		lk("crm", "companies", "k1", "desk", "orgs", "o1"),    // same key, another stream
	}})
	// A new destination id for k1 replaces the old one; the same id again is a no-op.
	mustCommit(t, s, state.Commit{Links: []state.Link{
		lk("crm", "contacts", "k1", "desk", "users", "u1-new"),
		lk("crm", "contacts", "k2", "desk", "users", "u2"),
	}})
	if n, err := s.CountLinks(ctx); err != nil || n != 4 {
		t.Errorf("CountLinks = %d, %v; want 4", n, err)
	}
	got, err := s.LookupLinks(ctx, "crm", "contacts", "desk", "users", []string{"k1", "k2", "k3", "k1"})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"k1": "u1-new", "k2": "u2"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("LookupLinks = %v, want %v", got, want)
	}
	if got, _ := s.LookupLinks(ctx, "crm", "contacts", "survey", "people", []string{"k1", "k2"}); fmt.Sprint(got) != "map[k1:p1]" {
		t.Errorf("LookupLinks to survey = %v", got)
	}
	if got, err := s.LookupLinks(ctx, "crm", "contacts", "desk", "users", nil); err != nil || len(got) != 0 {
		t.Errorf("LookupLinks(no keys) = %v, %v", got, err)
	}
}

func testLookupLinksInBulk(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	// 3000 keys asked, every other one linked: more than SQLite's old
	// limit of 999 bound parameters, in one call.
	const n = 3000
	var links []state.Link
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprint("key-", i)
		if i%2 == 0 {
			links = append(links, lk("a", "s", keys[i], "b", "t", fmt.Sprint("id-", i)))
		}
	}
	mustCommit(t, s, state.Commit{Links: links})
	got, err := s.LookupLinks(ctx, "a", "s", "b", "t", keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n/2 {
		t.Fatalf("got %d links, want %d", len(got), n/2)
	}
	for i, k := range keys {
		id, ok := got[k]
		if ok != (i%2 == 0) || (ok && id != fmt.Sprint("id-", i)) {
			t.Fatalf("key %s: %q, %v", k, id, ok)
		}
	}
}

// TestLookupLinksBothWays: a link written by A→B is found by the B→A
// pipeline from B's id, so syncing back updates instead of duplicating.
func testLookupLinksBothWays(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	mustCommit(t, s, state.Commit{Links: []state.Link{
		lk("crm", "contacts", "k1", "desk", "users", "u1"),
		lk("crm", "contacts", "k2", "desk", "users", "u2"),
		// Two records of crm written to one user: the newer link wins.
		lk("crm", "contacts", "k3", "desk", "users", "u3"),
	}})
	mustCommit(t, s, state.Commit{Links: []state.Link{
		lk("crm", "contacts", "k3b", "desk", "users", "u3"),
		// The desk→crm pipeline linked u2 itself, to another record: its own link wins.
		lk("desk", "users", "u2", "crm", "contacts", "k2-own"),
	}})
	got, err := s.LookupLinks(ctx, "desk", "users", "crm", "contacts", []string{"u1", "u2", "u3", "u4"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"u1": "k1", "u2": "k2-own"}
	if got["u1"] != want["u1"] || got["u2"] != want["u2"] || len(got) != 3 {
		t.Errorf("reverse LookupLinks = %v", got)
	}
	// k3 and k3b tie on updated_at only if both commits fell in one
	// millisecond; otherwise k3b is newer. Either way the answer is stable.
	if got["u3"] != "k3b" && got["u3"] != "k3" {
		t.Errorf("u3 → %q", got["u3"])
	}
	// Streams must match in reverse too.
	if got, _ := s.LookupLinks(ctx, "desk", "orgs", "crm", "contacts", []string{"u1"}); len(got) != 0 {
		t.Errorf("reverse lookup crossed streams: %v", got)
	}
}

func testLookupLinksOddKeys(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	odd := []string{"\xff\xfe not utf-8", `quote " and \ backslash`, "ünïcødé", "12", "<&>", "[1]"}
	var links []state.Link
	for i, k := range odd {
		links = append(links, lk("a", "s", k, "b", "s", fmt.Sprint(i)))
	}
	mustCommit(t, s, state.Commit{Links: links})
	got, err := s.LookupLinks(ctx, "a", "s", "b", "s", append(odd, "absent"))
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range odd {
		if got[k] != fmt.Sprint(i) {
			t.Errorf("key %q → %q, want %d", k, got[k], i)
		}
	}
	if len(got) != len(odd) {
		t.Errorf("got %d links, want %d", len(got), len(odd))
	}
}

// TestLinksRepeatedInOneBatch: a key linked several times in one state.Commit,
// within one statement and across statements, ends with its last link.
func testLinksRepeatedInOneBatch(t *testing.T, open Opener) {
	// A backend may write links in chunks of statements (SQLite: 64): the
	// repeats straddle any chunk size up to this.
	const linkChunk = 64
	ctx := context.Background()
	s := open(t)
	links := manyLinks(2*linkChunk+5, "k")
	links[10].SrcKey, links[10].DstID = "k-3", "second"                   // same chunk as k-3
	links[linkChunk+1].SrcKey, links[linkChunk+1].DstID = "k-3", "third"  // next chunk
	links[len(links)-1].SrcKey, links[len(links)-1].DstID = "k-4", "last" // a single statement
	mustCommit(t, s, state.Commit{Links: links})
	got, err := s.LookupLinks(ctx, "crm", "contacts", "desk", "users", []string{"k-3", "k-4", "k-5"})
	if err != nil {
		t.Fatal(err)
	}
	if got["k-3"] != "third" || got["k-4"] != "last" || got["k-5"] != "u-k-5" {
		t.Errorf("got %v", got)
	}
	if n, _ := s.CountLinks(ctx); n != int64(len(links)-3) {
		t.Errorf("CountLinks = %d, want %d", n, len(links)-3)
	}
}
