package sdktest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// In process the suite serves the connector itself, so it can watch the
// connector's side of a read: what its Read returns, and what it does with
// its Emitter once the read is cancelled. Through the protocol alone the
// suite sees only the host's side, which ends as soon as it cancels,
// whatever the connector does.

// readSpy hands the next read the suite arms it for a watching emitter.
// It is safe for concurrent use.
type readSpy struct {
	mu    sync.Mutex
	armed *readWatch
}

// arm makes w watch the next read that reaches the connector.
func (s *readSpy) arm(w *readWatch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.armed = w
}

// take returns the armed watch, if any, and disarms the spy.
func (s *readSpy) take() *readWatch {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.armed
	s.armed = nil
	return w
}

// spyOn returns c with its reads watched by spy, or c itself if it is not
// a Source. The result is a Source, a Destination if c is one, and a
// Discoverer that answers as the server answers for c (a connector that is
// not a Discoverer discovers its spec's streams). It is not a
// WebhookHandler: the suite never delivers webhooks.
func spyOn(c sdk.Connector, spy *readSpy) sdk.Connector {
	src, ok := c.(sdk.Source)
	if !ok {
		return c
	}
	s := spiedSource{Connector: c, src: src, spy: spy}
	if dst, ok := c.(sdk.Destination); ok {
		return spiedSourceDestination{spiedSource: s, Destination: dst}
	}
	return s
}

// spiedSource is a Source connector whose reads the spy may watch.
type spiedSource struct {
	sdk.Connector
	src sdk.Source
	spy *readSpy
}

// spiedSourceDestination is a spiedSource that is a Destination too.
type spiedSourceDestination struct {
	spiedSource
	sdk.Destination
}

// Discover answers as the connector's Discover does, or with the spec's
// streams if it has none, as the server does.
func (s spiedSource) Discover(ctx context.Context, req sdk.DiscoverRequest) (sdk.DiscoverResponse, error) {
	if d, ok := s.Connector.(sdk.Discoverer); ok {
		return d.Discover(ctx, req)
	}
	return sdk.DiscoverResponse{Streams: s.Connector.Spec().Streams}, nil
}

// Read reads through the connector, watched if the spy is armed.
func (s spiedSource) Read(ctx context.Context, req sdk.ReadRequest, out sdk.Emitter) error {
	w := s.spy.take()
	if w == nil {
		return s.src.Read(ctx, req, out)
	}
	close(w.started)
	err := s.src.Read(ctx, req, &watchingEmitter{w: w, ctx: ctx, out: out})
	w.mu.Lock()
	w.err = err
	w.mu.Unlock()
	close(w.returned)
	return err
}

// readWatch is what the suite sees of one watched read: the connector's
// Emitter calls, and what its Read returned.
type readWatch struct {
	batchSize int
	// hold bounds how long the call that completes the first batch is
	// held waiting for the cancel.
	hold     time.Duration
	started  chan struct{} // closed when the read reached the connector
	returned chan struct{} // closed when the connector's Read returned

	mu        sync.Mutex
	forwarded int   // records of the Emit calls that succeeded
	failure   error // what the first failed call returned
	after     int   // Emit and Checkpoint calls after the first failed one
	err       error // what the connector's Read returned
}

func newReadWatch(batchSize int, hold time.Duration) *readWatch {
	return &readWatch{batchSize: batchSize, hold: hold, started: make(chan struct{}), returned: make(chan struct{})}
}

// watchResult is a snapshot of a readWatch.
type watchResult struct {
	forwarded int
	failure   error
	after     int
	err       error
}

func (w *readWatch) result() watchResult {
	w.mu.Lock()
	defer w.mu.Unlock()
	return watchResult{forwarded: w.forwarded, failure: w.failure, after: w.after, err: w.err}
}

// errReadCancelled is what a watched Emit or Checkpoint returns once the
// read's context is done, as the core's emitter fails once a read is
// cancelled.
var errReadCancelled = errors.New("sdktest: the read was cancelled")

// watchingEmitter passes a watched read's calls on to the real emitter
// until the read's context is done, and fails every call after. The call
// that completes the first batch is held until the cancel comes (as a core
// that is behind holds it), so that the cancel always finds the connector
// mid-read, however fast it reads.
type watchingEmitter struct {
	w    *readWatch
	ctx  context.Context
	out  sdk.Emitter
	held bool
}

func (e *watchingEmitter) Emit(records ...sdk.Record) error {
	return e.call(len(records), false, func() error { return e.out.Emit(records...) })
}

func (e *watchingEmitter) Checkpoint(stream string, state []byte) error {
	return e.call(0, true, func() error { return e.out.Checkpoint(stream, state) })
}

func (e *watchingEmitter) call(records int, checkpoint bool, pass func() error) error {
	w := e.w
	w.mu.Lock()
	if w.failure != nil {
		w.after++
		err := w.failure
		w.mu.Unlock()
		return err
	}
	w.mu.Unlock()
	err := e.ctx.Err()
	if err != nil {
		err = fmt.Errorf("%w: %w", errReadCancelled, err)
	} else {
		err = pass()
	}
	w.mu.Lock()
	if err != nil {
		w.failure = err
		w.mu.Unlock()
		return err
	}
	w.forwarded += records
	// The first batch has gone out when a checkpoint flushed records, or
	// when a batch's worth was emitted.
	hold := !e.held && w.forwarded > 0 && (checkpoint || w.forwarded >= w.batchSize)
	w.mu.Unlock()
	if hold {
		e.held = true
		timer := time.NewTimer(w.hold)
		defer timer.Stop()
		select {
		case <-e.ctx.Done():
		case <-timer.C:
		}
	}
	return nil
}
