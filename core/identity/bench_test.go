package identity_test

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/cxhub/cxhub/core/identity"
	"github.com/cxhub/cxhub/core/identity/sqlite"
	"github.com/cxhub/cxhub/core/identity/synth"
)

// BenchmarkIngest indexes the synthetic data set in transactions of 4,000
// records of one stream, as the background indexer does (8 queued batches
// of 500); ns/op is per record.
func BenchmarkIngest(b *testing.B) {
	st, err := sqlite.Open(filepath.Join(b.TempDir(), "c.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ix, err := identity.Open(ctx, st, identity.DefaultRules(), synth.Catalog())
	if err != nil {
		b.Fatal(err)
	}
	set := synth.New(synth.Options{Records: max(b.N, 1000)})
	b.ResetTimer()
	if err := set.Ingest(ctx, ix, b.N, 4000); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkProfile answers one customer's profile with its timeline.
func BenchmarkProfile(b *testing.B) {
	st, err := sqlite.Open(filepath.Join(b.TempDir(), "c.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ix, err := identity.Open(ctx, st, identity.DefaultRules(), synth.Catalog())
	if err != nil {
		b.Fatal(err)
	}
	set := synth.New(synth.Options{Records: 50_000})
	if err := set.Ingest(ctx, ix, 50_000, 500); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		id, err := ix.Find(ctx, "person"+strconv.Itoa(i%set.Customers())+"@example.com")
		if err != nil {
			continue // a person whose records all belong to an earlier one
		}
		if _, err := ix.Profile(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
}
