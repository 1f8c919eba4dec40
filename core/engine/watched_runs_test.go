package engine

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/sdk"
)

// slowSystem is a fake system whose reads send one record at a time,
// slowly: a vendor export making steady progress.
type slowSystem struct{ *fakeSystem }

func (s slowSystem) Read(ctx context.Context, req sdk.ReadRequest, out sdk.Emitter) error {
	return s.fakeSystem.Read(ctx, req, slowEmitter{out})
}

type slowEmitter struct{ out sdk.Emitter }

func (e slowEmitter) Emit(records ...sdk.Record) error {
	time.Sleep(40 * time.Millisecond)
	return e.out.Emit(records...)
}

func (e slowEmitter) Checkpoint(stream string, state []byte) error {
	return e.out.Checkpoint(stream, state)
}

// A peek at a large change set on the other side takes longer than the
// hang timeout in all, but each record it reads is progress: the run is
// not taken for hung and restarted.
func TestSlowPeekIsProgressNotAHang(t *testing.T) {
	w := newTwoWay(t)
	for i := range 20 {
		w.a.put(fmt.Sprint("c", i), map[string]any{"email": fmt.Sprintf("u%d@example.com", i), "first": "Margaret", "last": "Thompson"})
	}
	w.round()
	// 20 edits in b: the next a → b run peeks at them, 40 ms each, 800 ms
	// in all against a hang timeout of 300 ms.
	for i := range 20 {
		w.b.put(fmt.Sprint("b-", i+1), map[string]any{"phone": fmt.Sprint("+1 555 01", i)})
	}
	w.runner.Launcher.(*fakeLauncher).connectors["desk"] = slowSystem{w.b}
	w.runner.HangTimeout = 300 * time.Millisecond
	res := w.runner.Sync(context.Background(), "people-a-to-b")
	if res.Err != nil || res.Counts.Restarts != 0 {
		t.Fatalf("a slow but steady peek: err %v, restarts %d; want neither", res.Err, res.Counts.Restarts)
	}
}

// A composed field read back into a field the other direction never reads
// (the config check lets it through without an owner) flows one way: the
// sync settles after one write of it to each side.
func TestTwoWayOneWayBackSettles(t *testing.T) {
	// The sync of twoWayConfig, with b's name read back into display_name
	// (which to_b never reads) instead of first, and no owner.
	cfg := strings.Replace(twoWayConfig, "      first: name\n    owners: {name: a}\n", "      display_name: name\n", 1)
	if cfg == twoWayConfig {
		t.Fatal("twoWayConfig changed: the replacement found nothing")
	}
	w := newTwoWayWith(t, cfg)
	for i := range 5 {
		w.a.put(fmt.Sprint("c", i), map[string]any{"email": fmt.Sprintf("u%d@example.com", i), "first": "Margaret", "last": "Thompson"})
	}
	w.round() // a → b creates; b → a writes display_name
	w.round()
	for r := 3; r <= 5; r++ {
		if ab, ba, toA, toB := w.round(); toA != 0 || toB != 0 {
			t.Fatalf("round %d: %d writes to a and %d to b (a→b %+v, b→a %+v); want none", r, toA, toB, ab, ba)
		}
	}
	if got := w.a.get("c1")["display_name"]; got != "Margaret Thompson" {
		t.Errorf("c1 display_name = %v, want Margaret Thompson", got)
	}
	if got := w.a.get("c1")["first"]; got != "Margaret" {
		t.Errorf("c1 first = %v, want Margaret", got)
	}
}

// hangOnceSystem is a fake system whose first write never answers (until
// its context ends): a destination that hangs once.
type hangOnceSystem struct {
	*fakeSystem
	hung *atomic.Bool
}

func (s hangOnceSystem) OpenWriter(context.Context, sdk.OpenWriterRequest) (sdk.Writer, error) {
	return s, nil
}

func (s hangOnceSystem) Write(ctx context.Context, req sdk.WriteRequest) (sdk.WriteResponse, error) {
	if s.hung.CompareAndSwap(false, true) {
		<-ctx.Done()
		return sdk.WriteResponse{}, ctx.Err()
	}
	return s.fakeSystem.Write(ctx, req)
}

// A conflict's resolution whose destination hangs on the write is taken
// for hung like any run: stopped, and resolved on the restart.
func TestResolveConflictWithAHungDestinationIsRestarted(t *testing.T) {
	w := newTwoWayWith(t, strings.Replace(twoWayConfig, "owners: {name: a}", "owners: {name: a, phone: manual}", 1))
	w.a.put("c1", map[string]any{"email": "ann@example.com", "phone": "1", "first": "Ann", "last": "Lee"})
	w.round()
	w.a.put("c1", map[string]any{"phone": "from-a"})
	w.b.put("b-1", map[string]any{"phone": "from-b"})
	w.round()
	conflicts, err := w.store.Conflicts(context.Background(), state.ConflictFilter{})
	if err != nil || len(conflicts) != 1 {
		t.Fatalf("conflicts %+v, %v; want one parked", conflicts, err)
	}
	w.runner.Launcher.(*fakeLauncher).connectors["desk"] = hangOnceSystem{w.b, &atomic.Bool{}}
	w.runner.HangTimeout = 300 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res := w.runner.ResolveConflict(ctx, conflicts[0].ID, "a")
	if res.Err != nil || res.Counts.Restarts < 1 {
		t.Fatalf("resolving with a destination that hangs once: err %v, restarts %d; want it resolved after a restart", res.Err, res.Counts.Restarts)
	}
	if b := w.b.get("b-1"); b["phone"] != "from-a" {
		t.Errorf("after taking a, b has phone %v", b["phone"])
	}
}
