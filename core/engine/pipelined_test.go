package engine

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/mapping"
	"github.com/cxhub/cxhub/core/state"

	"github.com/cxhub/cxhub/sdk"
)

// newBatchHarness returns a harness of pipeline p and a batch writer of
// it, whose batches the test processes and commits itself.
func newBatchHarness(t *testing.T) (*harness, *batchWriter) {
	t.Helper()
	h := newHarness(t, 0, nil)
	p, err := h.runner.prepare("p")
	if err != nil {
		t.Fatal(err)
	}
	return h, h.runner.newBatchWriter(p, &tally{runner: h.runner, pipeline: "p"}, h.dst)
}

// A batch is written while the one before it may still be committing: a
// record whose key the uncommitted batch wrote must carry the id that batch
// got, not the (missing) one in the state file, or a destination that
// creates on a missing id would create the object twice.
func TestNextBatchSeesLinksOfUncommittedBatch(t *testing.T) {
	h, bw := newBatchHarness(t)
	ctx := context.Background()

	first, seq1, err := bw.processNext(ctx, []sdk.Record{customer(1)})
	if err != nil || len(first.Links) != 1 {
		t.Fatalf("first batch: %v, links %v", err, first.Links)
	}
	id := first.Links[0].DstID
	// Not committed: the state file has no link yet. (Changed: the same
	// content again is unchanged, see the fingerprint test below.)
	changed := customer(1)
	changed.Data = []byte(`{"id":"c001","email":"changed@example.com"}`)
	if _, _, err := bw.processNext(ctx, []sdk.Record{changed}); err != nil {
		t.Fatal(err)
	}
	if got := h.dst.targets[customer(1).Key]; got != id {
		t.Fatalf("second write of %s carried target id %q, want %q from the uncommitted batch", customer(1).Key, got, id)
	}
	if n := len(h.dst.snapshot()); n != 1 {
		t.Errorf("destination holds %d objects, want 1", n)
	}

	// Once committed (and forgotten), the state file answers.
	first.Counts = state.Counts{} // no run to count them in
	if err := h.store.Commit(ctx, first); err != nil {
		t.Fatal(err)
	}
	bw.committed(seq1, first.Links)
	if _, ok := bw.pendingLinks[customer(1).Key]; !ok {
		t.Error("committing the first batch forgot the second batch's newer link")
	}
	third, seq3, err := bw.processNext(ctx, []sdk.Record{customer(2)})
	if err != nil {
		t.Fatal(err)
	}
	bw.committed(seq3, third.Links)
	if _, ok := bw.pendingLinks[customer(2).Key]; ok {
		t.Error("a committed batch's link is still kept in memory")
	}
}

// Interrupted while writing batch 4 of a run whose commits lag behind its
// writes: every batch the destination took keeps its links, so the next
// run updates those objects instead of creating them again.
func TestInterruptKeepsLinksOfWrittenBatches(t *testing.T) {
	h := newHarness(t, 60, nil) // batches of 10
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.dst.fail = func(r sdk.Record, _ int) error {
		if r.Key == customer(35).Key {
			cancel() // the batch itself still completes: the destination took it
		}
		return nil
	}
	res := h.runner.Sync(ctx, "p")
	if res.Status != state.RunInterrupted {
		t.Fatalf("status %s (%v), want interrupted", res.Status, res.Err)
	}
	written := h.dst.snapshot()
	if len(written) < 40 {
		t.Fatalf("destination holds %d records, want at least the 4 batches written", len(written))
	}
	var keys []string
	for key := range h.dst.byKey {
		keys = append(keys, key)
	}
	links, err := h.store.LookupLinks(context.Background(), "src", "customers", "dst", "contacts", keys)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range keys {
		if links[key] == "" {
			t.Errorf("%s is in the destination but its link was not kept", key)
		}
	}
	if len(h.runner.Config.Pipelines) != 1 || len(links) != len(keys) {
		t.Errorf("%d links for %d written records", len(links), len(keys))
	}
}

