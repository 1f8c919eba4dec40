package server

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/state/sqlite"
)

// TestOwnerSpreadsAndMovesLittle: rendezvous assignment gives every
// worker a share of the pipelines, does not depend on the workers' order,
// and when a worker leaves only its pipelines move.
func TestOwnerSpreadsAndMovesLittle(t *testing.T) {
	workers := []string{"w1", "w2", "w3"}
	var pipelines []string
	for i := range 300 {
		pipelines = append(pipelines, fmt.Sprintf("p%03d", i))
	}
	count := map[string]int{}
	for _, p := range pipelines {
		o := owner(p, workers)
		count[o]++
		if again := owner(p, []string{"w3", "w1", "w2"}); again != o {
			t.Fatalf("owner of %s depends on the order: %s, %s", p, o, again)
		}
		if left := owner(p, []string{"w1", "w3"}); o != "w2" && left != o {
			t.Errorf("w2 left and %s moved from %s to %s", p, o, left)
		}
	}
	for _, w := range workers {
		if count[w] < 70 || count[w] > 130 {
			t.Errorf("worker %s got %d of 300 pipelines: %v", w, count[w], count)
		}
	}
	if owner("p", nil) != "" {
		t.Error("a pipeline has an owner without workers")
	}
}

// TestReleaseAllGivesUpLeasesWhoseReplyWasLost: a worker that stops
// releases the leases it knows of and also one the store granted it whose
// reply never arrived (an acquisition cut off by the stop), but not
// another worker's.
func TestReleaseAllGivesUpLeasesWhoseReplyWasLost(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	k := newKeeper(nil, "127.0.0.1:0", time.Minute)
	known, err := st.AcquireLease(ctx, "known", k.holder, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	k.held["known"] = known
	if _, err := st.AcquireLease(ctx, "lost-reply", k.holder, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AcquireLease(ctx, "theirs", "other#instance", time.Minute); err != nil {
		t.Fatal(err)
	}

	k.releaseAll(ctx, st)

	leases, err := st.Leases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	holders := map[string]string{}
	for _, l := range leases {
		if l.Holder != "" && l.ExpiresAt.After(time.Now()) {
			holders[l.Pipeline] = l.Holder
		}
	}
	if len(holders) != 1 || holders["theirs"] != "other#instance" {
		t.Errorf("leases held after releaseAll: %v; want only theirs, held by other#instance", holders)
	}
	if len(k.held) != 0 {
		t.Errorf("the keeper still lists leases: %v", k.held)
	}
}
