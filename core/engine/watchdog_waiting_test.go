package engine

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// waitingDest runs wait in its first Write, then writes normally.
type waitingDest struct {
	*fakeDest
	calls atomic.Int32
	wait  func(ctx context.Context) error
}

func (d *waitingDest) OpenWriter(context.Context, sdk.OpenWriterRequest) (sdk.Writer, error) {
	return d, nil
}

func (d *waitingDest) Write(ctx context.Context, req sdk.WriteRequest) (sdk.WriteResponse, error) {
	if d.calls.Add(1) == 1 {
		if err := d.wait(ctx); err != nil {
			return sdk.WriteResponse{}, sdk.Transient(err)
		}
	}
	return d.fakeDest.Write(ctx, req)
}

// announceAndSleep announces a wait of d, as httpx does for a
// Retry-After, and sleeps it.
func announceAndSleep(reason string, d time.Duration) func(context.Context) error {
	return func(ctx context.Context) error {
		sdk.Waiting(ctx, reason, time.Now().Add(d))
		return sleep(ctx, d)
	}
}

// TestPluginWaitIsNotHanging: a destination that announces a wait longer
// than the hang timeout, and sleeps it, is not taken for hung; the wait is
// reported with its reason.
func TestPluginWaitIsNotHanging(t *testing.T) {
	h := newHarness(t, 30, nil)
	h.launch.connectors["dst"] = &waitingDest{fakeDest: h.dst, wait: announceAndSleep("vendor job running", 800*time.Millisecond)}
	h.runner.HangTimeout = 150 * time.Millisecond
	var log eventLog
	h.runner.Events = log.add
	res := h.sync()
	if res.Err != nil || res.Counts.Restarts != 0 || len(log.of(EventPluginHang)) != 0 {
		t.Fatalf("an announced wait was taken for a hang: %+v, hangs %+v", res, log.of(EventPluginHang))
	}
	if len(h.dst.snapshot()) != 30 {
		t.Errorf("destination holds %d records, want 30", len(h.dst.snapshot()))
	}
	waits := log.of(EventPluginWaiting)
	if len(waits) != 1 || waits[0].Plugin != "destination" || waits[0].Reason != "vendor job running" ||
		waits[0].Wait <= 500*time.Millisecond || waits[0].Pipeline != "p" {
		t.Errorf("plugin_waiting events %+v, want one of the destination's 800ms wait, with its reason", waits)
	}
}

// waitingSource announces a wait and sleeps it before it reads.
type waitingSource struct {
	*fakeSource
	wait func(ctx context.Context) error
}

func (s *waitingSource) Read(ctx context.Context, req sdk.ReadRequest, out sdk.Emitter) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.fakeSource.Read(ctx, req, out)
}

// TestSourceWaitIsNotHanging: the same for a source's wait.
func TestSourceWaitIsNotHanging(t *testing.T) {
	h := newHarness(t, 30, nil)
	h.launch.connectors["src"] = &waitingSource{fakeSource: h.src, wait: announceAndSleep("Retry-After 1s", 800*time.Millisecond)}
	h.runner.HangTimeout = 150 * time.Millisecond
	var log eventLog
	h.runner.Events = log.add
	res := h.sync()
	if res.Err != nil || res.Counts.Restarts != 0 || len(log.of(EventPluginHang)) != 0 {
		t.Fatalf("an announced wait was taken for a hang: %+v, hangs %+v", res, log.of(EventPluginHang))
	}
	if waits := log.of(EventPluginWaiting); len(waits) != 1 || waits[0].Plugin != "source" || waits[0].Reason != "Retry-After 1s" {
		t.Errorf("plugin_waiting events %+v, want one of the source, with its reason", waits)
	}
}

// TestHangAfterAnAnnouncedWait: a destination that announces a wait and
// then never answers is taken for hung once the wait is over and the hang
// timeout has passed after it, not before; the hang names the wait.
func TestHangAfterAnAnnouncedWait(t *testing.T) {
	h := newHarness(t, 30, nil)
	const wait, timeout = 400 * time.Millisecond, 150 * time.Millisecond
	var began atomic.Int64
	h.launch.connectors["dst"] = &waitingDest{fakeDest: h.dst, wait: func(ctx context.Context) error {
		began.Store(time.Now().UnixNano())
		sdk.Waiting(ctx, "vendor job running", time.Now().Add(wait))
		<-ctx.Done() // deadlocked after the wait
		return ctx.Err()
	}}
	h.runner.HangTimeout = timeout
	var log eventLog
	h.runner.Events = log.add
	res := h.sync()
	if res.Err != nil || res.Counts.Restarts != 1 || len(h.dst.snapshot()) != 30 {
		t.Fatalf("sync %+v, destination %d; want restarted once and 30 records", res, len(h.dst.snapshot()))
	}
	hangs := log.of(EventPluginHang)
	if len(hangs) != 1 || !strings.Contains(hangs[0].Err.Error(), "the last wait they announced (vendor job running) is over") {
		t.Fatalf("plugin_hang events %+v, want one naming the wait that is over", hangs)
	}
	if after := hangs[0].Time.Sub(time.Unix(0, began.Load())); after < wait+timeout {
		t.Errorf("taken for hung %v after the wait began, before the wait (%v) and the hang timeout (%v) were over", after, wait, timeout)
	}
}

// TestEndlessWaitingIsBounded: a destination that keeps announcing waits
// but never answers is taken for hung once the run made no progress for
// MaxWaiting, and the run then completes.
func TestEndlessWaitingIsBounded(t *testing.T) {
	h := newHarness(t, 30, nil)
	h.launch.connectors["dst"] = &waitingDest{fakeDest: h.dst, wait: func(ctx context.Context) error {
		for {
			sdk.Waiting(ctx, "the vendor says later", time.Now().Add(time.Second))
			if err := sleep(ctx, 50*time.Millisecond); err != nil {
				return err
			}
		}
	}}
	h.runner.HangTimeout = 100 * time.Millisecond
	h.runner.MaxWaiting = 600 * time.Millisecond
	var log eventLog
	h.runner.Events = log.add
	res := h.sync()
	if res.Err != nil || res.Counts.Restarts != 1 || len(h.dst.snapshot()) != 30 {
		t.Fatalf("sync %+v, destination %d; want restarted once and 30 records", res, len(h.dst.snapshot()))
	}
	hangs := log.of(EventPluginHang)
	if len(hangs) != 1 || !strings.Contains(hangs[0].Err.Error(), "waiting (last: the vendor says later) longer than the 600ms a run may wait without progress") {
		t.Fatalf("plugin_hang events %+v, want one saying the waiting went on too long", hangs)
	}
}
