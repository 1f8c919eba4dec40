package statetest

import (
	"context"
	"testing"

	"github.com/cxhub/cxhub/core/state"
)

// V4Fingerprint is a row of schema version 4's fingerprints table: a
// fingerprint kept per scope and object, before fingerprints moved onto
// the links (version 5).
type V4Fingerprint struct {
	Scope, Connection, Stream, Key string
	Data                           []byte
}

// V4State is what RunFingerprintsMigration needs of a backend: a state at
// schema version 4 holding the given rows, opened with the current code.
type V4State func(t *testing.T, links []state.Link, fps []V4Fingerprint) state.Store

// RunFingerprintsMigration checks that migrating a state of schema version
// 4 keeps its fingerprints: a plain pipeline's (kept on its destination
// object) on the links to that object; a sync's (kept on side a's object,
// its data starting {"w":) on the link from side a, made from the link
// from side b when there is only that one.
func RunFingerprintsMigration(t *testing.T, open V4State) {
	ctx := context.Background()
	plain := []byte(`{"f":{"":"hash"}}`)
	sync1 := []byte(`{"w":"b","f":{"email":"e1"}}`)
	sync2 := []byte(`{"w":"a","f":{"email":"e2"}}`)
	s := open(t, []state.Link{
		lk("shop", "customers", "s1", "crm", "contacts", "c1"), // plain pipeline p
		lk("crm", "contacts", "k1", "desk", "users", "u1"),     // sync people, from a
		lk("desk", "users", "u2", "crm", "contacts", "k2"),     // sync people, from b only
	}, []V4Fingerprint{
		{Scope: "p", Connection: "crm", Stream: "contacts", Key: "c1", Data: plain},
		{Scope: "people", Connection: "crm", Stream: "contacts", Key: "k1", Data: sync1},
		{Scope: "people", Connection: "crm", Stream: "contacts", Key: "k2", Data: sync2},
		{Scope: "gone", Connection: "crm", Stream: "contacts", Key: "nothing-links-it", Data: plain},
	})
	defer s.Close()
	p := state.FingerprintQuery{Scope: "p", SrcConnection: "shop", SrcStream: "customers", DstConnection: "crm", DstStream: "contacts"}
	if got, err := s.LookupFingerprints(ctx, p, []string{"s1"}); err != nil || string(got["s1"]) != string(plain) {
		t.Errorf("plain pipeline's fingerprint after the migration: %s, %v", got, err)
	}
	people := state.FingerprintQuery{Scope: "people", SrcConnection: "crm", SrcStream: "contacts", DstConnection: "desk", DstStream: "users"}
	if got, err := s.LookupFingerprints(ctx, people, []string{"k1", "k2"}); err != nil || len(got) != 2 ||
		string(got["k1"]) != string(sync1) || string(got["k2"]) != string(sync2) {
		t.Errorf("sync's fingerprints by side a's keys after the migration: %s, %v", got, err)
	}
	people.ByDst = true
	if got, err := s.LookupFingerprints(ctx, people, []string{"u1", "u2"}); err != nil || len(got) != 2 ||
		string(got["u1"]) != string(sync1) || string(got["u2"]) != string(sync2) {
		t.Errorf("sync's fingerprints by side b's ids after the migration: %s, %v", got, err)
	}
	for _, dir := range []struct{ src, srcStream, dst, dstStream, key, want string }{
		{"crm", "contacts", "desk", "users", "k2", "u2"},
		{"desk", "users", "crm", "contacts", "u2", "k2"},
		{"crm", "contacts", "desk", "users", "k1", "u1"},
		{"desk", "users", "crm", "contacts", "u1", "k1"},
	} {
		got, err := s.LookupLinks(ctx, dir.src, dir.srcStream, dir.dst, dir.dstStream, []string{dir.key})
		if err != nil || got[dir.key] != dir.want {
			t.Errorf("link of %s/%s/%s after the migration: %v, %v; want %s", dir.src, dir.srcStream, dir.key, got, err, dir.want)
		}
	}
	if n, err := s.CountLinks(ctx); err != nil || n != 4 {
		t.Errorf("%d links after the migration, %v; want 4 (side a's link of k2 added)", n, err)
	}
	// The migrated store writes fingerprints as a new one does.
	mustCommit(t, s, state.Commit{Links: []state.Link{func() state.Link {
		l := lk("crm", "contacts", "k1", "desk", "users", "u1")
		l.Scope, l.Fingerprint = "people", []byte("next")
		return l
	}()}})
	if got, _ := s.LookupFingerprints(ctx, people, []string{"u1"}); string(got["u1"]) != "next" {
		t.Errorf("after a new fingerprint: %s", got)
	}
}
