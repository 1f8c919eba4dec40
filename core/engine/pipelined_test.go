package engine

import (
	"context"
	"testing"

	"github.com/cxhub/cxhub/core/state"

	"github.com/cxhub/cxhub/sdk"
)

// A batch is written while the one before it may still be committing: a
// record whose key the uncommitted batch wrote must carry the id that batch
// got, not the (missing) one in the state file, or a destination that
// creates on a missing id would create the object twice.
func TestNextBatchSeesLinksOfUncommittedBatch(t *testing.T) {
	h := newHarness(t, 0, nil)
	p, err := h.runner.prepare("p")
	if err != nil {
		t.Fatal(err)
	}
	bw := h.runner.newBatchWriter(p, 0, h.dst)
	ctx := context.Background()

	first, seq1, err := bw.processNext(ctx, []sdk.Record{customer(1)})
	if err != nil || len(first.Links) != 1 {
		t.Fatalf("first batch: %v, links %v", err, first.Links)
	}
	id := first.Links[0].DstID
	// Not committed: the state file has no link yet.
	if _, _, err := bw.processNext(ctx, []sdk.Record{customer(1)}); err != nil {
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
