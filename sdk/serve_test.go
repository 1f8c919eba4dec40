package sdk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	pb "github.com/cxhub/cxhub/sdk/internal/connectorpb"
	"google.golang.org/protobuf/proto"
)

// sentLog is a batchEmitter's send function that notes each message as
// "batch k1 k2..." or "checkpoint stream state".
type sentLog struct {
	msgs    []string
	bytes   []int // data bytes of each batch (0 for a checkpoint)
	batches [][]*pb.Record
	fail    error
}

func (s *sentLog) send(m *pb.ReadResponse) error {
	if s.fail != nil {
		return s.fail
	}
	switch m := m.GetMessage().(type) {
	case *pb.ReadResponse_Batch:
		keys, size := []string{"batch"}, 0
		for _, r := range m.Batch.GetRecords() {
			keys = append(keys, r.GetKey())
			size += len(r.GetData())
		}
		s.msgs = append(s.msgs, strings.Join(keys, " "))
		s.bytes = append(s.bytes, size)
		s.batches = append(s.batches, m.Batch.GetRecords())
	case *pb.ReadResponse_Checkpoint:
		s.msgs = append(s.msgs, fmt.Sprintf("checkpoint %s %s", m.Checkpoint.GetStream(), m.Checkpoint.GetState()))
		s.bytes = append(s.bytes, 0)
	default:
		return fmt.Errorf("unexpected message %T", m)
	}
	return nil
}

// keyed returns n records r0..r(n-1) with size bytes of data each.
func keyed(n, size int) []Record {
	rs := make([]Record, n)
	for i := range rs {
		rs[i] = Record{Stream: "s", Key: fmt.Sprintf("r%d", i), Data: bytes.Repeat([]byte("x"), size)}
	}
	return rs
}

func TestBatchEmitterCutsAtBatchSize(t *testing.T) {
	var log sentLog
	e := &batchEmitter{ctx: context.Background(), send: log.send, batchSize: 3}
	rs := keyed(7, 10)
	// One record at a time and several at once batch the same way.
	if err := e.Emit(rs[0]); err != nil {
		t.Fatal(err)
	}
	if err := e.Emit(rs[1:]...); err != nil {
		t.Fatal(err)
	}
	want := []string{"batch r0 r1 r2", "batch r3 r4 r5"}
	if !reflect.DeepEqual(log.msgs, want) {
		t.Fatalf("after 7 records with batch size 3, sent %q, want %q", log.msgs, want)
	}
	if err := e.flush(); err != nil {
		t.Fatal(err)
	}
	want = append(want, "batch r6")
	if !reflect.DeepEqual(log.msgs, want) {
		t.Fatalf("after flush, sent %q, want %q", log.msgs, want)
	}
	// A flush with nothing pending sends nothing.
	if err := e.flush(); err != nil || len(log.msgs) != len(want) {
		t.Errorf("an empty flush sent %q (err %v)", log.msgs[len(want):], err)
	}
}

func TestBatchEmitterCutsAtMaxBatchBytes(t *testing.T) {
	var log sentLog
	e := &batchEmitter{ctx: context.Background(), send: log.send, batchSize: 1000}
	// Four records fill a batch exactly; the fifth starts the next.
	quarter := maxBatchBytes / 4
	if err := e.Emit(keyed(5, quarter)...); err != nil {
		t.Fatal(err)
	}
	if err := e.flush(); err != nil {
		t.Fatal(err)
	}
	want := []string{"batch r0 r1 r2 r3", "batch r4"}
	if !reflect.DeepEqual(log.msgs, want) {
		t.Fatalf("sent %q, want %q", log.msgs, want)
	}
	// One byte more per record, and only three fit.
	log = sentLog{}
	e = &batchEmitter{ctx: context.Background(), send: log.send, batchSize: 1000}
	if err := e.Emit(keyed(5, quarter+1)...); err != nil {
		t.Fatal(err)
	}
	if err := e.flush(); err != nil {
		t.Fatal(err)
	}
	want = []string{"batch r0 r1 r2", "batch r3 r4"}
	if !reflect.DeepEqual(log.msgs, want) {
		t.Fatalf("sent %q, want %q", log.msgs, want)
	}
	// A record larger than a batch travels alone.
	log = sentLog{}
	e = &batchEmitter{ctx: context.Background(), send: log.send, batchSize: 1000}
	rs := keyed(3, 10)
	rs[1].Data = make([]byte, maxBatchBytes+1)
	if err := e.Emit(rs...); err != nil {
		t.Fatal(err)
	}
	if err := e.flush(); err != nil {
		t.Fatal(err)
	}
	want = []string{"batch r0", "batch r1", "batch r2"}
	if !reflect.DeepEqual(log.msgs, want) {
		t.Fatalf("sent %q, want %q", log.msgs, want)
	}
}

