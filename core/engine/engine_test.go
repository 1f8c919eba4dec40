package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/mapping"
	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/core/state/sqlite"
	"github.com/cxhub/cxhub/sdk"
)

type harness struct {
	t      *testing.T
	src    *fakeSource
	dst    *fakeDest
	store  state.Store
	runner *Runner
	pipe   *config.Pipeline
	launch *fakeLauncher
}

func customer(i int) sdk.Record {
	key := fmt.Sprintf("c%03d", i)
	return sdk.Record{Stream: "customers", Key: key,
		Data: fmt.Appendf(nil, `{"id":%q,"email":"user%d@example.com","name":{"first":"U","last":"%d"},"score":"%d"}`, key, i, i, i%10)}
}

func customers(from, to int) []sdk.Record {
	var out []sdk.Record
	for i := from; i < to; i++ {
		out = append(out, customer(i))
	}
	return out
}

func newHarness(t *testing.T, n int, edit func(*config.Pipeline)) *harness {
	t.Helper()
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	pipe := &config.Pipeline{
		Name: "p", From: config.Endpoint{Connection: "src", Stream: "customers"},
		To: config.Endpoint{Connection: "dst", Stream: "contacts"}, OnError: "dead_letter", BatchSize: 10,
		Retry: config.Retry{InitialInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond, MaxElapsed: 200 * time.Millisecond},
	}
	if edit != nil {
		edit(pipe)
	}
	cfg := &config.Config{File: "test.yaml", Connections: map[string]*config.Connection{
		"src": {Name: "src", Connector: "fakesource", Config: json.RawMessage(`{}`)},
		"dst": {Name: "dst", Connector: "fakedest", Config: json.RawMessage(`{}`)},
	}, Pipelines: []*config.Pipeline{pipe}}
	h := &harness{t: t, src: &fakeSource{records: customers(0, n), every: 10}, dst: newFakeDest(), store: store, pipe: pipe}
	h.launch = &fakeLauncher{connectors: map[string]sdk.Connector{"src": h.src, "dst": h.dst}}
	h.runner = &Runner{Config: cfg, Store: store, Launcher: h.launch, RestartBackoff: time.Millisecond}
	return h
}

func (h *harness) sync() Result {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return h.runner.Sync(ctx, "p")
}

func (h *harness) checkpoint() string {
	h.t.Helper()
	cps, err := h.store.Checkpoints(context.Background(), "p")
	if err != nil {
		h.t.Fatal(err)
	}
	return string(cps["customers"])
}

func (h *harness) deadLetters() []state.DeadLetter {
	h.t.Helper()
	dls, err := h.store.DeadLetters(context.Background(), state.DeadLetterFilter{Pipeline: "p"})
	if err != nil {
		h.t.Fatal(err)
	}
	return dls
}

func wantCounts(t *testing.T, got state.Counts, read, written, dead, filtered int64) {
	t.Helper()
	if got.Read != read || got.Written != written || got.DeadLettered != dead || got.Filtered != filtered {
		t.Errorf("counts: got read=%d written=%d dead=%d filtered=%d, want %d/%d/%d/%d",
			got.Read, got.Written, got.DeadLettered, got.Filtered, read, written, dead, filtered)
	}
}