// After a sync, the writer keeps no link in memory: each batch's links
// are forgotten once committed.
func TestWriterForgetsLinksOnceCommitted(t *testing.T) {
	h := newHarness(t, 95, nil)
	var bw *batchWriter
	h.runner.onBatchWriter = func(b *batchWriter) { bw = b }
	if res := h.sync(); res.Err != nil {
		t.Fatal(res.Err)
	}
	if bw == nil {
		t.Fatal("the sync made no batch writer")
	}
	if n := len(bw.pendingLinks); n != 0 {
		t.Errorf("%d links still held in memory after the sync", n)
	}
}

// slowDest holds each batch it is given for a while, as a destination
// waiting on its vendor does, and checks that the records' data did not
// change meanwhile: the next batches are mapped while this one is written,
// into other buffers.
type slowDest struct {
	*fakeDest
	t     *testing.T
	hold  time.Duration
	calls atomic.Int32
}

func (d *slowDest) OpenWriter(context.Context, sdk.OpenWriterRequest) (sdk.Writer, error) {
	return d, nil
}

func (d *slowDest) Write(ctx context.Context, req sdk.WriteRequest) (sdk.WriteResponse, error) {
	d.calls.Add(1)
	given := make([]string, len(req.Records))
	for i, r := range req.Records {
		given[i] = string(r.Data)
	}
	time.Sleep(d.hold)
	for i, r := range req.Records {
		if string(r.Data) != given[i] {
			d.t.Errorf("record %s changed while it was being written: %s, then %s", r.Key, given[i], r.Data)
		}
	}
	return d.fakeDest.Write(ctx, req)
}

// Batches are mapped ahead of the writer, each into its own buffer: a
// slow destination sees every record as it was mapped, in read order, and
// the run ends with every record written once and the last checkpoint.
func TestBatchesMappedAheadKeepTheirData(t *testing.T) {
	h := newHarness(t, 95, func(p *config.Pipeline) {
		p.Map = []mapping.Field{{Name: "email", Expr: "email"}, {Name: "last", Expr: "name.last"}}
	})
	slow := &slowDest{fakeDest: h.dst, t: t, hold: 20 * time.Millisecond}
	h.launch.connectors["dst"] = slow
	res := h.sync()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if got := slow.calls.Load(); got != 10 {
		t.Errorf("%d writes, want 10 batches", got)
	}
	written := h.dst.snapshot()
	if len(written) != 95 {
		t.Fatalf("destination holds %d records, want 95", len(written))
	}
	for i := range 95 {
		key := customer(i).Key
		want := fmt.Sprintf(`{"email":"user%d@example.com","last":"%d"}`, i, i)
		if got := written[key]; got != want {
			t.Errorf("%s: destination holds %s, want %s", key, got, want)
		}
	}
	if cp := h.checkpoint(); cp != "95" {
		t.Errorf("checkpoint %q, want 95", cp)
	}
}

// A record changed back to what the state file's fingerprint says, in the
// batch after an uncommitted one that wrote another value, is written: the
// destination holds the uncommitted batch's value, not the committed one,
// and skipping the record as unchanged would leave it there.
func TestNextBatchSeesFingerprintOfUncommittedBatch(t *testing.T) {
	h, bw := newBatchHarness(t)
	ctx := context.Background()
	v1, v2 := customer(1), customer(1)
	v2.Data = []byte(`{"id":"c001","email":"changed@example.com"}`)

	first, seq1, err := bw.processNext(ctx, []sdk.Record{v1})
	if err != nil {
		t.Fatal(err)
	}
	first.Counts = state.Counts{} // no run to count them in
	if err := h.store.Commit(ctx, first); err != nil {
		t.Fatal(err)
	}
	bw.committed(seq1, first.Links)
	// v2 is written, not committed yet; then v1 again.
	if _, _, err := bw.processNext(ctx, []sdk.Record{v2}); err != nil {
		t.Fatal(err)
	}
	want := h.dst.snapshot()[v1.Key]
	third, _, err := bw.processNext(ctx, []sdk.Record{v1})
	if err != nil {
		t.Fatal(err)
	}
	got := h.dst.snapshot()[v1.Key]
	if got == want || third.Counts.Unchanged != 0 {
		t.Fatalf("the change back was skipped as unchanged (unchanged=%d): destination holds %s", third.Counts.Unchanged, got)
	}
	// And the same value again, with the batch before still uncommitted,
	// is unchanged: the uncommitted batch's fingerprint says so.
	fourth, _, err := bw.processNext(ctx, []sdk.Record{v1})
	if err != nil {
		t.Fatal(err)
	}
	if fourth.Counts.Unchanged != 1 {
		t.Errorf("writing the same value twice: unchanged=%d, want 1", fourth.Counts.Unchanged)
	}
}

