package e2e

import (
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/state"
)

// TestOverlapsCheck: the runs check of the workers tests finds two runs of
// a pipeline that ran at once — by their times, one still running, or one
// the store closed when the next started — and passes runs one after the
// other.
func TestOverlapsCheck(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	run := func(id int64, from, to int, status state.RunStatus, errMsg string) state.Run {
		r := state.Run{ID: id, Pipeline: "p", Status: status, StartedAt: at(from), Error: errMsg}
		if to >= 0 {
			r.FinishedAt = at(to)
		}
		return r
	}
	ok := func(id int64, from, to int) state.Run { return run(id, from, to, state.RunSucceeded, "") }
	abandoned := func(id int64, from, to int) state.Run {
		return run(id, from, to, state.RunInterrupted, state.AbandonedRunError)
	}
	for _, c := range []struct {
		name      string
		runs      []state.Run
		takenOver bool
		want      int
	}{
		{"one after the other", []state.Run{ok(1, 0, 10), ok(2, 10, 20), ok(3, 25, -1)}, false, 0},
		{"the second starts before the first ends", []state.Run{ok(1, 0, 10), ok(2, 5, 20)}, false, 1},
		{"a long run overlaps two later ones", []state.Run{ok(1, 0, 30), ok(2, 10, 15), ok(3, 20, 25)}, false, 2},
		{"ids out of order", []state.Run{ok(1, 10, 20), ok(2, 0, 15)}, false, 1},
		{"still running when the next starts", []state.Run{ok(1, 0, -1), ok(2, 10, 20)}, false, 1},
		{"closed by the next run's start", []state.Run{abandoned(1, 0, 10), ok(2, 10, 20)}, false, 1},
		{"closed by the next run's start, taken over on purpose", []state.Run{abandoned(1, 0, 10), ok(2, 10, 20)}, true, 0},
	} {
		if got := overlaps(c.runs, c.takenOver); len(got) != c.want {
			t.Errorf("%s: %d overlaps %q, want %d", c.name, len(got), got, c.want)
		}
	}
}