func TestSyncWritesEverythingAndCheckpoints(t *testing.T) {
	h := newHarness(t, 35, nil)
	res := h.sync()
	if res.Err != nil || res.Status != state.RunSucceeded {
		t.Fatalf("sync: %v (%s)", res.Err, res.Status)
	}
	wantCounts(t, res.Counts, 35, 35, 0, 0)
	if res.Counts.Created != 35 {
		t.Errorf("created %d, want 35", res.Counts.Created)
	}
	if got := h.checkpoint(); got != "35" {
		t.Errorf("checkpoint %q, want 35", got)
	}
	if got := len(h.dst.snapshot()); got != 35 {
		t.Errorf("destination holds %d records, want 35", got)
	}
	run, err := h.store.Run(context.Background(), res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != state.RunSucceeded || run.Counts.Written != 35 {
		t.Errorf("stored run: %+v", run)
	}
	n, err := h.store.CountLinks(context.Background())
	if err != nil || n != 35 {
		t.Errorf("links: %d (%v), want 35", n, err)
	}
}

func TestSecondSyncReadsOnlyWhatChanged(t *testing.T) {
	h := newHarness(t, 20, nil)
	if res := h.sync(); res.Err != nil {
		t.Fatal(res.Err)
	}
	h.src.add(customers(20, 23)...)
	res := h.sync()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	wantCounts(t, res.Counts, 3, 3, 0, 0)
	if got := h.checkpoint(); got != "23" {
		t.Errorf("checkpoint %q, want 23", got)
	}
	res = h.sync()
	wantCounts(t, res.Counts, 0, 0, 0, 0)
}

func TestMapAndWhereShapeWhatIsWritten(t *testing.T) {
	h := newHarness(t, 10, func(p *config.Pipeline) {
		p.Map = []mapping.Field{
			{Name: "email", Expr: "email"},
			{Name: "full_name", Expr: "{{name.first}} {{name.last}}"},
			{Name: "source", Const: json.RawMessage(`"test"`)},
		}
		p.Where = "score >= 5"
	})
	res := h.sync()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	wantCounts(t, res.Counts, 10, 5, 0, 5)
	got := h.dst.snapshot()
	if want := `{"email":"user7@example.com","full_name":"U 7","source":"test"}`; got["c007"] != want {
		t.Errorf("c007 written as %s, want %s", got["c007"], want)
	}
	if _, ok := got["c003"]; ok {
		t.Errorf("c003 (score 3) passed the filter score >= 5")
	}
}

func TestBadRecordIsDeadLetteredAndTheRestContinues(t *testing.T) {
	h := newHarness(t, 25, nil)
	h.dst.fail = func(r sdk.Record, _ int) error {
		if r.Key == "c013" {
			return sdk.BadRecord(errors.New("property email: invalid address"))
		}
		return nil
	}
	res := h.sync()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	wantCounts(t, res.Counts, 25, 24, 1, 0)
	dls := h.deadLetters()
	if len(dls) != 1 {
		t.Fatalf("%d dead letters, want 1", len(dls))
	}
	dl := dls[0]
	if dl.Key != "c013" || dl.ErrorKind != "bad_record" || !strings.Contains(dl.Error, "invalid address") ||
		string(dl.Data) != string(customer(13).Data) || dl.Status != state.DeadLetterPending || dl.Attempts != 1 {
		t.Errorf("dead letter: %+v", dl)
	}
	if got := h.checkpoint(); got != "25" {
		t.Errorf("checkpoint %q, want 25: a dead-lettered record is final", got)
	}
}

func TestSourceProblemRecordIsDeadLettered(t *testing.T) {
	h := newHarness(t, 5, nil)
	h.src.add(sdk.Record{Stream: "customers", Key: "customers:7", Data: []byte(`{"id":`), Problem: "line 7: invalid JSON"})
	res := h.sync()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	wantCounts(t, res.Counts, 6, 5, 1, 0)
	dls := h.deadLetters()
	if len(dls) != 1 || dls[0].Error != "line 7: invalid JSON" || dls[0].ErrorKind != "bad_record" {
		t.Errorf("dead letters: %+v", dls)
	}
}

// TestOverlongKeyIsDeadLettered: a record whose key is longer than
// sdk.MaxKeyBytes is dead-lettered with the reason and the run goes on;
// a key at the limit is written. (PostgreSQL's indexes refuse long link
// keys: the batch's commit failed on every run.) The same from a webhook:
// the inbox entry gets a stand-in key and the problem.
func TestOverlongKeyIsDeadLettered(t *testing.T) {
	h := newHarness(t, 5, nil)
	long := strings.Repeat("k", sdk.MaxKeyBytes+1)
	h.src.add(sdk.Record{Stream: "customers", Key: long, Data: []byte(`{"id":"long"}`)})
	h.src.add(sdk.Record{Stream: "customers", Key: long[1:], Data: []byte(`{"id":"at the limit"}`)})
	res := h.sync()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	wantCounts(t, res.Counts, 7, 6, 1, 0)
	dls := h.deadLetters()
	if len(dls) != 1 || dls[0].Key != long || dls[0].ErrorKind != "bad_record" ||
		dls[0].Error != fmt.Sprintf("record key is %d bytes, more than the %d a key may have", len(long), sdk.MaxKeyBytes) {
		t.Errorf("dead letters: %+v", dls)
	}

	entries, err := EntriesOf("crm", "d1", []sdk.Record{{Stream: "customers", Key: long, Data: []byte(`{}`)}})
	if err != nil {
		t.Fatal(err)
	}
	if e := entries[0]; len(e.Key) > sdk.MaxKeyBytes || !strings.Contains(e.Problem, "more than the 1024 a key may have") {
		t.Errorf("inbox entry of an overlong key: key of %d bytes, problem %q", len(e.Key), e.Problem)
	}
}

// TestKeylessRecordsAreDeadLettered: a record without a key, with or
// without a problem, is dead-lettered under a stable key of its own and
// the run goes on.
func TestKeylessRecordsAreDeadLettered(t *testing.T) {
	h := newHarness(t, 5, nil)
	h.src.add(sdk.Record{Stream: "customers", Data: []byte(`{"name":"no id"}`), Problem: "record 6 has no id"})
	h.src.add(sdk.Record{Stream: "customers", Data: []byte(`{"name":"no key"}`)})
	res := h.sync()
	if res.Err != nil {
		t.Fatalf("a keyless record failed the run: %v", res.Err)
	}
	wantCounts(t, res.Counts, 7, 5, 2, 0)
	dls := h.deadLetters()
	if len(dls) != 2 {
		t.Fatalf("dead letters: %+v, want 2", dls)
	}
	reasons := map[string]bool{dls[0].Error: true, dls[1].Error: true}
	if !reasons["record 6 has no id"] || !reasons["the source gave the record no key"] {
		t.Errorf("dead letter reasons %v", reasons)
	}
	for _, d := range dls {
		if !strings.HasPrefix(d.Key, "no-key-") || d.Key == dls[0].Key && d.ID != dls[0].ID {
			t.Errorf("dead letter %d has key %q, want a distinct no-key-<hash>", d.ID, d.Key)
		}
	}
	if keyless([]byte(`{"a":1}`)) != keyless([]byte(`{"a":1}`)) {
		t.Error("the key of a keyless record changes between reads")
	}
}

func TestUnmappableRecordIsDeadLettered(t *testing.T) {
	h := newHarness(t, 3, func(p *config.Pipeline) { p.Map = []mapping.Field{{Name: "email", Expr: "email"}} })
	h.src.add(sdk.Record{Stream: "customers", Key: "broken", Data: []byte(`[1,2]`)})
	res := h.sync()
	wantCounts(t, res.Counts, 4, 3, 1, 0)
	if dls := h.deadLetters(); len(dls) != 1 || !strings.HasPrefix(dls[0].Error, "map: ") {
		t.Errorf("dead letters: %+v", dls)
	}
}

func TestTransientFailuresAreRetried(t *testing.T) {
	h := newHarness(t, 10, nil)
	h.dst.fail = func(r sdk.Record, attempt int) error {
		if r.Key == "c004" && attempt <= 2 {
			return sdk.Transient(errors.New("503 service unavailable"))
		}
		return nil
	}
	res := h.sync()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	wantCounts(t, res.Counts, 10, 10, 0, 0)
	if res.Counts.Retries != 2 {
		t.Errorf("retries %d, want 2", res.Counts.Retries)
	}
	if h.dst.attempts["c004"] != 3 || h.dst.attempts["c005"] != 1 {
		t.Errorf("attempts: c004 %d (want 3), c005 %d (want 1: only failed records are retried)", h.dst.attempts["c004"], h.dst.attempts["c005"])
	}
}

func TestRateLimitWaitIsHonoured(t *testing.T) {
	h := newHarness(t, 3, nil)
	const wait = 150 * time.Millisecond
	h.dst.fail = func(r sdk.Record, attempt int) error {
		if r.Key == "c001" && attempt == 1 {
			return sdk.RateLimited(errors.New("429 too many requests"), wait)
		}
		return nil
	}
	if res := h.sync(); res.Err != nil || res.Counts.Written != 3 {
		t.Fatalf("sync: %v %+v", res.Err, res.Counts)
	}
	at := h.dst.attemptAt["c001"]
	if len(at) != 2 {
		t.Fatalf("c001 tried %d times, want 2", len(at))
	}
	if gap := at[1].Sub(at[0]); gap < wait {
		t.Errorf("retried after %v, before the %v the rate limit asked for", gap, wait)
	}
}

func TestTransientFailureBeyondBudgetIsDeadLettered(t *testing.T) {
	h := newHarness(t, 10, nil)
	h.dst.fail = func(r sdk.Record, _ int) error {
		if r.Key == "c002" {
			return sdk.Transient(errors.New("upstream timeout"))
		}
		return nil
	}
	res := h.sync()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	wantCounts(t, res.Counts, 10, 9, 1, 0)
	dls := h.deadLetters()
	if len(dls) != 1 || dls[0].ErrorKind != "transient" || !strings.Contains(dls[0].Error, "gave up after") ||
		dls[0].Attempts < 2 || dls[0].Attempts != h.dst.attempts["c002"] {
		t.Errorf("dead letters: %+v (destination saw %d attempts)", dls, h.dst.attempts["c002"])
	}
}

// A rate limit asking for a wait past retry.max_elapsed (200ms here)
// dead-letters the record at once instead of holding the run for the wait.
func TestRateLimitWaitBeyondBudgetIsDeadLettered(t *testing.T) {
	h := newHarness(t, 10, nil)
	h.dst.fail = func(r sdk.Record, _ int) error {
		if r.Key == "c002" {
			return sdk.RateLimited(errors.New("429 too many requests"), time.Hour)
		}
		return nil
	}
	start := time.Now()
	res := h.sync()
	if res.Err != nil {
		t.Fatalf("sync after %v: %v", time.Since(start), res.Err)
	}
	wantCounts(t, res.Counts, 10, 9, 1, 0)
	dls := h.deadLetters()
	if len(dls) != 1 || dls[0].ErrorKind != "rate_limited" || dls[0].Attempts != 1 ||
		!strings.Contains(dls[0].Error, "asks to wait 1h0m0s, past retry.max_elapsed (200ms)") {
		t.Errorf("dead letters: %+v", dls)
	}
}

func TestAuthFailureStopsTheRunAndKeepsTheCheckpoint(t *testing.T) {
	h := newHarness(t, 30, nil)
	h.dst.fail = func(r sdk.Record, _ int) error {
		if r.Key == "c025" {
			return sdk.AuthError(errors.New("401 invalid token"))
		}
		return nil
	}
	res := h.sync()
	if res.Err == nil || res.Status != state.RunFailed || sdk.KindOf(res.Err) != sdk.KindAuth {
		t.Fatalf("sync: status %s err %v, want failed with an auth error", res.Status, res.Err)
	}
	if got := h.checkpoint(); got != "20" {
		t.Errorf("checkpoint %q, want 20 (the last fully final batch)", got)
	}
	if len(h.deadLetters()) != 0 {
		t.Errorf("an auth failure dead-lettered records")
	}
	if h.launch.starts["dst"] != 1 {
		t.Errorf("auth failure restarted the destination %d times", h.launch.starts["dst"]-1)
	}
	// Fixed: the next run delivers everything, with no duplicate.
	h.dst.fail = nil
	if res := h.sync(); res.Err != nil {
		t.Fatal(res.Err)
	}
	if got := len(h.dst.snapshot()); got != 30 {
		t.Errorf("destination holds %d records after recovery, want 30", got)
	}
}

func TestOnErrorStopStopsBeforeTheBadRecordsBatch(t *testing.T) {
	h := newHarness(t, 30, func(p *config.Pipeline) { p.OnError = "stop" })
	h.dst.fail = func(r sdk.Record, _ int) error {
		if r.Key == "c015" {
			return sdk.BadRecord(errors.New("missing required field"))
		}
		return nil
	}
	res := h.sync()
	if res.Err == nil || !strings.Contains(res.Err.Error(), `"c015"`) || !strings.Contains(res.Err.Error(), "missing required field") {
		t.Fatalf("sync error %v, want one naming c015 and its reason", res.Err)
	}
	if got := h.checkpoint(); got != "10" {
		t.Errorf("checkpoint %q, want 10", got)
	}
	if len(h.deadLetters()) != 0 {
		t.Errorf("on_error: stop dead-lettered records")
	}
}

func TestRetryableRunFailureRestartsFromCheckpoint(t *testing.T) {
	h := newHarness(t, 50, nil)
	h.src.failAfter = 27 // the first read breaks after 27 records
	res := h.sync()
	if res.Err != nil {
		t.Fatalf("sync: %v", res.Err)
	}
	if res.Counts.Restarts != 1 || h.launch.starts["src"] != 2 {
		t.Errorf("restarts %d, source starts %d; want 1 and 2", res.Counts.Restarts, h.launch.starts["src"])
	}
	if got := len(h.dst.snapshot()); got != 50 {
		t.Errorf("destination holds %d, want 50", got)
	}
	if h.checkpoint() != "50" {
		t.Errorf("checkpoint %q", h.checkpoint())
	}
	if h.launch.stops != h.launch.starts["src"]+h.launch.starts["dst"] {
		t.Errorf("%d stops for %d starts", h.launch.stops, h.launch.starts["src"]+h.launch.starts["dst"])
	}
}

func TestWholeBatchFailureRestartsAndDeliversOnce(t *testing.T) {
	h := newHarness(t, 40, nil)
	h.dst.batchFail = func(call int) error {
		if call == 3 {
			return sdk.Transient(errors.New("connection reset by peer"))
		}
		return nil
	}
	res := h.sync()
	if res.Err != nil {
		t.Fatalf("sync: %v", res.Err)
	}
	if res.Counts.Restarts != 1 {
		t.Errorf("restarts %d, want 1", res.Counts.Restarts)
	}
	snap := h.dst.snapshot()
	if len(snap) != 40 {
		t.Errorf("destination holds %d, want 40", len(snap))
	}
	for k, n := range h.dst.attempts {
		if n > 2 {
			t.Errorf("%s written %d times", k, n)
		}
	}
}

func TestRunGivesUpAfterMaxRestarts(t *testing.T) {
	h := newHarness(t, 20, nil)
	h.runner.MaxRestarts = 2
	h.dst.batchFail = func(int) error { return sdk.Transient(errors.New("down")) }
	res := h.sync()
	if res.Err == nil || res.Status != state.RunFailed {
		t.Fatalf("sync: %v %s, want failure", res.Err, res.Status)
	}
	if res.Counts.Restarts != 2 || h.launch.starts["dst"] != 3 {
		t.Errorf("restarts %d, destination starts %d; want 2 and 3", res.Counts.Restarts, h.launch.starts["dst"])
	}
	if h.checkpoint() != "" {
		t.Errorf("checkpoint %q moved though nothing was written", h.checkpoint())
	}
}

func TestLinksTurnTheNextChangeIntoAnUpdate(t *testing.T) {
	h := newHarness(t, 5, nil)
	if res := h.sync(); res.Err != nil {
		t.Fatal(res.Err)
	}
	firstID := h.dst.byKey["c002"]
	changed := customer(2)
	changed.Data = []byte(`{"id":"c002","email":"new@example.com"}`)
	h.src.add(changed)
	res := h.sync()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if h.dst.targets["c002"] != firstID {
		t.Errorf("second write of c002 carried TargetID %q, want %q", h.dst.targets["c002"], firstID)
	}
	if res.Counts.Updated != 1 || res.Counts.Created != 0 {
		t.Errorf("counts %+v, want one update", res.Counts)
	}
}

func TestReplayAfterFixWritesTheDeadLetter(t *testing.T) {
	h := newHarness(t, 12, nil)
	broken := true
	h.dst.fail = func(r sdk.Record, _ int) error {
		if r.Key == "c007" && broken {
			return sdk.BadRecord(errors.New("rejected"))
		}
		return nil
	}
	if res := h.sync(); res.Err != nil {
		t.Fatal(res.Err)
	}
	// Replaying before the fix fails again: still pending, attempts grow,
	// and the replay's run counts it.
	res := h.runner.Replay(context.Background(), "p", nil)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if res.Counts.DeadLettered != 1 || res.Counts.Written != 0 {
		t.Errorf("failed replay counts %+v, want one dead-lettered again", res.Counts)
	}
	dls := h.deadLetters()
	if len(dls) != 1 || dls[0].Status != state.DeadLetterPending || dls[0].Attempts != 2 {
		t.Fatalf("after failed replay: %+v", dls)
	}
	broken = false
	res = h.runner.Replay(context.Background(), "p", nil)
	if res.Err != nil || res.Counts.Written != 1 {
		t.Fatalf("replay: %v %+v", res.Err, res.Counts)
	}
	dls = h.deadLetters()
	if len(dls) != 1 || dls[0].Status != state.DeadLetterReplayed {
		t.Errorf("after replay: %+v", dls)
	}
	if _, ok := h.dst.snapshot()["c007"]; !ok {
		t.Errorf("c007 not in the destination after replay")
	}
	pending, _ := h.store.CountDeadLetters(context.Background(), "p", state.DeadLetterPending)
	if pending != 0 {
		t.Errorf("%d dead letters still pending", pending)
	}
}

func TestCancelledSyncIsInterruptedAndResumable(t *testing.T) {
	h := newHarness(t, 200, nil)
	ctx, cancel := context.WithCancel(context.Background())
	h.dst.fail = func(r sdk.Record, _ int) error {
		if r.Key == "c055" {
			cancel()
		}
		return nil
	}
	res := h.runner.Sync(ctx, "p")
	if res.Status != state.RunInterrupted {
		t.Fatalf("status %s (%v), want interrupted", res.Status, res.Err)
	}
	cp := h.checkpoint()
	h.dst.fail = nil
	if res := h.sync(); res.Err != nil {
		t.Fatal(res.Err)
	}
	if got := len(h.dst.snapshot()); got != 200 {
		t.Errorf("after resume from checkpoint %q the destination holds %d, want 200", cp, got)
	}
}

func TestOnErrorStopAfterExhaustedRetriesDoesNotRestart(t *testing.T) {
	h := newHarness(t, 10, func(p *config.Pipeline) { p.OnError = "stop" })
	h.dst.fail = func(r sdk.Record, _ int) error {
		if r.Key == "c003" {
			return sdk.Transient(errors.New("upstream timeout"))
		}
		return nil
	}
	res := h.sync()
	if res.Err == nil || !strings.Contains(res.Err.Error(), "gave up after") {
		t.Fatalf("sync: %v, want a stop naming the exhausted retries", res.Err)
	}
	if res.Counts.Restarts != 0 || h.launch.starts["dst"] != 1 {
		t.Errorf("on_error: stop restarted the run %d times", res.Counts.Restarts)
	}
}

func TestConnectorBreakingTheResultContractIsNotRestarted(t *testing.T) {
	h := newHarness(t, 10, nil)
	h.runner.Launcher.(*fakeLauncher).connectors["dst"] = shortDest{h.dst}
	res := h.sync()
	if res.Err == nil || !strings.Contains(res.Err.Error(), "results for") {
		t.Fatalf("sync: %v, want the result count mismatch", res.Err)
	}
	if res.Counts.Restarts != 0 {
		t.Errorf("a connector bug restarted the run %d times", res.Counts.Restarts)
	}
}

func TestRestartWaitsForTheRetryAfterOfARateLimitedRun(t *testing.T) {
	h := newHarness(t, 5, nil)
	const wait = 200 * time.Millisecond
	var calls []time.Time
	h.dst.batchFail = func(call int) error {
		calls = append(calls, time.Now())
		if call == 1 {
			return sdk.RateLimited(errors.New("429"), wait)
		}
		return nil
	}
	if res := h.sync(); res.Err != nil || res.Counts.Restarts != 1 || len(calls) < 2 {
		t.Fatalf("sync: %v, restarts %d, %d write calls", res.Err, res.Counts.Restarts, len(calls))
	}
	if gap := calls[1].Sub(calls[0]); gap < wait {
		t.Errorf("restarted after %v, before the %v retry-after", gap, wait)
	}
}

// shortDest is a destination that returns one result too few.
type shortDest struct{ *fakeDest }

func (d shortDest) OpenWriter(context.Context, sdk.OpenWriterRequest) (sdk.Writer, error) {
	return d, nil
}

func (d shortDest) Write(ctx context.Context, req sdk.WriteRequest) (sdk.WriteResponse, error) {
	resp, err := d.fakeDest.Write(ctx, req)
	resp.Results = resp.Results[:len(resp.Results)-1]
	return resp, err
}

func TestSecretsAreRedactedFromStoredErrors(t *testing.T) {
	h := newHarness(t, 20, nil)
	h.runner.Redact = func(s string) string { return strings.ReplaceAll(s, "hunter2", "[redacted]") }
	h.dst.fail = func(r sdk.Record, _ int) error {
		switch r.Key {
		case "c002":
			return sdk.BadRecord(errors.New("token hunter2 may not write this record"))
		case "c015": // a later batch: the first one, with its dead letter, is committed
			return sdk.AuthError(errors.New("token hunter2 refused"))
		}
		return nil
	}
	res := h.sync()
	if res.Err == nil {
		t.Fatal("the auth failure did not fail the run")
	}
	dls := h.deadLetters()
	if len(dls) != 1 || dls[0].Error != "token [redacted] may not write this record" {
		t.Errorf("dead letters: %+v", dls)
	}
	run, err := h.store.Run(context.Background(), res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(run.Error, "hunter2") || !strings.Contains(run.Error, "[redacted]") {
		t.Errorf("stored run error %q", run.Error)
	}
}

func TestReplayOfASourceProblemKeepsItPendingWithItsReason(t *testing.T) {
	h := newHarness(t, 3, func(p *config.Pipeline) { p.Where = `email != ""` })
	h.src.add(sdk.Record{Stream: "customers", Key: "customers:4", Data: []byte("C-9,Ines,,"), Problem: "line 4: 4 cells, header has 6"})
	if res := h.sync(); res.Err != nil || res.Counts.DeadLettered != 1 {
		t.Fatalf("sync: %v %+v", res.Err, res.Counts)
	}
	res := h.runner.Replay(context.Background(), "p", nil)
	if res.Err != nil || res.Counts.DeadLettered != 1 || res.Counts.Filtered != 0 {
		t.Fatalf("replay: %v %+v, want the record dead-lettered again, not filtered", res.Err, res.Counts)
	}
	dls := h.deadLetters()
	if len(dls) != 1 || dls[0].Status != state.DeadLetterPending || !dls[0].SourceProblem ||
		dls[0].Error != "line 4: 4 cells, header has 6" || dls[0].Attempts != 2 {
		t.Errorf("after replay: %+v", dls)
	}
}

func TestReplayThatTheFilterNowDropsIsDiscarded(t *testing.T) {
	h := newHarness(t, 5, nil)
	h.dst.fail = func(r sdk.Record, _ int) error {
		if r.Key == "c003" {
			return sdk.BadRecord(errors.New("rejected"))
		}
		return nil
	}
	if res := h.sync(); res.Err != nil {
		t.Fatal(res.Err)
	}
	h.pipe.Where = `id != "c003"`
	h.dst.fail = nil
	res := h.runner.Replay(context.Background(), "p", nil)
	if res.Err != nil || res.Counts.Filtered != 1 || res.Counts.Written != 0 {
		t.Fatalf("replay: %v %+v", res.Err, res.Counts)
	}
	dls := h.deadLetters()
	if len(dls) != 1 || dls[0].Status != state.DeadLetterDiscarded {
		t.Errorf("a dead letter the filter now drops: %+v, want discarded (never replayed: it was not written)", dls)
	}
	if _, ok := h.dst.snapshot()["c003"]; ok {
		t.Errorf("c003 was written")
	}
}

// A checkpoint that arrives while records wait in a partial batch must not
// be persisted before they are final (the emitter flushes them first).
func TestCheckpointNeverOvertakesAPartialBatch(t *testing.T) {
	h := newHarness(t, 25, func(p *config.Pipeline) { p.BatchSize = 7 })
	h.dst.fail = func(r sdk.Record, _ int) error {
		if r.Key == "c008" {
			return sdk.AuthError(errors.New("401"))
		}
		return nil
	}
	if res := h.sync(); res.Err == nil {
		t.Fatal("the auth failure did not stop the run")
	}
	cp := h.checkpoint()
	written := h.dst.snapshot()
	n := 0
	if cp != "" {
		var err error
		if n, err = strconv.Atoi(cp); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < n; i++ {
		if _, ok := written[fmt.Sprintf("c%03d", i)]; !ok {
			t.Fatalf("checkpoint %q persisted but c%03d was never written", cp, i)
		}
	}
}

// A record of another stream than the one read is a connector's bug: it is
// dead-lettered, saying so, instead of landing in the destination as one
// of the stream's; the rest of the batch goes on.
func TestRecordOfAnotherStreamIsDeadLettered(t *testing.T) {
	h := newHarness(t, 10, nil)
	h.src.records[3].Stream = "orders"
	h.src.records[4].Stream = ""
	res := h.sync()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	wantCounts(t, res.Counts, 10, 8, 2, 0)
	dls := h.deadLetters()
	if len(dls) != 2 || !strings.Contains(dls[0].Error+dls[1].Error, `a record of stream "orders" in a read of stream "customers"`) {
		t.Errorf("dead letters: %+v", dls)
	}
	if _, ok := h.dst.byKey["c003"]; ok {
		t.Error("the record of stream orders was written")
	}
}

// wrongCheckpointSource checkpoints another stream than the one it reads.
type wrongCheckpointSource struct{ *fakeSource }

func (s wrongCheckpointSource) Read(ctx context.Context, req sdk.ReadRequest, out sdk.Emitter) error {
	if err := out.Emit(customers(0, 3)...); err != nil {
		return err
	}
	return out.Checkpoint("other", []byte("3"))
}

// A checkpoint of another stream is a connector's bug: persisted, it would
// never be read back and every run would read the stream from the start.
// The run fails at once (a restart would do the same) and saves nothing.
func TestCheckpointOfAnotherStreamFailsTheRun(t *testing.T) {
	h := newHarness(t, 3, nil)
	h.launch.connectors["src"] = wrongCheckpointSource{h.src}
	res := h.sync()
	if res.Err == nil || !strings.Contains(res.Err.Error(), `a checkpoint of stream "other" in a read of stream "customers"`) {
		t.Fatalf("sync: %v, want the wrong checkpoint reported", res.Err)
	}
	if res.Counts.Restarts != 0 {
		t.Errorf("%d restarts: a connector's bug is not mended by a restart", res.Counts.Restarts)
	}
	cps, err := h.store.Checkpoints(context.Background(), "p")
	if err != nil {
		t.Fatal(err)
	}
	if len(cps) != 0 {
		t.Errorf("checkpoints saved: %v", cps)
	}
}
