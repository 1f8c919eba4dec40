package identity_test

import (
	"path/filepath"
	"testing"

	"github.com/cxhub/cxhub/core/identity"
	"github.com/cxhub/cxhub/core/identity/sqlite"
	"github.com/cxhub/cxhub/core/identity/synth"
	"github.com/cxhub/cxhub/sdk"
)

// TestFixtureInBatches: the fixture's records indexed a stream at a time,
// as the stage does, resolve to the same truth as one by one.
func TestFixtureInBatches(t *testing.T) {
	recs, truth := fixture()
	ix := openIndex(t, filepath.Join(t.TempDir(), "c.db"), rules())
	type stream struct{ conn, stream string }
	var order []stream
	by := map[stream][]sdk.Record{}
	for _, r := range recs {
		s := stream{r.conn, r.stream}
		if by[s] == nil {
			order = append(order, s)
		}
		by[s] = append(by[s], sdk.Record{Stream: r.stream, Key: r.key, Op: sdk.Upsert, Data: []byte(r.data)})
	}
	for _, s := range order {
		if n, err := ix.Ingest(ctx, s.conn, s.stream, by[s], nil); err != nil || n != len(by[s]) {
			t.Fatalf("ingest %v: %d %v", s, n, err)
		}
	}
	samePartition(t, partition(t, ix), truth)
}

// TestBatchesResolveAsOneByOne: a generated data set indexed in batches
// gives exactly the customers it gives indexed record by record — with a
// max_shared low enough that some people's emails and phones become too
// common within a batch (the split path), and with every record indexed
// twice (the second time as updates of stored records).
func TestBatchesResolveAsOneByOne(t *testing.T) {
	const n = 1500
	set := synth.New(synth.Options{Records: n})
	r := identity.DefaultRules()
	r.MaxShared = 2
	open := func() *identity.Index {
		st, err := sqlite.Open(filepath.Join(t.TempDir(), "c.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		ix, err := identity.Open(ctx, st, r, synth.Catalog())
		if err != nil {
			t.Fatal(err)
		}
		return ix
	}
	one, batched := open(), open()
	for range 2 {
		if err := set.Ingest(ctx, one, n, 1); err != nil {
			t.Fatal(err)
		}
		if err := set.Ingest(ctx, batched, n, 500); err != nil {
			t.Fatal(err)
		}
	}
	want := partition(t, one)
	if len(want) < n/4 || len(want) > n/2 {
		t.Fatalf("one by one: %d customers of %d records: the data set is not what the test expects", len(want), n)
	}
	samePartition(t, partition(t, batched), want)
}
