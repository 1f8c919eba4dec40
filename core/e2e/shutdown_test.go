package e2e

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// TestShutdownOnSIGTERMMidBatch: cxhub gets SIGTERM while a batch is in
// flight to HubSpot (held by the sandbox, after a first batch was
// committed): within 10 seconds it exits 143 with no plugin process left,
// the run is recorded as interrupted, and the persisted checkpoint covers
// only customers HubSpot holds. The next sync completes the set exactly.
// Whether HubSpot made the held batch's change (and answers a second
// after the signal) or never saw it, the checkpoint is right.
func TestShutdownOnSIGTERMMidBatch(t *testing.T) {
	for _, tc := range []struct {
		name string
		// answerAfter, if set, has HubSpot make the held batch's change at
		// once and answer this long after the signal; zero: HubSpot never
		// sees the batch.
		answerAfter time.Duration
	}{
		{"batch written, answered 1s after the signal", time.Second},
		{"batch never seen", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seed := testSeed(t)
			hs, m, url := startHubSpot(t, seed, 0)
			w := newWorkspace(t, fmt.Sprintf(customersToHubSpot, url, 300))
			src := newCustomers(bySize(3_000, 30_000), bySize(300, 3_000))
			src.write(t, w, "customers")
			// Every request is a little slow; the fourth write (the second
			// batch's first) is held.
			if err := hs.Kit().SetFaults(kit.Faults{Latency: kit.Duration(20 * time.Millisecond)}); err != nil {
				t.Fatal(err)
			}
			parked, release := m.parkNext(isContactWrite, 3, tc.answerAfter > 0)
			defer release()
			run := w.start("sync")
			if got := waitParked(run, parked, time.Minute); got != parkedOK {
				res, _ := run.wait(time.Second)
				t.Fatalf("no write was held (%v)\n%s", got, res)
			}
			if err := run.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			sent := time.Now()
			if tc.answerAfter > 0 {
				time.AfterFunc(tc.answerAfter, release)
			}
			res, ok := run.wait(10 * time.Second)
			if !ok {
				t.Fatalf("cxhub did not exit within 10s of SIGTERM")
			}
			t.Logf("exit %d %v after SIGTERM", res.code, time.Since(sent).Round(time.Millisecond))
			if res.code != 128+int(syscall.SIGTERM) {
				t.Errorf("cxhub exited %d after SIGTERM, want 143\n%s", res.code, res)
			}
			if left := pluginProcesses(w); len(left) > 0 {
				t.Errorf("plugin processes left after cxhub exited: %+v", left)
				noPluginSurvives(t, w, 0)
			}
			runs := runRecords(t, w)
			if len(runs) != 1 || runs[0].Status != "interrupted" {
				t.Errorf("runs after SIGTERM: %s, want one interrupted run", sprintLines(runs, 3))
			}
			cp := checkpointOf(t, w, "load")
			wantCovered(t, hs, src, cp.Line)
			if cp.Line == 0 || cp.Line >= len(src.lines) {
				t.Errorf("the checkpoint is at line %d of %d: want the first batch's, the sync cut short", cp.Line, len(src.lines))
			}
			t.Logf("checkpoint at line %d of %d; %d contacts in HubSpot", cp.Line, len(src.lines), hs.Count("contacts"))

			if err := hs.Kit().SetFaults(kit.Faults{}); err != nil {
				t.Fatal(err)
			}
			w.mustCxhub("sync")
			wantContactsExactly(t, hs, src)
			if cp2 := checkpointOf(t, w, "load"); cp2.Line != len(src.lines) {
				t.Errorf("after the next sync the checkpoint is at line %d, want %d", cp2.Line, len(src.lines))
			}
		})
	}
}
