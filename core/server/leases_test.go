package server

import (
	"fmt"
	"testing"
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
