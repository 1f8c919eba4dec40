package host

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// patient is echo that announces a wait before its read's first record,
// in every Write and in Close.
type patient struct{ echo }

func (p patient) Read(ctx context.Context, req sdk.ReadRequest, out sdk.Emitter) error {
	sdk.Waiting(ctx, "read: Retry-After 40s", time.Now().Add(40*time.Second))
	return p.echo.Read(ctx, req, out)
}

func (patient) OpenWriter(context.Context, sdk.OpenWriterRequest) (sdk.Writer, error) {
	return patientWriter{}, nil
}

type patientWriter struct{ echoWriter }

func (w patientWriter) Write(ctx context.Context, req sdk.WriteRequest) (sdk.WriteResponse, error) {
	sdk.Waiting(ctx, fmt.Sprintf("write: vendor job for %d records", len(req.Records)), time.Now().Add(90*time.Second))
	return w.echoWriter.Write(ctx, req)
}

func (patientWriter) Close(ctx context.Context) error {
	sdk.Waiting(ctx, "close: flushing", time.Now().Add(3*time.Hour))
	return nil
}

// waits notes what OnWaiting is told.
type waits struct {
	mu   sync.Mutex
	seen []string
}

func (w *waits) listen(ctx context.Context, sent time.Time, sentFor time.Duration) context.Context {
	return OnWaiting(ctx, func(reason string, until time.Time) {
		w.mu.Lock()
		defer w.mu.Unlock()
		// The wait's end crosses as a duration: allow for the time the
		// message took.
		if d := until.Sub(sent); d < sentFor-time.Second || d > sentFor+5*time.Second {
			w.seen = append(w.seen, fmt.Sprintf("%s (until %v after the call, want about %v)", reason, d, sentFor))
			return
		}
		w.seen = append(w.seen, reason)
	})
}

// TestWaitsCrossTheProtocol: a connector's sdk.Waiting in Read, Write and
// Close reaches the host's OnWaiting listener, with its reason and end,
// and the calls' own answers are unchanged.
func TestWaitsCrossTheProtocol(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	p, err := LaunchInProcess(ctx, patient{echo{n: 3}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Kill()

	var read waits
	var rec recorder
	if err := p.Read(read.listen(ctx, time.Now(), 40*time.Second), sdk.ReadRequest{Streams: []sdk.StreamState{{Stream: "items"}}}, &rec); err != nil {
		t.Fatal(err)
	}
	if len(read.seen) != 1 || read.seen[0] != "read: Retry-After 40s" || len(rec.events) != 4 {
		t.Fatalf("read: heard %q and %d events; want the read's wait and 3 records and a checkpoint", read.seen, len(rec.events))
	}

	var write waits
	w, err := p.OpenWriter(ctx, sdk.OpenWriterRequest{Stream: "items"})
	if err != nil {
		t.Fatal(err)
	}
	wctx := write.listen(ctx, time.Now(), 90*time.Second)
	resp, err := w.Write(wctx, sdk.WriteRequest{Records: []sdk.Record{{Stream: "items", Key: "a", Data: []byte(`{}`)}}})
	if err != nil || len(resp.Results) != 1 || resp.Results[0].ID != "id-a" {
		t.Fatalf("write: %+v, %v; want one result id-a", resp, err)
	}
	if len(write.seen) != 1 || write.seen[0] != "write: vendor job for 1 records" {
		t.Fatalf("write: heard %q, want the write's wait", write.seen)
	}
	var closing waits
	if err := w.Close(closing.listen(ctx, time.Now(), 3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if len(closing.seen) != 1 || closing.seen[0] != "close: flushing" {
		t.Errorf("close: heard %q, want the close's wait", closing.seen)
	}
}
