package sqlite

import (
	"context"
	"path/filepath"
	"testing"
)

// Lookups skip the query while a pair of streams has no links either way,
// and see links as soon as either direction writes one — in this process
// or, for a file opened later, from the file.
func TestLookupLinksKnowsWhenAPairHasNone(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cxhub.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	lookup := func(s *Store, src, srcStream, dst, dstStream, key string) string {
		t.Helper()
		got, err := s.LookupLinks(ctx, src, srcStream, dst, dstStream, []string{key})
		if err != nil {
			t.Fatal(err)
		}
		return got[key]
	}
	if id := lookup(s, "crm", "contacts", "desk", "users", "k1"); id != "" {
		t.Fatalf("lookup in an empty file = %q", id)
	}
	for _, r := range []route{routeOf("crm", "contacts", "desk", "users"), routeOf("desk", "users", "crm", "contacts")} {
		if known, ok := s.routes.known[r]; !ok || known {
			t.Fatalf("route %q not remembered as link-free after a lookup: known=%v ok=%v", r, known, ok)
		}
	}
	// The other direction writes a link: this direction finds it at once.
	mustCommit(t, s, Commit{Links: []Link{lk("desk", "users", "u1", "crm", "contacts", "k1")}})
	if id := lookup(s, "crm", "contacts", "desk", "users", "k1"); id != "u1" {
		t.Fatalf("lookup after the reverse pipeline linked k1 = %q, want u1", id)
	}
	if !s.routes.known[routeOf("desk", "users", "crm", "contacts")] || s.routes.known[routeOf("crm", "contacts", "desk", "users")] {
		t.Fatalf("routes after a reverse link: %v", s.routes.known)
	}
	// This direction writes one too: both halves are searched.
	mustCommit(t, s, Commit{Links: []Link{lk("crm", "contacts", "k2", "desk", "users", "u2")}})
	if id := lookup(s, "crm", "contacts", "desk", "users", "k2"); id != "u2" {
		t.Fatalf("lookup after linking k2 = %q, want u2", id)
	}
	if id := lookup(s, "crm", "contacts", "desk", "users", "k1"); id != "u1" {
		t.Fatalf("lookup of k1 with links both ways = %q, want u1", id)
	}
	// Another pair is unaffected, and still answered (empty).
	if id := lookup(s, "crm", "companies", "desk", "orgs", "k1"); id != "" {
		t.Errorf("lookup on another pair = %q", id)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// A new process learns from the file.
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	for _, c := range []struct{ src, srcStream, dst, dstStream, key, want string }{
		{"crm", "contacts", "desk", "users", "k1", "u1"}, // by the link from desk
		{"desk", "users", "crm", "contacts", "u1", "k1"}, // its own link
		{"desk", "users", "crm", "contacts", "u2", "k2"}, // by the link from crm
	} {
		if id := lookup(s2, c.src, c.srcStream, c.dst, c.dstStream, c.key); id != c.want {
			t.Errorf("lookup %s/%s → %s/%s of %s from a reopened file = %q, want %q", c.src, c.srcStream, c.dst, c.dstStream, c.key, id, c.want)
		}
	}
}
