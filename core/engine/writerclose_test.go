package engine

import (
	"context"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// stuckWriter is a writer whose connector never answers a close: it
// returns only when the close's context ends.
type stuckWriter struct{ sdk.Writer }

func (stuckWriter) Close(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

// A close after the run's context ended waits the grace, no longer, for a
// connector that cannot answer; one begun while the context lives is not
// cut short by the context ending, only by the grace after it.
func TestCloseWriterIsBoundedOnceTheRunEnds(t *testing.T) {
	defer func(g time.Duration) { writerCloseGrace = g }(writerCloseGrace)
	writerCloseGrace = 200 * time.Millisecond

	ended, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := closeWriter(ended, stuckWriter{}); err == nil {
		t.Fatal("a close cut short reported no error")
	}
	if took := time.Since(start); took < writerCloseGrace || took > 10*writerCloseGrace {
		t.Fatalf("close after the run ended took %v, want about %v", took, writerCloseGrace)
	}

	live, cancel := context.WithCancel(context.Background())
	done := make(chan time.Time, 1)
	go func() {
		_ = closeWriter(live, stuckWriter{})
		done <- time.Now()
	}()
	select {
	case <-done:
		t.Fatal("a close returned while the run's context lived and the connector had not answered")
	case <-time.After(3 * writerCloseGrace):
	}
	cancelled := time.Now()
	cancel()
	select {
	case at := <-done:
		if took := at.Sub(cancelled); took < writerCloseGrace {
			t.Fatalf("the close gave up %v after the run ended, want the grace %v", took, writerCloseGrace)
		}
	case <-time.After(20 * writerCloseGrace):
		t.Fatal("a close on a connector that cannot answer outlived the run by far more than the grace")
	}
}
