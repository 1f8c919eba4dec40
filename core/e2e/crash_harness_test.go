package e2e

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// killKind is how one round of the crash harness picks its moment.
type killKind int

const (
	// killAtRandom kills after a random delay: while the file is read,
	// a batch mapped, written or committed, or the plugins start.
	killAtRandom killKind = iota
	// killBeforeWrite kills while a batch is on its way to HubSpot,
	// before HubSpot made any change.
	killBeforeWrite
	// killAfterWrite kills once HubSpot made a batch's change, before
	// its answer reached the plugin: written, but never known as written.
	killAfterWrite
)

func (k killKind) String() string {
	return [...]string{"at a random moment", "mid-write, before HubSpot's change", "mid-write, after HubSpot's change"}[k]
}

// TestStressCrashKillsCxhubAtRandomAndLosesNothing is the crash harness:
// a large sync from a file into HubSpot contacts, during which the real
// cxhub binary is SIGKILLed again and again (at random moments, and
// while a batch is in flight to HubSpot) and started again. After every
// kill the plugins are gone with it, the persisted checkpoint has not
// moved backwards, and every line it covers is in HubSpot. A final
// uninterrupted sync then leaves HubSpot holding exactly the file: one
// contact per customer, each with its last line's content.
//
// A random delay is drawn up to what the remaining lines need, shared
// among the remaining kills, as the sync's pace so far estimates it; should a sync still finish before its kill, more
// customers are appended to the file (as a live source grows) and the
// harness goes on, so that every run makes its number of kills.
//
// Short: 20,000 lines, 5 kills. CXHUB_STRESS=1: 220,000 lines, 24 kills.
func TestStressCrashKillsCxhubAtRandomAndLosesNothing(t *testing.T) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, seed>>1|1))
	n, updates := bySize(18_000, 200_000), bySize(2_000, 20_000)
	kills := bySize(5, 24)
	end := deadline(t, bySize(90*time.Second, 15*time.Minute))
	pace := 8000.0 // lines per second of sync, until measured
	var synced time.Duration

	hs, m, url := startHubSpot(t, seed, 0)
	w := newWorkspace(t, fmt.Sprintf(customersToHubSpot, url, 500))
	src := newCustomers(n, updates)
	src.write(t, w, "customers")

	var prev fileCheckpoint
	killed, completed := 0, 0
	for round := 0; killed < kills; round++ {
		if time.Now().After(end) {
			t.Errorf("the time budget ran out after %d of %d kills", killed, kills)
			break
		}
		kind := killKind(rng.IntN(3))
		started := time.Now()
		run := w.start("sync")
		var why string
		finished := false
		switch kind {
		case killAtRandom:
			left := float64(len(src.lines)-prev.Line) / pace / float64(kills-killed)
			d := time.Duration(rng.Int64N(int64(time.Duration(left*float64(time.Second)) + 300*time.Millisecond)))
			why = fmt.Sprintf("after %v", d.Round(time.Millisecond))
			if _, finished = run.wait(d); !finished {
				run.kill()
			}
		default:
			// A write carries 100 contacts: skip some of what is left.
			skip := rng.IntN(max(1, (len(src.lines)-prev.Line)/100/(kills-killed)))
			why = fmt.Sprintf("while write %d from now was in flight", skip+1)
			parked, release := m.parkNext(isContactWrite, skip, kind == killAfterWrite)
			switch waitParked(run, parked, time.Minute) {
			case parkedOK:
				run.kill()
			case parkedNever:
				finished = true
			case parkedTimeout:
				release()
				t.Fatalf("round %d: no write to HubSpot in a minute", round)
			}
			release()
		}
		if finished {
			// The sync covered the whole file: the next estimates start
			// from its checkpoint, not from the last kill's.
			cp := checkpointOf(t, w, "load")
			if cp.Line < prev.Line || cp.Offset < prev.Offset {
				t.Fatalf("round %d: the checkpoint moved backwards from %+v to %+v", round, prev, cp)
			}
			prev = cp
			more := bySize(10_000, 40_000)
			completed++
			src.grow(more)
			src.write(t, w, "customers")
			t.Logf("round %d: the sync finished before the kill (%s %s): %d more customers", round, kind, why, more)
			continue
		}
		noPluginSurvives(t, w, 10*time.Second)
		synced += time.Since(started)
		killed++
		cp := checkpointOf(t, w, "load")
		if cp.Line < prev.Line || cp.Offset < prev.Offset {
			t.Fatalf("kill %d (%s %s): the checkpoint moved backwards from %+v to %+v", killed, kind, why, prev, cp)
		}
		wantCovered(t, hs, src, cp.Line)
		t.Logf("kill %d %s %s: checkpoint at line %d of %d, %d contacts in HubSpot",
			killed, kind, why, cp.Line, len(src.lines), hs.Count("contacts"))
		if cp.Line > 0 {
			pace = float64(cp.Line) / synced.Seconds()
		}
		prev = cp
	}

	// The last sync runs to its end.
	res := w.start("sync", "-o", "json").mustWait(time.Until(end) + time.Minute)
	if res.code != 0 {
		t.Fatalf("the final sync failed:\n%s", res)
	}
	cp := checkpointOf(t, w, "load")
	if cp.Line != len(src.lines) || cp.Line < prev.Line {
		t.Errorf("final checkpoint at line %d (previous %d), want %d", cp.Line, prev.Line, len(src.lines))
	}
	wantContactsExactly(t, hs, src)

	// Every killed run is recorded as interrupted (but those killed before
	// they began), the others as succeeded.
	runs := runRecords(t, w)
	if len(runs) == 0 || runs[0].Status != "succeeded" {
		t.Fatalf("the last run is not recorded as succeeded:\n%s", sprintLines(runs, 5))
	}
	statuses := map[string]int{}
	for _, r := range runs {
		statuses[r.Status]++
	}
	if statuses["succeeded"] != completed+1 || statuses["interrupted"] > killed || len(runs) != statuses["succeeded"]+statuses["interrupted"] {
		t.Errorf("runs recorded %v, want %d succeeded and up to %d interrupted:\n%s", statuses, completed+1, killed, sprintLines(runs, 30))
	}
	t.Logf("%d kills, %d runs recorded; HubSpot answered %d requests", killed, len(runs), hs.Kit().Stats().Total)
}

// parkWait is how waiting for a parked request ended.
type parkWait int

const (
	parkedOK      parkWait = iota // a request is parked
	parkedNever                   // the command ended first
	parkedTimeout                 // neither, in time
)

// waitParked waits until a request is parked, the command ended or d
// passed.
func waitParked(r *running, parked <-chan struct{}, d time.Duration) parkWait {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		select {
		case <-parked:
			return parkedOK
		case <-time.After(20 * time.Millisecond):
		}
		if r.exited() {
			return parkedNever
		}
	}
	return parkedTimeout
}