func TestBatchEmitterCheckpointFlushesFirst(t *testing.T) {
	var log sentLog
	e := &batchEmitter{ctx: context.Background(), send: log.send, batchSize: 10}
	rs := keyed(5, 1)
	steps := []func() error{
		func() error { return e.Emit(rs[0], rs[1]) },
		func() error { return e.Checkpoint("s", []byte("2")) },
		func() error { return e.Checkpoint("t", []byte("other stream")) },
		func() error { return e.Emit(rs[2:]...) },
		func() error { return e.Checkpoint("s", []byte("5")) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	want := []string{"batch r0 r1", "checkpoint s 2", "checkpoint t other stream", "batch r2 r3 r4", "checkpoint s 5"}
	if !reflect.DeepEqual(log.msgs, want) {
		t.Fatalf("sent\n%q\nwant\n%q", log.msgs, want)
	}
}

func TestBatchEmitterOversizedRecord(t *testing.T) {
	var log sentLog
	e := &batchEmitter{ctx: context.Background(), send: log.send, batchSize: 10}
	largest := Record{Stream: "s", Key: "largest", Data: make([]byte, MaxRecordBytes)}
	if err := e.Emit(largest); err != nil {
		t.Fatalf("Emit of a record of exactly MaxRecordBytes: %v", err)
	}
	tooLarge := Record{Stream: "s", Key: "huge", Data: make([]byte, MaxRecordBytes+1)}
	if err := e.Emit(tooLarge); err != nil {
		t.Fatalf("Emit of a record over MaxRecordBytes failed the read: %v", err)
	}
	badKey := Record{Stream: "s", Key: "caf\xe9", Data: []byte(`{"id":"caf\u00e9"}`)}
	if err := e.Emit(badKey); err != nil {
		t.Fatalf("Emit of a record with a non-UTF-8 key failed the read: %v", err)
	}
	if err := e.flush(); err != nil {
		t.Fatal(err)
	}
	// The largest record fills a batch on its own (cut by bytes).
	if want := []string{"batch largest", "batch huge caf\uFFFD"}; !reflect.DeepEqual(log.msgs, want) {
		t.Fatalf("sent %q, want %q", log.msgs, want)
	}
	sent := append(log.batches[0], log.batches[1]...)
	if p := sent[1].GetProblem(); !strings.Contains(p, "more than the protocol's limit") || len(sent[1].GetData()) != problemSampleBytes {
		t.Errorf("oversized record sent with problem %q and %d bytes, want a problem and a %d-byte sample", p, len(sent[1].GetData()), problemSampleBytes)
	}
	if p := sent[2].GetProblem(); p != "record key is not valid UTF-8" || string(sent[2].GetData()) != `{"id":"caf\u00e9"}` {
		t.Errorf("non-UTF-8 key sent with problem %q and data %s", p, sent[2].GetData())
	}
	if !proto.Equal(sent[0], recordToPB(&largest)) {
		t.Errorf("a carriable record was changed")
	}
}

// TestBatchEmitterOverlongKey: a record whose key is longer than
// MaxKeyBytes travels as a problem record, the read goes on.
func TestBatchEmitterOverlongKey(t *testing.T) {
	var log sentLog
	e := &batchEmitter{ctx: context.Background(), send: log.send, batchSize: 10}
	long := strings.Repeat("k", MaxKeyBytes+1)
	if err := e.Emit(Record{Stream: "s", Key: long, Data: []byte(`{}`)}, Record{Stream: "s", Key: long[1:], Data: []byte(`{}`)}); err != nil {
		t.Fatalf("Emit of an overlong key failed the read: %v", err)
	}
	if err := e.flush(); err != nil {
		t.Fatal(err)
	}
	sent := log.batches[0]
	if p := sent[0].GetProblem(); !strings.Contains(p, "more than the 1024 a key may have") {
		t.Errorf("overlong key sent with problem %q", p)
	}
	if p := sent[1].GetProblem(); p != "" {
		t.Errorf("a key at the limit sent with problem %q", p)
	}
}

func TestBatchEmitterSendError(t *testing.T) {
	gone := errors.New("stream closed")
	log := sentLog{fail: gone}
	e := &batchEmitter{ctx: context.Background(), send: log.send, batchSize: 2}
	if err := e.Emit(keyed(1, 1)...); err != nil {
		t.Fatalf("Emit below a batch sent nothing yet, but failed: %v", err)
	}
	if err := e.Emit(keyed(1, 1)...); !errors.Is(err, gone) {
		t.Errorf("Emit that fills a batch = %v, want the send error", err)
	}
	if err := e.Checkpoint("s", nil); !errors.Is(err, gone) {
		t.Errorf("Checkpoint = %v, want the send error", err)
	}
}

type sourceOnly struct{ spec Spec }

func (c sourceOnly) Spec() Spec { return c.spec }
func (sourceOnly) Check(context.Context, CheckRequest) (CheckResponse, error) {
	return CheckResponse{}, nil
}
func (sourceOnly) Read(context.Context, ReadRequest, Emitter) error { return nil }

type neither struct{ sourceOnly }

func (neither) Read() {} // hides sourceOnly.Read: not a Source

func TestCheckServable(t *testing.T) {
	good := Spec{Name: "x", Version: "1.0.0"}
	tests := []struct {
		name string
		c    Connector
		want string // "" means servable
	}{
		{"source", sourceOnly{good}, ""},
		{"nil", nil, "nil connector"},
		{"neither source nor destination", neither{sourceOnly{good}}, "neither a Source nor a Destination"},
		{"invalid spec", sourceOnly{Spec{Name: "x"}}, "version is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkServable(tt.c)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("checkServable = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("checkServable = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
