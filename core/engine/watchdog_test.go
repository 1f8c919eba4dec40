package engine

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// hangingDest hangs in its first Write until the call is cancelled, as a
// stopped or deadlocked plugin would; later calls write normally.
type hangingDest struct {
	*fakeDest
	hung atomic.Int32
}

func (d *hangingDest) OpenWriter(context.Context, sdk.OpenWriterRequest) (sdk.Writer, error) {
	return d, nil
}

func (d *hangingDest) Write(ctx context.Context, req sdk.WriteRequest) (sdk.WriteResponse, error) {
	if d.hung.Add(1) == 1 {
		<-ctx.Done()
		return sdk.WriteResponse{}, sdk.Transient(ctx.Err())
	}
	return d.fakeDest.Write(ctx, req)
}

// TestHungPluginIsRestarted: a destination that stops answering is taken
// for hung after the hang timeout, its attempt is cancelled, the plugins
// are restarted (counted, reported), and the run completes exactly.
func TestHungPluginIsRestarted(t *testing.T) {
	h := newHarness(t, 30, nil)
	dst := &hangingDest{fakeDest: h.dst}
	h.launch.connectors["dst"] = dst
	h.runner.HangTimeout = 200 * time.Millisecond
	var log eventLog
	h.runner.Events = log.add
	start := time.Now()
	res := h.sync()
	if res.Err != nil {
		t.Fatalf("sync: %v", res.Err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the hung run took %v", took)
	}
	if res.Counts.Restarts != 1 || len(h.dst.snapshot()) != 30 {
		t.Errorf("restarts %d, destination %d; want 1 and 30", res.Counts.Restarts, len(h.dst.snapshot()))
	}
	hangs := log.of(EventPluginHang)
	if len(hangs) != 1 || !strings.Contains(hangs[0].Err.Error(), "no progress") {
		t.Fatalf("plugin_hang events = %+v", hangs)
	}
	// It says which plugin hung, doing what.
	if want := "(waiting for dst (fakedest) to answer a write of 10 records)"; !strings.Contains(hangs[0].Err.Error(), want) {
		t.Errorf("the hang says %q, want it to say %q", hangs[0].Err, want)
	}
	if restarts := log.of(EventPluginRestart); len(restarts) != 1 || !strings.Contains(restarts[0].Err.Error(), "hung") {
		t.Errorf("the restart does not say the plugins hung: %+v", restarts)
	}
}

// TestWaitingIsNotHanging: the engine's own waits (a rate limit asking for
// longer than the hang timeout) are not taken for a hang.
func TestWaitingIsNotHanging(t *testing.T) {
	h := newHarness(t, 5, nil)
	h.runner.HangTimeout = 150 * time.Millisecond
	h.dst.fail = func(r sdk.Record, attempt int) error {
		if attempt == 1 {
			return sdk.RateLimited(errors.New("slow down"), 600*time.Millisecond)
		}
		return nil
	}
	var log eventLog
	h.runner.Events = log.add
	res := h.sync()
	if res.Err != nil || res.Counts.Restarts != 0 || len(log.of(EventPluginHang)) != 0 {
		t.Fatalf("a rate-limit wait was taken for a hang: %+v, hangs %d", res, len(log.of(EventPluginHang)))
	}
}

// hangingSource sends its first batch, then hangs until the read is
// cancelled, as a source stuck on its vendor would; later reads end at once.
type hangingSource struct {
	*fakeSource
	reads atomic.Int32
}

func (s *hangingSource) Read(ctx context.Context, req sdk.ReadRequest, out sdk.Emitter) error {
	if s.reads.Add(1) > 1 {
		return nil
	}
	if err := out.Emit(customers(0, 10)...); err != nil {
		return err
	}
	<-ctx.Done()
	return sdk.Transient(ctx.Err())
}

// A source that stops sending is named as the plugin the run waited for.
func TestHungSourceIsNamed(t *testing.T) {
	h := newHarness(t, 10, nil)
	h.launch.connectors["src"] = &hangingSource{fakeSource: h.src}
	h.runner.HangTimeout = 200 * time.Millisecond
	var log eventLog
	h.runner.Events = log.add
	if res := h.sync(); res.Err != nil {
		t.Fatalf("sync: %v", res.Err)
	}
	hangs := log.of(EventPluginHang)
	want := "(waiting for src (fakesource) to send the next batch or checkpoint)"
	if len(hangs) != 1 || !strings.Contains(hangs[0].Err.Error(), want) {
		t.Fatalf("plugin_hang events = %+v, want one saying %q", hangs, want)
	}
}
