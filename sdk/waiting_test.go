package sdk

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	pb "github.com/cxhub/cxhub/sdk/internal/connectorpb"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// fakeClock is a heartbeat's time source that moves only when told.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// sentWaits is a heartbeat's send function that notes what it sends.
type sentWaits struct {
	waits []*pb.Waiting
	fail  error
}

func (s *sentWaits) send(w *pb.Waiting) error {
	if s.fail != nil {
		return s.fail
	}
	s.waits = append(s.waits, w)
	return nil
}

func newTestHeartbeat() (*heartbeat, *fakeClock, *sentWaits) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	sent := &sentWaits{}
	h := newHeartbeat(sent.send)
	h.now = clock.now
	return h, clock, sent
}

// TestHeartbeatThrottlesPacing: a pacing loop of many short waits sends
// about one heartbeat a second, not one per wait.
func TestHeartbeatThrottlesPacing(t *testing.T) {
	h, clock, sent := newTestHeartbeat()
	for range 100 { // 10 s of waits of 100 ms
		h.waiting("pacing", clock.now().Add(100*time.Millisecond))
		clock.advance(100 * time.Millisecond)
	}
	if n := len(sent.waits); n < 9 || n > 11 {
		t.Fatalf("100 waits of 100ms over 10s sent %d heartbeats, want about 10 (one a second)", n)
	}
	if w := sent.waits[0]; w.GetReason() != "pacing" || w.GetWaitMs() != 100 {
		t.Errorf("first heartbeat %v, want reason pacing, 100 ms", w)
	}
}

// TestHeartbeatSendsALongerWaitAtOnce: a wait that ends well after the
// one last announced is sent even within the second, so the core never
// believes a long wait ends early.
func TestHeartbeatSendsALongerWaitAtOnce(t *testing.T) {
	h, clock, sent := newTestHeartbeat()
	h.waiting("pacing", clock.now().Add(100*time.Millisecond))
	clock.advance(100 * time.Millisecond)
	h.waiting("Retry-After 30s", clock.now().Add(30*time.Second))
	if len(sent.waits) != 2 || sent.waits[1].GetWaitMs() != 30000 || sent.waits[1].GetReason() != "Retry-After 30s" {
		t.Fatalf("sent %v, want the 30 s wait sent at once after the 100 ms one", sent.waits)
	}
	// A shorter wait within the announced one, within the second: not sent.
	clock.advance(200 * time.Millisecond)
	h.waiting("pacing", clock.now().Add(time.Second))
	if len(sent.waits) != 2 {
		t.Errorf("a wait within the announced one was sent again: %v", sent.waits)
	}
}

// TestHeartbeatSendsNothingForAPastWaitOrAfterStop: a wait already over,
// a stopped stream and a broken one send nothing.
func TestHeartbeatSendsNothingForAPastWaitOrAfterStop(t *testing.T) {
	h, clock, sent := newTestHeartbeat()
	h.waiting("over", clock.now().Add(-time.Second))
	h.waiting("now", clock.now())
	if len(sent.waits) != 0 {
		t.Fatalf("a wait that is over was sent: %v", sent.waits)
	}
	h.stop()
	h.waiting("after the stream", clock.now().Add(time.Minute))
	if len(sent.waits) != 0 {
		t.Fatalf("a heartbeat was sent after stop: %v", sent.waits)
	}

	h, clock, sent = newTestHeartbeat()
	sent.fail = errors.New("stream broken")
	h.waiting("a", clock.now().Add(time.Minute))
	sent.fail = nil
	clock.advance(2 * time.Second)
	h.waiting("b", clock.now().Add(time.Hour))
	if len(sent.waits) != 0 {
		t.Fatalf("a heartbeat was sent on a broken stream: %v", sent.waits)
	}
}

// TestHeartbeatRoundsUpAndCleansTheReason: a wait of a fraction of a
// millisecond is announced as 1 ms, not 0; a reason that is not UTF-8 or
// too long is made fit for the wire.
func TestHeartbeatRoundsUpAndCleansTheReason(t *testing.T) {
	h, clock, sent := newTestHeartbeat()
	h.waiting("bad \xff byte "+strings.Repeat("é", 1000), clock.now().Add(300*time.Microsecond))
	if len(sent.waits) != 1 {
		t.Fatalf("sent %d heartbeats, want 1", len(sent.waits))
	}
	w := sent.waits[0]
	if w.GetWaitMs() != 1 {
		t.Errorf("a 300µs wait was announced as %d ms, want 1", w.GetWaitMs())
	}
	if r := w.GetReason(); !utf8.ValidString(r) || len(r) > maxReasonBytes+len("…") || !strings.HasPrefix(r, "bad \uFFFD byte é") {
		t.Errorf("reason %q (%d bytes): want valid UTF-8 of at most %d bytes", r, len(r), maxReasonBytes)
	}
	if _, err := proto.Marshal(w); err != nil {
		t.Errorf("the heartbeat does not marshal: %v", err)
	}
}

// TestWaitingWithoutAListenerDoesNothing: Waiting on a context no core
// listens on (Check, a test) is a no-op.
func TestWaitingWithoutAListenerDoesNothing(t *testing.T) {
	Waiting(context.Background(), "nobody listens", time.Now().Add(time.Hour))
}

