package postgres_test

import (
	"context"
	"maps"
	"path/filepath"
	"testing"

	"github.com/cxhub/cxhub/core/identity"
	"github.com/cxhub/cxhub/core/identity/postgres"
	"github.com/cxhub/cxhub/core/identity/sqlite"
	"github.com/cxhub/cxhub/core/identity/synth"
)

// TestResolvesAsSQLite: a generated data set (with a max_shared low
// enough to split some people) resolves in PostgreSQL into exactly the
// customers it resolves into in SQLite, indexed twice. (Ids may differ:
// the data set's last batches come in no fixed order.)
func TestResolvesAsSQLite(t *testing.T) {
	ctx := context.Background()
	const n = 2000
	rules := identity.DefaultRules()
	rules.MaxShared = 2
	set := synth.New(synth.Options{Records: n})
	partition := func(st identity.Store) map[identity.Ref]string {
		t.Helper()
		defer st.Close()
		ix, err := identity.Open(ctx, st, rules, synth.Catalog())
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := set.Ingest(ctx, ix, n, 500); err != nil {
				t.Fatal(err)
			}
		}
		p, err := ix.Partition(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return groups(p)
	}
	pg, err := postgres.Open(ctx, srv.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	lite, err := sqlite.Open(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	got, want := partition(pg), partition(lite)
	if len(want) != n {
		t.Fatalf("SQLite holds %d records, want %d", len(want), n)
	}
	if !maps.Equal(got, want) {
		diff := 0
		for r, c := range want {
			if got[r] != c {
				if diff < 5 {
					t.Errorf("%s: with %s in PostgreSQL, with %s in SQLite", r, got[r], c)
				}
				diff++
			}
		}
		t.Errorf("%d of %d records differ (PostgreSQL holds %d)", diff, n, len(got))
	}
}

// groups maps each record to the first (least) record of its customer.
func groups(p map[identity.Ref]int64) map[identity.Ref]string {
	first := map[int64]string{}
	for r, c := range p {
		if f, ok := first[c]; !ok || r.String() < f {
			first[c] = r.String()
		}
	}
	out := make(map[identity.Ref]string, len(p))
	for r, c := range p {
		out[r] = first[c]
	}
	return out
}
