package e2e

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/state"
	"github.com/jackc/pgx/v5"
)

// TestWorkersLeaseTakenAwayStopsDestinationWrites: the database takes a
// running worker's lease away while the worker's own clock still counts it
// as held — as when its machine was suspended (a monotonic clock stands
// still) — and the other worker takes the pipeline over. The first worker
// then writes at most the batch already past its write guard: not the
// batches it would write until its next commit or renewal is refused. Every line of
// the output names the worker that wrote it (the map's constant comes from
// each worker's environment); blanked lines stay in the file, so every
// line ever appended is counted.
func TestWorkersLeaseTakenAwayStopsDestinationWrites(t *testing.T) {
	const n, batch = 5000, 10
	pipes := `  - {name: big, from: {connection: in, stream: big}, to: {connection: out, stream: big}, schedule: 1s, jitter: 0s, batch_size: 10,
     map: {id: id, seq: seq, by: {value: "${CXHUB_WORKER_ID}"}}}
`
	c := newCluster(t, 2, "", pipes)
	writeInput(t, c.w, "big", 0, n)
	c.start(0)
	c.start(1)

	var holder state.Lease
	waitFor(t, "big to be in the middle of its copy", time.Minute, func() bool {
		h, ok := c.holders()["big"]
		holder = h
		lines := len(outputLines(t, c.w, "big"))
		return ok && lines >= n/10 && lines < n/2
	})
	// Right after a renewal, so that the holder's own next renewal (which
	// would stop it without any guard) is as far off as it gets: ttl/3.
	waitFor(t, "a renewal of big's lease", 10*time.Second, func() bool {
		h := c.holders()["big"]
		return h.Token == holder.Token && h.ExpiresAt.After(holder.ExpiresAt)
	})
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `UPDATE cxhub.leases SET expires_at = now() - interval '1 second' WHERE pipeline = 'big'`); err != nil {
		t.Fatal(err)
	}
	before := appended(t, c.w, "big")
	other := 1 - slices.Index([]string{c.id(0), c.id(1)}, holder.Holder)
	waitFor(t, "the other worker to take big over", 3*leaseTTL+10*time.Second, func() bool {
		h, ok := c.holders()["big"]
		return ok && h.Holder == c.id(other) && h.Token > holder.Token
	})
	waitFor(t, "the other worker to finish big", 4*time.Minute, func() bool {
		ok, _ := exactCopy(t, c.w, "big", n)
		return ok
	})
	time.Sleep(leaseTTL) // anything the first worker still had to write

	// Every line appended after the lease was taken away is the new
	// holder's, live (the new holder writes each key once, and nothing
	// after it rewrites one), but for the one batch the old worker had past
	// its guard when the lease went (it writes one batch at a time). A
	// line the old worker appended is either still its own or blanked by
	// the new holder's: counting the lines appended and the new holder's
	// live ones counts both.
	after := appended(t, c.w, "big")
	byNew := 0
	for _, by := range after {
		if by == c.id(other) {
			byNew++
		}
	}
	extra := len(after) - len(before) - byNew
	if extra > batch {
		t.Errorf("worker %s appended about %d lines to out/big.jsonl after its lease was taken away (%d lines appended since, %d of them the new holder's, live); at most %d allowed: the batch past its guard",
			holder.Holder, extra, len(after)-len(before), byNew, batch)
	}
	t.Logf("after the lease was taken away: %d lines appended, %d by the new holder %s", len(after)-len(before), byNew, c.id(other))
}

// appended returns, for every line of out/<stream>.jsonl — blanked ones
// too, which keep their length as spaces — the worker that wrote it ("" for
// a blanked line, whose writer is gone).
func appended(t *testing.T, w *workspace, stream string) []string {
	t.Helper()
	b, err := os.ReadFile(w.path("out/" + stream + ".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for line := range strings.Lines(string(b)) {
		var rec struct{ By string }
		if strings.TrimSpace(line) != "" {
			_ = json.Unmarshal([]byte(line), &rec)
		}
		out = append(out, rec.By)
	}
	return out
}
