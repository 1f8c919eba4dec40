package sdktest

import (
	"context"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

// MustReadAll is [ReadAll] for a connector's own tests: it fails t at once
// if the read fails, naming the streams read.
func MustReadAll(ctx context.Context, t testing.TB, src sdk.Source, req sdk.ReadRequest) *Collector {
	t.Helper()
	col, err := ReadAll(ctx, src, req)
	if err != nil {
		names := make([]string, len(req.Streams))
		for i, s := range req.Streams {
			names[i] = s.Stream
		}
		t.Fatalf("read %q: %v", names, err)
	}
	return col
}

// WriteBatch writes records as one batch through a new writer of dst
// (opened with req, closed after the batch) and returns Write's results
// and error. It fails t at once if the writer does not open, or if Write
// answers with another number of results than records, and fails it
// (without stopping) if Close fails.
func WriteBatch(ctx context.Context, t testing.TB, dst sdk.Destination, req sdk.OpenWriterRequest, records []sdk.Record) ([]sdk.Result, error) {
	t.Helper()
	w, err := dst.OpenWriter(ctx, req)
	if err != nil {
		t.Fatalf("open writer %s: %v", req.Stream, err)
	}
	defer func() {
		if err := w.Close(ctx); err != nil {
			t.Errorf("close writer %s: %v", req.Stream, err)
		}
	}()
	resp, err := w.Write(ctx, sdk.WriteRequest{Records: records})
	if err == nil && len(resp.Results) != len(records) {
		t.Fatalf("write of %d records to %s gave %d results", len(records), req.Stream, len(resp.Results))
	}
	return resp.Results, err
}
