package host

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// echo is a small connector for the in-process tests: it reads n records of
// one stream and writes by answering each record's key as its id.
type echo struct{ n int }

func (echo) Spec() sdk.Spec {
	return sdk.Spec{Name: "echo", Version: "1.0.0", Kind: sdk.Generic, Streams: []sdk.StreamSpec{{
		Name: "items", Canonical: sdk.CanonicalOther, PrimaryKey: []string{"id"},
		Capabilities: sdk.Capabilities{Read: true, Write: true},
	}}}
}

func (echo) Check(_ context.Context, req sdk.CheckRequest) (sdk.CheckResponse, error) {
	if req.Config.Get("token").String() != "good" {
		return sdk.CheckResponse{}, sdk.AuthError(errors.New("token refused"))
	}
	return sdk.CheckResponse{Message: "ok"}, nil
}

func (e echo) Read(_ context.Context, _ sdk.ReadRequest, out sdk.Emitter) error {
	for i := range e.n {
		if err := out.Emit(sdk.Record{Stream: "items", Key: fmt.Sprint(i), Data: fmt.Appendf(nil, `{"id":%d}`, i)}); err != nil {
			return err
		}
	}
	return out.Checkpoint("items", fmt.Appendf(nil, "%d", e.n))
}

func (echo) OpenWriter(context.Context, sdk.OpenWriterRequest) (sdk.Writer, error) {
	return echoWriter{}, nil
}

type echoWriter struct{}

func (echoWriter) Write(_ context.Context, req sdk.WriteRequest) (sdk.WriteResponse, error) {
	res := make([]sdk.Result, len(req.Records))
	for i, r := range req.Records {
		res[i] = sdk.Written("id-"+r.Key, true)
	}
	return sdk.WriteResponse{Results: res}, nil
}

func (echoWriter) Close(context.Context) error { return nil }

func TestLaunchInProcessSpeaksTheProtocol(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	before := runtime.NumGoroutine()
	p, err := LaunchInProcess(ctx, echo{n: 2500}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Spec().Name; got != "echo" {
		t.Errorf("spec name %q, want echo", got)
	}
	_, err = p.Check(ctx, sdk.CheckRequest{Config: sdk.Config(`{"token":"bad"}`)})
	if sdk.KindOf(err) != sdk.KindAuth {
		t.Errorf("check with a bad token: kind %v (%v), want auth: kinds must cross the protocol", sdk.KindOf(err), err)
	}
	var rec recorder
	if err := p.Read(ctx, sdk.ReadRequest{Streams: []sdk.StreamState{{Stream: "items"}}, BatchSize: 100}, &rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.events) != 2501 || rec.events[2500] != checkpointEvent("items", []byte("2500")) {
		t.Fatalf("read %d events, last %q; want 2500 records and checkpoint items 2500", len(rec.events), rec.events[len(rec.events)-1])
	}
	w, err := p.OpenWriter(ctx, sdk.OpenWriterRequest{Stream: "items"})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := w.Write(ctx, sdk.WriteRequest{Records: []sdk.Record{{Stream: "items", Key: "a", Data: []byte(`{}`)}}})
	if err != nil || len(resp.Results) != 1 || resp.Results[0].ID != "id-a" {
		t.Fatalf("write: %+v, %v; want one result id-a", resp, err)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	p.Kill()
	if !waitFor(5*time.Second, func() bool { return runtime.NumGoroutine() <= before }) {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after Kill, %d before launch: the in-process server was not stopped\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
	}
}

func TestLaunchInProcessRefusesAConnectorThatIsNeither(t *testing.T) {
	_, err := LaunchInProcess(testContext(t, 5*time.Second), neither{}, nil)
	if err == nil {
		t.Fatal("a connector that is neither source nor destination was launched")
	}
}

// neither is a connector that is neither a Source nor a Destination.
type neither struct{}

func (neither) Spec() sdk.Spec { return sdk.Spec{Name: "x", Version: "1.0.0"} }

func (neither) Check(context.Context, sdk.CheckRequest) (sdk.CheckResponse, error) {
	return sdk.CheckResponse{}, nil
}

// slowSource emits one record every 2ms, as a source that calls its vendor
// once a record would, until Emit fails; emitted counts the calls that
// succeeded, and done closes when Read returns.
type slowSource struct {
	echo
	emitted *atomic.Int64
	done    chan struct{}
}

func (s slowSource) Read(ctx context.Context, _ sdk.ReadRequest, out sdk.Emitter) error {
	defer close(s.done)
	for i := 0; ; i++ {
		time.Sleep(2 * time.Millisecond)
		if err := out.Emit(sdk.Record{Stream: "items", Key: fmt.Sprint(i), Data: fmt.Appendf(nil, `{"id":%d}`, i)}); err != nil {
			return err
		}
		s.emitted.Add(1)
	}
}

// Emit fails once the read is cancelled, as sdk.Emitter promises, not only
// when the next full batch fails to send: a source that emits a record at a
// time would otherwise go on working for a whole batch.
func TestEmitFailsOnceTheReadIsCancelled(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	src := slowSource{emitted: new(atomic.Int64), done: make(chan struct{})}
	p, err := LaunchInProcess(ctx, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Kill()
	const batch = 50
	rctx, cancel := context.WithCancel(ctx)
	out := recorder{onEmit: func() error { cancel(); return nil }}
	if err := p.Read(rctx, sdk.ReadRequest{Streams: []sdk.StreamState{{Stream: "items"}}, BatchSize: batch}, &out); !errors.Is(err, context.Canceled) {
		t.Fatalf("Read = %v, want context.Canceled", err)
	}
	select {
	case <-src.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the connector's Read went on 10s after the cancel")
	}
	// The first batch, and the few records emitted while the cancel
	// crossed the socket (2ms each); not the next batch's worth.
	if n := src.emitted.Load(); n > batch+10 {
		t.Errorf("%d Emit calls succeeded, %d after the read was cancelled at the first batch of %d", n, n-batch, batch)
	}
}