// duringLookups is a store that runs a function once a lookup's query has
// answered and before the engine gets the answer: what another goroutine
// may do meanwhile.
type duringLookups struct {
	state.Store
	afterLinks, afterFingerprints func()
}

func (s *duringLookups) LookupLinks(ctx context.Context, srcConnection, srcStream, dstConnection, dstStream string, keys []string) (map[string]string, error) {
	out, err := s.Store.LookupLinks(ctx, srcConnection, srcStream, dstConnection, dstStream, keys)
	runOnce(&s.afterLinks)
	return out, err
}

func (s *duringLookups) LookupFingerprints(ctx context.Context, q state.FingerprintQuery, keys []string) (map[string][]byte, error) {
	out, err := s.Store.LookupFingerprints(ctx, q, keys)
	runOnce(&s.afterFingerprints)
	return out, err
}

func runOnce(f *func()) {
	if g := *f; g != nil {
		*f = nil
		g()
	}
}

// The batch before commits while the next one looks up its links or
// fingerprints: the lookup's query did not see the commit, and the links
// in memory must still answer for it — else the record of the same key is
// sent without its object's id (a second object), or compared with an
// older fingerprint and skipped.
func TestLookupRacingTheCommitBeforeMissesNothing(t *testing.T) {
	setup := func(t *testing.T) (*harness, *duringLookups, *batchWriter) {
		h, bw := newBatchHarness(t)
		store := &duringLookups{Store: h.store}
		h.runner.Store = store
		return h, store, bw
	}
	ctx := context.Background()
	commit := func(t *testing.T, h *harness, bw *batchWriter, c state.Commit, seq uint64) {
		c.Counts = state.Counts{} // no run to count them in
		if err := h.store.Commit(ctx, c); err != nil {
			t.Error(err)
		}
		bw.committed(seq, c.Links)
	}
	v1, v2 := customer(1), customer(1)
	v2.Data = []byte(`{"id":"c001","email":"changed@example.com"}`)

	t.Run("links", func(t *testing.T) {
		h, store, bw := setup(t)
		first, seq1, err := bw.processNext(ctx, []sdk.Record{v1})
		if err != nil {
			t.Fatal(err)
		}
		store.afterLinks = func() { commit(t, h, bw, first, seq1) }
		if _, _, err := bw.processNext(ctx, []sdk.Record{v2}); err != nil {
			t.Fatal(err)
		}
		if got, want := h.dst.targets[v1.Key], first.Links[0].DstID; got != want {
			t.Errorf("the write after carried target id %q, want %q", got, want)
		}
	})
	t.Run("fingerprints", func(t *testing.T) {
		h, store, bw := setup(t)
		first, seq1, err := bw.processNext(ctx, []sdk.Record{v1})
		if err != nil {
			t.Fatal(err)
		}
		commit(t, h, bw, first, seq1)
		second, seq2, err := bw.processNext(ctx, []sdk.Record{v2})
		if err != nil {
			t.Fatal(err)
		}
		store.afterFingerprints = func() { commit(t, h, bw, second, seq2) }
		third, _, err := bw.processNext(ctx, []sdk.Record{v1})
		if err != nil {
			t.Fatal(err)
		}
		if got := h.dst.snapshot()[v1.Key]; third.Counts.Unchanged != 0 || got != string(v1.Data) {
			t.Errorf("the change back: unchanged=%d, destination holds %s", third.Counts.Unchanged, got)
		}
	})
}

// slowCommits is a store whose commits take a while, so that a run's
// commits lag behind its writes and the next batches are looked up ahead
// of them.
type slowCommits struct {
	state.Store
	delay time.Duration
}

