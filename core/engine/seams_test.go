package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/sdk"
)

// eventLog records a runner's events.
type eventLog struct {
	mu     sync.Mutex
	events []Event
}

func (l *eventLog) add(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

func (l *eventLog) kinds() []EventKind {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []EventKind
	for _, e := range l.events {
		out = append(out, e.Kind)
	}
	return out
}

func (l *eventLog) of(kind EventKind) []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Event
	for _, e := range l.events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// TestEventsOfASync: a run reports its start, every committed batch with
// running totals, each dead letter once it is stored, retries and the
// destination's rate-limit waits, and its end with the final totals.
func TestEventsOfASync(t *testing.T) {
	h := newHarness(t, 25, nil)
	var log eventLog
	h.runner.Events = log.add
	h.dst.fail = func(r sdk.Record, attempt int) error {
		switch {
		case r.Key == "c003":
			return sdk.BadRecord(errors.New("rejected"))
		case r.Key == "c007" && attempt == 1:
			return sdk.RateLimited(errors.New("slow down"), 2*time.Millisecond)
		}
		return nil
	}
	res := h.sync()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	kinds := log.kinds()
	if len(kinds) < 3 || kinds[0] != EventRunStarted || kinds[len(kinds)-1] != EventRunFinished {
		t.Fatalf("events %v: want run_started first and run_finished last", kinds)
	}
	var sum state.Counts
	var last state.Counts
	for _, e := range log.of(EventBatchCommitted) {
		sum.Add(e.Counts)
		if e.Total != sum {
			t.Errorf("batch event total %+v, want the running sum %+v", e.Total, sum)
		}
		if e.Pipeline != "p" || e.RunID != res.RunID || e.Source != SourceRead || e.Time.IsZero() {
			t.Errorf("batch event without its identity: %+v", e)
		}
		last = e.Total
	}
	if last != res.Counts {
		t.Errorf("last batch total %+v, want the run's %+v", last, res.Counts)
	}
	fin := log.of(EventRunFinished)[0]
	if fin.Status != state.RunSucceeded || fin.Total != res.Counts {
		t.Errorf("run_finished = %+v, want succeeded with %+v", fin, res.Counts)
	}
	dl := log.of(EventDeadLettered)
	if len(dl) != 1 || dl[0].Key != "c003" || dl[0].ErrorKind != "bad_record" || !strings.Contains(dl[0].Error, "rejected") {
		t.Errorf("dead_lettered events = %+v, want one for c003", dl)
	}
	if got := log.of(EventRetry); len(got) != 1 || got[0].Records != 1 {
		t.Errorf("retry events = %+v, want one of 1 record", got)
	}
	if got := log.of(EventRateLimitWait); len(got) != 1 || got[0].Wait != 2*time.Millisecond {
		t.Errorf("rate_limit_wait events = %+v, want one of 2ms", got)
	}
}

// TestEventOfARestart: a retryable failure of the run is reported as a
// plugin restart, with its cause.
func TestEventOfARestart(t *testing.T) {
	h := newHarness(t, 5, nil)
	var log eventLog
	h.runner.Events = log.add
	h.dst.batchFail = func(call int) error {
		if call == 1 {
			return sdk.Transient(errors.New("connection reset"))
		}
		return nil
	}
	if res := h.sync(); res.Err != nil {
		t.Fatal(res.Err)
	}
	got := log.of(EventPluginRestart)
	if len(got) != 1 || !strings.Contains(got[0].Err.Error(), "connection reset") {
		t.Fatalf("plugin_restart events = %+v, want one naming the cause", got)
	}
}

// TestStageSeesAndEnrichesBatches: a stage sees every record read (those
// the filter drops included) and the mapped ones, and what it changes is
// what is written.
func TestStageSeesAndEnrichesBatches(t *testing.T) {
	h := newHarness(t, 12, nil)
	h.pipe.Where = `id != "c005"`
	if _, err := h.runner.prepare("p"); err != nil {
		t.Fatal(err)
	}
	var (
		mu       sync.Mutex
		seenIn   int
		seenOut  int
		pipeline string
	)
	h.runner.Stages = []Stage{StageFunc(func(_ context.Context, b *Batch) error {
		mu.Lock()
		defer mu.Unlock()
		seenIn += len(b.In)
		seenOut += len(b.Out)
		pipeline = fmt.Sprintf("%s %s.%s→%s.%s %s", b.Pipeline, b.From.Connection, b.From.Stream, b.To.Connection, b.To.Stream, b.Source)
		for i := range b.Out {
			if b.In[b.OutFrom[i]].Key != b.Out[i].Key {
				t.Errorf("OutFrom[%d] points at %s, not %s", i, b.In[b.OutFrom[i]].Key, b.Out[i].Key)
			}
			b.Out[i].Data = fmt.Appendf(nil, `{"enriched":%q}`, b.Out[i].Key)
		}
		return nil
	})}
	if res := h.sync(); res.Err != nil {
		t.Fatal(res.Err)
	}
	if seenIn != 12 || seenOut != 11 {
		t.Errorf("stage saw %d read and %d mapped, want 12 and 11", seenIn, seenOut)
	}
	if pipeline != "p src.customers→dst.contacts read" {
		t.Errorf("stage saw %q", pipeline)
	}
	snap := h.dst.snapshot()
	if len(snap) != 11 || snap["c001"] != `{"enriched":"c001"}` {
		t.Errorf("destination = %v, want the enriched records", snap)
	}
}

// TestStageErrorFailsTheBatch: a stage's error fails the run, and nothing
// of the batch is committed.
func TestStageErrorFailsTheBatch(t *testing.T) {
	h := newHarness(t, 5, nil)
	h.runner.Stages = []Stage{StageFunc(func(context.Context, *Batch) error {
		return sdk.ConfigError(errors.New("index unavailable"))
	})}
	res := h.sync()
	if res.Err == nil || !strings.Contains(res.Err.Error(), "index unavailable") {
		t.Fatalf("sync = %v, want the stage's error", res.Err)
	}
	if h.checkpoint() != "" || len(h.dst.snapshot()) != 0 {
		t.Fatal("a batch whose stage failed was written or checkpointed")
	}
}

// push stores pushed records for the harness's source stream.
func (h *harness) push(delivery string, recs ...sdk.Record) int {
	h.t.Helper()
	entries, err := EntriesOf("src", delivery, recs)
	if err != nil {
		h.t.Fatal(err)
	}
	n, err := h.store.AppendInbox(context.Background(), entries)
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

// TestDeliverPushed: pushed records reach the destination through the
// pipeline's map, once; the cursor moves with each commit; a second
// delivery finds nothing; a redelivered webhook is not delivered again.
func TestDeliverPushed(t *testing.T) {
	h := newHarness(t, 0, nil)
	var log eventLog
	h.runner.Events = log.add
	if n := h.push("w1", customers(0, 25)...); n != 25 {
		t.Fatalf("pushed %d new, want 25", n)
	}
	bad := sdk.Record{Stream: "customers", Key: "broken", Data: []byte(`{`), Problem: "the webhook body is not JSON"}
	h.push("w2", bad)
	ctx := context.Background()
	res := h.runner.DeliverPushed(ctx, "p")
	if res.Err != nil || res.Status != state.RunSucceeded {
		t.Fatalf("deliver: %v (%s)", res.Err, res.Status)
	}
	wantCounts(t, res.Counts, 26, 25, 1, 0)
	if got := len(h.dst.snapshot()); got != 25 {
		t.Errorf("destination holds %d, want 25", got)
	}
	if dls := h.deadLetters(); len(dls) != 1 || dls[0].Key != "broken" || !dls[0].SourceProblem {
		t.Errorf("dead letters = %+v, want the broken one as a source problem", dls)
	}
	if e := log.of(EventRunStarted); len(e) != 1 || e[0].Source != SourcePushed {
		t.Errorf("run_started = %+v, want source pushed", e)
	}
	cursor, _ := h.store.InboxCursor(ctx, "p")
	all, _ := h.store.ReadInbox(ctx, "src", "customers", 0, 100)
	if cursor != all[len(all)-1].ID {
		t.Errorf("cursor %d, want the last entry %d", cursor, all[len(all)-1].ID)
	}
	// Nothing new: nothing written. A redelivery of w1 adds nothing.
	if n := h.push("w1", customers(0, 25)...); n != 0 {
		t.Errorf("redelivery stored %d entries", n)
	}
	writes := h.dst.writes
	if res := h.runner.DeliverPushed(ctx, "p"); res.Err != nil || res.Counts.Read != 0 {
		t.Fatalf("second delivery: %+v", res)
	}
	if h.dst.writes != writes {
		t.Errorf("second delivery wrote %d records", h.dst.writes-writes)
	}
	// A change pushed later updates the same object.
	changed := customer(3)
	changed.Data = []byte(`{"id":"c003","email":"new@example.com"}`)
	h.push("w3", changed)
	if res := h.runner.DeliverPushed(ctx, "p"); res.Err != nil || res.Counts.Updated != 1 || res.Counts.Created != 0 {
		t.Fatalf("update delivery: %+v", res)
	}
}

// TestDeliverPushedResumesAfterAFailure: a delivery that fails part-way
// has committed the batches before the failure with their cursor; the next
// delivery takes the rest, and no record is lost or written twice.
func TestDeliverPushedResumesAfterAFailure(t *testing.T) {
	h := newHarness(t, 0, nil)
	h.runner.MaxRestarts = -1 // no restart within the run
	h.push("w1", customers(0, 30)...)
	h.dst.batchFail = func(call int) error {
		if call == 2 {
			return sdk.ConfigError(errors.New("destination rejects the token"))
		}
		return nil
	}
	res := h.runner.DeliverPushed(context.Background(), "p")
	if res.Err == nil {
		t.Fatal("the failing delivery succeeded")
	}
	if got := len(h.dst.snapshot()); got != 10 {
		t.Fatalf("after the failure the destination holds %d, want the first batch of 10", got)
	}
	h.dst.batchFail = nil
	res = h.runner.DeliverPushed(context.Background(), "p")
	if res.Err != nil || res.Counts.Read != 20 {
		t.Fatalf("resume: %+v, want the 20 left", res)
	}
	if got := len(h.dst.snapshot()); got != 30 {
		t.Errorf("destination holds %d, want 30", got)
	}
	for k, n := range h.dst.attempts {
		if n != 1 {
			t.Errorf("%s written %d times, want once", k, n) // the failed call wrote none
		}
	}
}
