package statetest

import (
	"context"
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