func (s *slowCommits) Commit(ctx context.Context, c state.Commit) error {
	time.Sleep(s.delay)
	return s.Store.Commit(ctx, c)
}

// One key changed back and forth in consecutive batches of a run whose
// commits lag: every change reaches the destination, as one object, and
// it ends with the last value.
func TestKeyChangedInConsecutiveBatchesEndsWithTheLastValue(t *testing.T) {
	h := newHarness(t, 0, func(p *config.Pipeline) { p.BatchSize = 1 })
	h.runner.Store = &slowCommits{Store: h.store, delay: 5 * time.Millisecond}
	var recs []sdk.Record
	for i := range 12 {
		r := customer(1)
		r.Data = fmt.Appendf(nil, `{"id":"c001","email":"v%d@example.com"}`, i%2)
		recs = append(recs, r)
	}
	h.src.records, h.src.every = recs, 1
	res := h.sync()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	got := h.dst.snapshot()
	if len(got) != 1 || got["c001"] != string(recs[len(recs)-1].Data) {
		t.Errorf("destination holds %v, want c001 with the last value %s", got, recs[len(recs)-1].Data)
	}
	if res.Counts.Created != 1 || res.Counts.Unchanged != 0 {
		t.Errorf("counts %+v: want 1 created and nothing skipped as unchanged", res.Counts)
	}
}

// While a run goes on, the writer keeps only the links of the last few
// batches in memory, not every link of the run: lookups ahead overlap one
// another, and a committed batch's links are forgotten as soon as every
// running lookup began after its commit.
func TestWriterKeepsFewLinksDuringARun(t *testing.T) {
	h := newHarness(t, 2000, nil) // batches of 10
	h.runner.Store = &slowCommits{Store: h.store, delay: time.Millisecond}
	var bw *batchWriter
	h.runner.onBatchWriter = func(b *batchWriter) { bw = b }
	most := 0
	h.dst.fail = func(sdk.Record, int) error {
		bw.mu.Lock()
		most = max(most, len(bw.pendingLinks))
		bw.mu.Unlock()
		return nil
	}
	if res := h.sync(); res.Err != nil || res.Counts.Written != 2000 {
		t.Fatalf("sync: %v, %+v", res.Err, res.Counts)
	}
	if most > 50 {
		t.Errorf("the writer held up to %d links in memory during the run, want those of a few batches of 10", most)
	}
}

// A committed batch's links stay in memory exactly as long as a running
// lookup may have missed them: until every lookup that began before the
// commit has ended, even while later lookups run.
func TestCommittedLinksStayWhileALookupMayHaveMissedThem(t *testing.T) {
	h, bw := newBatchHarness(t)
	ctx := context.Background()
	commit := func(c state.Commit, seq uint64) {
		t.Helper()
		c.Counts = state.Counts{}
		if err := h.store.Commit(ctx, c); err != nil {
			t.Fatal(err)
		}
		bw.committed(seq, c.Links)
	}
	held := func(key string) bool {
		_, ok := bw.pendingLinks[key]
		return ok
	}
	first, seq1, err := bw.processNext(ctx, []sdk.Record{customer(1)})
	if err != nil {
		t.Fatal(err)
	}
	l1, l2 := bw.beginLookup(), bw.beginLookup()
	commit(first, seq1)
	bw.endLookup(l1, nil)
	if !held(customer(1).Key) {
		t.Fatal("forgotten while a lookup that began before the commit still runs")
	}
	bw.endLookup(l2, nil)
	if held(customer(1).Key) {
		t.Fatal("still held once every lookup that began before the commit ended")
	}

	second, seq2, err := bw.processNext(ctx, []sdk.Record{customer(2)})
	if err != nil {
		t.Fatal(err)
	}
	l3 := bw.beginLookup()
	commit(second, seq2)
	l4 := bw.beginLookup() // sees the commit in the state file
	bw.endLookup(l3, nil)
	if held(customer(2).Key) {
		t.Error("held for a lookup that began after the commit")
	}
	bw.endLookup(l4, nil)
}
