package sdktest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"go.uber.org/goleak"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// cancelRead starts a read and cancels it on its first batch: Read must
// end promptly with the context's error and, in process, the connector's
// side of the read must end too.
func (sr *streamRead) cancelRead(t *testing.T) {
	sr.needDriver(t)
	if sr.full == nil {
		t.Skip("the full read failed: a read of the stream does not work at all")
	}
	if sr.r.s.Records <= sr.r.s.BatchSize {
		t.Skipf("Records (%d) is not more than BatchSize (%d): a read has a single batch", sr.r.s.Records, sr.r.s.BatchSize)
	}
	name := sr.st.Name
	var before goleak.Option
	if sr.r.inProcess {
		before = goleak.IgnoreCurrent()
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
	switch {
	case err == nil:
		t.Errorf("a read of %s cancelled after its first batch returned no error: want the context's error (context.Canceled)", name)
	case !isCanceled(err):
		t.Errorf("a read of %s cancelled after its first batch: want the context's error (context.Canceled), got %s", name, describeErr(err))
	}
	if took > cancelGrace {
		t.Errorf("a read of %s returned %v after its context was cancelled: want within %v", name, took.Round(time.Millisecond), cancelGrace)
	}
	if !sr.r.inProcess {
		return
	}
	if err := waitForNoLeaks(before, max(cancelGrace-took, time.Second)); err != nil {
		t.Errorf("a read of %s cancelled after its first batch: the connector's Read still runs %v after the cancel; "+
			"it must return when its context is cancelled or when Emit fails: %v", name, cancelGrace, err)
	}
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
