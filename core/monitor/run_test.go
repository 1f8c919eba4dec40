package monitor

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/engine"
	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/sdk"
)

func (h *fakeHub) publish(e engine.Event) {
	h.mu.Lock()
	subs := append([]func(engine.Event){}, h.subs...)
	h.mu.Unlock()
	for _, fn := range subs {
		fn(e)
	}
}

func TestRunChecksOnScheduleNotifiesAndReloads(t *testing.T) {
	rcv := newReceiver(t)
	cfg := testConfig(rcv.config())
	cfg.Monitor.CheckInterval, cfg.Monitor.CheckFailures = 20*time.Millisecond, 2
	cfg.Monitor.DeadLetters = 1
	h := newFakeHub(t, cfg)
	h.setCheck(failing)
	opts := quickOptions(nil)
	opts.EvaluateEvery = time.Hour // only finished runs wake the evaluation
	m := New(h, opts)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	var runErr error
	go func() {
		defer wg.Done()
		runErr = m.Run(ctx)
	}()
	defer func() {
		cancel()
		wg.Wait()
	}()

	got := rcv.waitFor(1, 5*time.Second)
	if got[0].n.Key != "connection_failing:crm" || got[0].n.Status != state.AlertFiring {
		t.Fatalf("first notification: %+v", got[0].n)
	}
	h.setCheck(func(string) (sdk.CheckResponse, error) { return sdk.CheckResponse{Message: "ok"}, nil })
	got = rcv.waitFor(2, 5*time.Second)
	if got[1].n.Key != "connection_failing:crm" || got[1].n.Status != state.AlertResolved {
		t.Fatalf("second notification: %+v", got[1].n)
	}

	// A finished run wakes the evaluation at once.
	recordRun(t, h.store, "export", state.RunSucceeded, state.Counts{Read: 100, Written: 99, DeadLettered: 1})
	h.publish(engine.Event{Kind: engine.EventRunFinished, Pipeline: "export"})
	got = rcv.waitFor(3, 5*time.Second)
	if got[2].n.Key != "pipeline_dead_letters:export" {
		t.Fatalf("third notification: %+v", got[2].n)
	}

	// A reload that drops the pipeline resolves its alert, and stops
	// checking connections that are gone.
	cfg2 := testConfig(rcv.config())
	cfg2.Pipelines = nil
	delete(cfg2.Connections, "crm")
	m.Reload(cfg2)
	got = rcv.waitFor(4, 5*time.Second)
	if got[3].n.Key != "pipeline_dead_letters:export" || got[3].n.Status != state.AlertResolved {
		t.Fatalf("fourth notification: %+v", got[3].n)
	}
	if c := m.Connections(); len(c) != 0 {
		t.Fatalf("connections after the reload: %+v", c)
	}
	h.mu.Lock()
	before := h.checks
	h.mu.Unlock()
	time.Sleep(100 * time.Millisecond)
	h.mu.Lock()
	after := h.checks
	h.mu.Unlock()
	if after > before+1 { // one check may have been under way
		t.Fatalf("%d checks of a removed connection after the reload", after-before)
	}

	cancel()
	wg.Wait()
	if runErr != nil {
		t.Fatalf("Run = %v", runErr)
	}
}
