package sdktest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"go.uber.org/goleak"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// cancelRead starts a read and cancels it on its first batch: Read must
// end promptly with the context's error. In process the suite also watches
// the connector's side (see spy.go): its Read must return, within
// cancelGrace, the context's error or the error Emit gave it; it must not
// call Emit or Checkpoint again once one failed; and it must leave no
// goroutine behind.
func (sr *streamRead) cancelRead(t *testing.T) {
	sr.needDriver(t)
	sr.needFull(t)
	if sr.r.s.Records <= sr.r.s.BatchSize {
		t.Skipf("Records (%d) is not more than BatchSize (%d): a read has a single batch", sr.r.s.Records, sr.r.s.BatchSize)
	}
	name := sr.st.Name
	var before goleak.Option
	var watch *readWatch
	if sr.r.inProcess {
		before = goleak.IgnoreCurrent()
		watch = newReadWatch(sr.r.s.BatchSize, sr.r.s.Timeout)
		sr.r.spy.arm(watch)
		defer sr.r.spy.take() // disarm, if the read never reached the connector
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	em := &cancellingEmitter{cancel: cancel}
	req := sdk.ReadRequest{Config: sr.r.config(), Streams: []sdk.StreamState{{Stream: name}}, BatchSize: sr.r.s.BatchSize}
	done := make(chan error, 1)
	go func() { done <- sr.r.plugin.Read(ctx, req, em) }()
	var err error
	select {
	case err = <-done:
	case <-time.After(sr.r.s.Timeout):
		t.Fatalf("a read of %s cancelled after its first batch did not return within %v", name, sr.r.s.Timeout)
	}
	at, ok := em.cancelledAt()
	if !ok {
		t.Fatalf("the read of %s ended (%s) before it sent a first batch: there was nothing to cancel", name, describeErr(err))
	}
	took := time.Since(at)
	what := fmt.Sprintf("a read of %s cancelled after its first batch", name)
	switch {
	case err == nil:
		t.Errorf("%s returned no error: want the context's error (context.Canceled)", what)
	case !isCanceled(err):
		t.Errorf("%s: want the context's error (context.Canceled), got %s", what, describeErr(err))
	}
	if took > cancelGrace {
		t.Errorf("%s returned %v after its context was cancelled: want within %v", what, took.Round(time.Millisecond), cancelGrace)
	}
	if !sr.r.inProcess {
		// The connector runs in another process: only the host's side is
		// seen from here. Say so, rather than pass its side unseen.
		t.Logf("%s: the host's side is checked; the connector's (its Read ends, "+
			"no goroutine left) is checked only by the in-process suite (Suite.Run)", what)
		return
	}
	if !sr.connectorEnds(t, what, watch, at, before) {
		return
	}
	if err := waitForNoLeaks(before, max(cancelGrace-time.Since(at), time.Second)); err != nil {
		t.Errorf("%s: the connector's Read returned, but goroutines it started still run %v after the cancel; "+
			"they must end when the read's context is cancelled: %v", what, cancelGrace, err)
	}
}

// connectorEnds checks the connector's side of a read cancelled at: its
// Read must return within cancelGrace of the cancel, with the context's
// error or Emit's, after no more Emit or Checkpoint calls once one failed.
// It returns false if the Read is still running; the goroutines started
// since before are then reported with it.
func (sr *streamRead) connectorEnds(t *testing.T, what string, w *readWatch, at time.Time, before goleak.Option) bool {
	t.Helper()
	select {
	case <-w.started:
	default:
		t.Errorf("%s: the read never reached the connector's Read", what)
		return false
	}
	timer := time.NewTimer(max(cancelGrace-time.Since(at), 0))
	defer timer.Stop()
	select {
	case <-w.returned:
	case <-timer.C:
		got := w.result()
		t.Errorf("%s: the connector's Read still runs %v after the cancel (it called Emit or Checkpoint %d times after one failed with %q); "+
			"it must return when its context is cancelled or when Emit fails: %v",
			what, cancelGrace, got.after, errText(got.failure), goleak.Find(leakOptions(before)...))
		return false
	}
	got := w.result()
	if got.after > 0 {
		t.Errorf("%s: the connector called Emit or Checkpoint %d more times after one failed with %q: "+
			"a failed Emit or Checkpoint ends the read, and Read must return its error", what, got.after, errText(got.failure))
	}
	full := len(sr.full.Records)
	switch {
	case got.err == nil && got.failure != nil:
		t.Errorf("%s: the connector's Read returned no error although Emit or Checkpoint failed with %q: "+
			"it must return that error (or its context's)", what, errText(got.failure))
	case got.err == nil && got.forwarded < full:
		t.Errorf("%s: the connector's Read returned no error after its context was cancelled, having emitted %d of the %d records of a full read: "+
			"a read cut short must return its context's error", what, got.forwarded, full)
	case got.err != nil && !isCanceled(got.err) && (got.failure == nil || !errors.Is(got.err, got.failure)):
		t.Errorf("%s: the connector's Read returned %s: want its context's error (context.Canceled) or the error Emit gave it", what, describeErr(got.err))
	}
	return true
}

// errText is err's message, or "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// isCanceled reports whether err is, or reports, a cancelled context.
func isCanceled(err error) bool {
	return errors.Is(err, context.Canceled) || status.Code(err) == codes.Canceled
}

// cancellingEmitter cancels the read on its first batch, and fails every
// call after, as the core's emitter does once a read is cancelled.
type cancellingEmitter struct {
	cancel context.CancelFunc
	mu     sync.Mutex
	at     time.Time
}

func (e *cancellingEmitter) Emit(records ...sdk.Record) error {
	if len(records) == 0 {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.at.IsZero() {
		return context.Canceled
	}
	e.at = time.Now()
	e.cancel()
	return nil
}

func (e *cancellingEmitter) Checkpoint(string, []byte) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.at.IsZero() {
		return context.Canceled
	}
	return nil
}

func (e *cancellingEmitter) cancelledAt() (time.Time, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.at, !e.at.IsZero()
}
