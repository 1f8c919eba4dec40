package e2e

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/state"
)

// TestWorkersCLIRespectsLeases: on a PostgreSQL state a worker runs, the
// CLI's writing commands are refused — naming the worker and what to do —
// and leave the worker's runs alone; once the worker stopped they run
// under the pipeline's lease, which they give back.
func TestWorkersCLIRespectsLeases(t *testing.T) {
	const n = 3000
	c := newCluster(t, 1, "", copyPipelines([]string{"p01"}, 10))
	writeInput(t, c.w, "p01", 0, n)
	c.start(0)
	waitFor(t, "the worker to be in the middle of a run", time.Minute, func() bool {
		runs := c.runsOfPipeline("p01")
		return len(runs) > 0 && runs[len(runs)-1].Status == state.RunRunning && len(outputLines(t, c.w, "p01")) > 0
	})
	running := c.runsOfPipeline("p01")
	live := running[len(running)-1]

	for _, args := range [][]string{{"sync", "p01"}, {"state", "reset", "p01"}, {"dlq", "replay", "--pipeline", "p01"}} {
		res := c.cli(args...)
		if res.code == 0 || !strings.Contains(res.stderr, c.id(0)) || !strings.Contains(res.stderr, "stop") {
			t.Errorf("cxhub %v while worker %s runs p01: want a refusal naming the worker and what to do, got\n%s", args, c.id(0), res)
		}
	}
	runs := c.runsOfPipeline("p01")
	for _, r := range runs {
		if r.ID == live.ID && r.Status != state.RunRunning && r.Error == state.AbandonedRunError {
			t.Errorf("the worker's live run %d was marked %s by the CLI: %s", r.ID, r.Status, r.Error)
		}
		if r.ID > live.ID && r.StartedAt.Before(live.StartedAt.Add(time.Minute)) && r.Error == state.AbandonedRunError {
			t.Errorf("run %d abandoned", r.ID)
		}
	}
	waitFor(t, "the worker to copy everything", 2*time.Minute, func() bool {
		ok, _ := exactCopy(t, c.w, "p01", n)
		return ok
	})
	if res := c.procs[0].stop(syscall.SIGTERM, 15*time.Second); res.code != 0 {
		t.Fatalf("worker exited %d after SIGTERM:\n%s", res.code, res)
	}
	c.noOverlappingRuns([]string{"p01"})

	// Without a worker, the CLI takes the lease, and gives it back.
	if res := c.cli("state", "reset", "p01"); res.code != 0 {
		t.Fatalf("state reset without a worker:\n%s", res)
	}
	if res := c.cli("sync", "p01"); res.code != 0 {
		t.Fatalf("sync without a worker:\n%s", res)
	}
	if ok, why := exactCopy(t, c.w, "p01", n); !ok {
		t.Errorf("after the CLI's sync: %s", why)
	}
	if hs := c.holders(); len(hs) != 0 {
		t.Errorf("leases still held after the CLI ended: %v", hs)
	}
	leases, err := c.store().Leases(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(leases) != 1 || leases[0].Token < 2 {
		t.Errorf("leases %v: want p01's taken by the CLI after the worker (token 2 or more)", leases)
	}
}

// TestWorkersSameIDRefused: a second worker started with the id of a live
// one refuses to start, saying why, and the first keeps its pipelines.
func TestWorkersSameIDRefused(t *testing.T) {
	c := newCluster(t, 2, "", copyPipelines([]string{"p01", "p02"}, 10))
	writeInput(t, c.w, "p01", 0, 10)
	writeInput(t, c.w, "p02", 0, 10)
	c.start(0)
	twin := c.launch(1, c.id(0))
	res, ended := twin.wait(30 * time.Second)
	if !ended {
		t.Fatalf("a second worker with id %s did not refuse to start", c.id(0))
	}
	if res.code == 0 || !strings.Contains(res.stderr, c.id(0)) || !strings.Contains(res.stderr, "CXHUB_WORKER_ID") {
		t.Errorf("the second worker %s: want a refusal naming the id and CXHUB_WORKER_ID, got\n%s", c.id(0), res)
	}
	if hs := c.holders(); len(hs) != 2 {
		t.Errorf("the first worker holds %v, want both pipelines", hs)
	}
}
