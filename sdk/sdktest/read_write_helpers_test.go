package sdktest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

// fakeSource emits one record per stream, or fails.
type fakeSource struct{ err error }

func (s fakeSource) Read(_ context.Context, req sdk.ReadRequest, out sdk.Emitter) error {
	if s.err != nil {
		return s.err
	}
	for _, st := range req.Streams {
		if err := out.Emit(sdk.Record{Stream: st.Stream, Key: "1", Data: []byte(`{}`)}); err != nil {
			return err
		}
	}
	return nil
}

func TestMustReadAll(t *testing.T) {
	req := sdk.ReadRequest{Streams: []sdk.StreamState{{Stream: "contacts"}, {Stream: "notes"}}}
	if col := MustReadAll(t.Context(), t, fakeSource{}, req); len(col.Records) != 2 {
		t.Errorf("records = %+v, want one per stream", col.Records)
	}
	f := runTB(t, func(tb testing.TB) { MustReadAll(t.Context(), tb, fakeSource{err: errors.New("refused")}, req) })
	if !f.fatal || len(f.msgs) != 1 || f.msgs[0] != `read ["contacts" "notes"]: refused` {
		t.Errorf("failures %q (fatal %v), want one naming the streams and the error", f.msgs, f.fatal)
	}
}

// fakeDestination answers each record, fails to open, drops a result or
// fails to close, as set.
type fakeDestination struct {
	openErr, writeErr, closeErr error
	drop                        bool
	closed                      *bool
}

func (d fakeDestination) OpenWriter(context.Context, sdk.OpenWriterRequest) (sdk.Writer, error) {
	if d.openErr != nil {
		return nil, d.openErr
	}
	return fakeWriter{d}, nil
}

type fakeWriter struct{ d fakeDestination }

func (w fakeWriter) Write(_ context.Context, req sdk.WriteRequest) (sdk.WriteResponse, error) {
	if w.d.writeErr != nil {
		return sdk.WriteResponse{}, w.d.writeErr
	}
	results := make([]sdk.Result, len(req.Records))
	for i, r := range req.Records {
		results[i] = sdk.Result{ID: "id-" + r.Key}
	}
	if w.d.drop {
		results = results[1:]
	}
	return sdk.WriteResponse{Results: results}, nil
}

func (w fakeWriter) Close(context.Context) error {
	if w.d.closed != nil {
		*w.d.closed = true
	}
	return w.d.closeErr
}

func TestWriteBatch(t *testing.T) {
	req := sdk.OpenWriterRequest{Stream: "contacts"}
	recs := []sdk.Record{{Key: "a"}, {Key: "b"}}
	closed := false
	results, err := WriteBatch(t.Context(), t, fakeDestination{closed: &closed}, req, recs)
	if err != nil || len(results) != 2 || results[1].ID != "id-b" || !closed {
		t.Errorf("WriteBatch = %+v, %v (closed %v), want two results and the writer closed", results, err, closed)
	}
	if _, err := WriteBatch(t.Context(), t, fakeDestination{writeErr: errors.New("outage")}, req, recs); err == nil || err.Error() != "outage" {
		t.Errorf("a failed Write gave %v, want its error", err)
	}
	for name, tt := range map[string]struct {
		d     fakeDestination
		fatal bool
		want  string
	}{
		"open fails":     {fakeDestination{openErr: errors.New("no stream")}, true, "open writer contacts: no stream"},
		"a result short": {fakeDestination{drop: true}, true, "write of 2 records to contacts gave 1 results"},
		"close fails":    {fakeDestination{closeErr: errors.New("flush")}, false, "close writer contacts: flush"},
	} {
		f := runTB(t, func(tb testing.TB) { _, _ = WriteBatch(t.Context(), tb, tt.d, req, recs) })
		if f.fatal != tt.fatal || len(f.msgs) != 1 || !strings.Contains(f.msgs[0], tt.want) {
			t.Errorf("%s: failures %q (fatal %v), want %q (fatal %v)", name, f.msgs, f.fatal, tt.want, tt.fatal)
		}
	}
}
