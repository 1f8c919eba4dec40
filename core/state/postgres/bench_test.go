package postgres

import (
	"context"
	"fmt"
	"testing"

	"github.com/cxhub/cxhub/core/state"
)

func lk(srcConn, srcStream, srcKey, dstConn, dstStream, dstID string) state.Link {
	return state.Link{SrcConnection: srcConn, SrcStream: srcStream, SrcKey: srcKey,
		DstConnection: dstConn, DstStream: dstStream, DstID: dstID}
}

// BenchmarkCommit commits batches of 500 new links and a checkpoint, with a
// cancellable context as the engine passes: one op is one batch. The
// server is pgtest's (unix socket, fsync off): the figure is the backend's
// cost — CPU and round trips — not a disk's.
func BenchmarkCommit(b *testing.B) {
	s := openFresh(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	run, err := s.StartRun(ctx, "p")
	if err != nil {
		b.Fatal(err)
	}
	const batch = 500
	links := make([]state.Link, batch)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range links {
			links[j] = lk("crm", "contacts", fmt.Sprintf("key-%d-%d", i, j), "desk", "users", fmt.Sprintf("id-%d-%d", i, j))
		}
		err := s.Commit(ctx, state.Commit{RunID: run, Pipeline: "p", Links: links,
			Checkpoints: []state.Checkpoint{{Stream: "contacts", State: []byte(fmt.Sprintf(`{"cursor":%d}`, i))}},
			Counts:      state.Counts{Read: batch, Written: batch, Created: batch}})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkLookupLinks looks up 500 keys (half of them linked) in a table
// of 100k links: one op is one batch.
func BenchmarkLookupLinks(b *testing.B) {
	s := openFresh(b)
	ctx := context.Background()
	const total, batch = 100_000, 500
	links := make([]state.Link, 0, 10_000)
	for i := 0; i < total; i++ {
		links = append(links, lk("crm", "contacts", fmt.Sprint("key-", i), "desk", "users", fmt.Sprint("id-", i)))
		if len(links) == cap(links) {
			if err := s.Commit(ctx, state.Commit{Links: links}); err != nil {
				b.Fatal(err)
			}
			links = links[:0]
		}
	}
	if _, err := s.pool.Exec(ctx, "ANALYZE cxhub.links"); err != nil {
		b.Fatal(err)
	}
	keys := make([][]string, 16)
	for n := range keys {
		keys[n] = make([]string, batch)
		for j := range keys[n] {
			if j%2 == 0 {
				keys[n][j] = fmt.Sprint("key-", (n*7919+j*197)%total)
			} else {
				keys[n][j] = fmt.Sprint("new-", n, "-", j)
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got, err := s.LookupLinks(ctx, "crm", "contacts", "desk", "users", keys[i%len(keys)])
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != batch/2 {
			b.Fatalf("got %d links, want %d", len(got), batch/2)
		}
	}
}