// TestAnOldCoreSkipsAReadHeartbeat: a core built before Waiting existed
// decodes a heartbeat on a Read stream as a message whose oneof has no
// case set, which its client skips (a switch without a default); the
// heartbeat's bytes stay in the unknown fields and nothing fails.
func TestAnOldCoreSkipsAReadHeartbeat(t *testing.T) {
	b, err := proto.Marshal(&pb.ReadResponse{Message: &pb.ReadResponse_Waiting{Waiting: &pb.Waiting{Reason: "429", WaitMs: 30000}}})
	if err != nil {
		t.Fatal(err)
	}
	old := oldReadResponse(t)
	msg := dynamicpb.NewMessage(old)
	if err := proto.Unmarshal(b, msg); err != nil {
		t.Fatalf("an old core fails to decode a heartbeat: %v", err)
	}
	if od := old.Oneofs().ByName("message"); msg.WhichOneof(od) != nil {
		t.Fatalf("an old core sees oneof case %v in a heartbeat, want none", msg.WhichOneof(od).Name())
	}
	if len(msg.GetUnknown()) == 0 {
		t.Error("the heartbeat is not kept as an unknown field")
	}
}

// oldReadResponse is ReadResponse as protocol v1 first defined it: a batch
// or a checkpoint, nothing else.
func oldReadResponse(t *testing.T) protoreflect.MessageDescriptor {
	t.Helper()
	fdp := protodesc.ToFileDescriptorProto(pb.File_cxhub_connector_v1_connector_proto)
	for _, m := range fdp.GetMessageType() {
		if m.GetName() != "ReadResponse" {
			continue
		}
		var kept []*descriptorpb.FieldDescriptorProto
		for _, f := range m.GetField() {
			if f.GetName() != "waiting" {
				kept = append(kept, f)
			}
		}
		if len(kept) != 2 {
			t.Fatalf("ReadResponse has fields %v; this test expects batch, checkpoint and waiting", m.GetField())
		}
		m.Field = kept
	}
	fd, err := protodesc.NewFile(fdp, nil)
	if err != nil {
		t.Fatal(err)
	}
	return fd.Messages().ByName("ReadResponse")
}

// waitingWriter announces a wait in every Write, then answers.
type waitingWriter struct{}

func (waitingWriter) Write(ctx context.Context, req WriteRequest) (WriteResponse, error) {
	Waiting(ctx, "vendor job running", time.Now().Add(time.Minute))
	res := make([]Result, len(req.Records))
	for i := range res {
		res[i] = Written("x", true)
	}
	return WriteResponse{Results: res}, nil
}

func (waitingWriter) Close(context.Context) error { return nil }

type waitingDest struct{ sourceOnly }

func (waitingDest) OpenWriter(context.Context, OpenWriterRequest) (Writer, error) {
	return waitingWriter{}, nil
}

// fakeWriteStream is the server side of a Write stream: it hands out the
// requests given and notes the responses sent.
type fakeWriteStream struct {
	grpc.ServerStream
	in   []*pb.WriteRequest
	sent []*pb.WriteResponse
}

func (s *fakeWriteStream) Context() context.Context { return context.Background() }

func (s *fakeWriteStream) Recv() (*pb.WriteRequest, error) {
	if len(s.in) == 0 {
		return nil, io.EOF
	}
	m := s.in[0]
	s.in = s.in[1:]
	return m, nil
}

func (s *fakeWriteStream) Send(m *pb.WriteResponse) error {
	s.sent = append(s.sent, m)
	return nil
}

// TestWriteHeartbeatsOnlyWhenTheCoreAccepts: on a Write stream a
// heartbeat goes only to a core that said it understands one; an older
// core (accepts_waiting unset) gets exactly one answer per batch.
func TestWriteHeartbeatsOnlyWhenTheCoreAccepts(t *testing.T) {
	spec := Spec{Name: "w", Version: "1.0.0", Kind: Generic, Streams: []StreamSpec{{
		Name: "s", Canonical: CanonicalOther, PrimaryKey: []string{"id"}, Capabilities: Capabilities{Write: true},
	}}}
	batch := &pb.WriteRequest{Message: &pb.WriteRequest_Batch{Batch: &pb.RecordBatch{Records: []*pb.Record{{Stream: "s", Key: "1", Data: []byte(`{}`)}}}}}
	for _, accepts := range []bool{false, true} {
		s := &server{impl: waitingDest{sourceOnly{spec: spec}}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		stream := &fakeWriteStream{in: []*pb.WriteRequest{
			{Message: &pb.WriteRequest_Open{Open: &pb.WriteOpen{Stream: "s", AcceptsWaiting: accepts}}}, batch,
		}}
		if err := s.Write(stream); err != nil {
			t.Fatalf("accepts_waiting %v: write: %v", accepts, err)
		}
		var heartbeats, answers int
		for _, m := range stream.sent {
			if m.GetWaiting() != nil {
				heartbeats++
				if len(m.GetResults()) != 0 || m.GetWaiting().GetReason() != "vendor job running" {
					t.Errorf("heartbeat %v: want no results and the connector's reason", m)
				}
				continue
			}
			answers++
		}
		want := 0
		if accepts {
			want = 1
		}
		if heartbeats != want || answers != 1 {
			t.Errorf("accepts_waiting %v: %d heartbeats and %d answers, want %d and 1", accepts, heartbeats, answers, want)
		}
	}
}

// A heartbeat blocked in its send (a host that stopped reading) does not
// keep stop, and with it the stream's handler, from returning.
func TestHeartbeatStopDoesNotWaitForABlockedSend(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	h := newHeartbeat(func(*pb.Waiting) error {
		close(entered)
		<-release
		return nil
	})
	go h.waiting("rate limited", time.Now().Add(time.Minute))
	<-entered
	stopped := make(chan struct{})
	go func() {
		h.stop()
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("stop waited for a heartbeat blocked in its send")
	}
	h.waiting("rate limited", time.Now().Add(2*time.Minute)) // after stop: sends nothing (a second send would close entered twice)
}
