package sqlite

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkCommit commits batches of 500 new links and a checkpoint, with a
// cancellable context as the engine passes: one op is one batch.
func BenchmarkCommit(b *testing.B) {
	s := openTemp(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	run := startRun(b, s, "p")
	const batch = 500
	links := make([]Link, batch)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range links {
			links[j] = lk("crm", "contacts", fmt.Sprintf("key-%d-%d", i, j), "desk", "users", fmt.Sprintf("id-%d-%d", i, j))
		}
		err := s.Commit(ctx, Commit{RunID: run, Pipeline: "p", Links: links,
			Checkpoints: []Checkpoint{{Stream: "contacts", State: []byte(fmt.Sprintf(`{"cursor":%d}`, i))}},
			Counts:      Counts{Read: batch, Written: batch, Created: batch}})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkCommitFingerprints is BenchmarkCommit with a fingerprint on
// every link, as a pipeline with links commits them (docs/two-way.md).
func BenchmarkCommitFingerprints(b *testing.B) {
	s := openTemp(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	run := startRun(b, s, "p")
	const batch = 500
	links := make([]Link, batch)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range links {
			links[j] = lk("crm", "contacts", fmt.Sprintf("key-%d-%d", i, j), "desk", "users", fmt.Sprintf("id-%d-%d", i, j))
			links[j].Scope, links[j].Fingerprint = "p", fmt.Appendf(nil, `{"f":{"":"%016d"}}`, j)
		}
		err := s.Commit(ctx, Commit{RunID: run, Pipeline: "p", Links: links,
			Checkpoints: []Checkpoint{{Stream: "contacts", State: []byte(fmt.Sprintf(`{"cursor":%d}`, i))}},
			Counts:      Counts{Read: batch, Written: batch, Created: batch}})
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
	s := openTemp(b)
	ctx := context.Background()
	const total, batch = 100_000, 500
	links := make([]Link, 0, 10_000)
	for i := 0; i < total; i++ {
		links = append(links, lk("crm", "contacts", fmt.Sprint("key-", i), "desk", "users", fmt.Sprint("id-", i)))
		if len(links) == cap(links) {
			mustCommit(b, s, Commit{Links: links})
			links = links[:0]
		}
	}
	// Each batch: 250 keys spread over the table, 250 never linked.
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
