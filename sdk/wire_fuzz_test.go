package sdk

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	pb "github.com/cxhub/cxhub/sdk/internal/connectorpb"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// FuzzRecordFromWire decodes arbitrary bytes as the ReadResponse a host
// receives from a connector and converts its records as Plugin.Read does.
// Malformed bytes and strings that are not UTF-8 are refused by the
// decoder with an error; whatever decodes converts without panicking into a
// record with a known operation and every field kept, and a record whose
// operation is unknown is marked with a Problem, so the core dead-letters it.
func FuzzRecordFromWire(f *testing.F) {
	for _, msg := range []*pb.ReadResponse{
		{Message: &pb.ReadResponse_Batch{Batch: &pb.RecordBatch{Records: []*pb.Record{
			{Stream: "contacts", Key: "42", Data: []byte(`{"id":42}`), UpdatedAtUnixNano: 1_700_000_000_123_456_789},
			{Stream: "contacts", Key: "43", Operation: pb.Operation_OPERATION_DELETE, TargetId: "t-9"},
			{Stream: "tickets", Key: "line 7", Data: []byte("not json"), Problem: "line 7 is not JSON"},
			{Stream: "x", Key: "y", Operation: 257, UpdatedAtUnixNano: -1},
			{},
		}}}},
		{Message: &pb.ReadResponse_Checkpoint{Checkpoint: &pb.Checkpoint{Stream: "contacts", State: []byte(`{"after":"x"}`)}}},
	} {
		b, err := proto.Marshal(msg)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// A record whose key is not UTF-8, which proto.Marshal refuses to build.
	rec := protowire.AppendTag(nil, 2, protowire.BytesType)
	rec = protowire.AppendBytes(rec, []byte("\xff"))
	batch := protowire.AppendTag(nil, 1, protowire.BytesType)
	batch = protowire.AppendBytes(batch, rec)
	resp := protowire.AppendTag(nil, 1, protowire.BytesType)
	f.Add(protowire.AppendBytes(resp, batch))

	f.Fuzz(func(t *testing.T, wire []byte) {
		var msg pb.ReadResponse
		if err := proto.Unmarshal(wire, &msg); err != nil {
			return // refused with an error: what malformed input must get
		}
		if cp := msg.GetCheckpoint(); cp != nil && !utf8.ValidString(cp.GetStream()) {
			t.Fatalf("checkpoint stream %q is not UTF-8 but was decoded", cp.GetStream())
		}
		ps := msg.GetBatch().GetRecords()
		records := recordsFromPB(ps)
		if len(records) != len(ps) {
			t.Fatalf("%d records from %d on the wire", len(records), len(ps))
		}
		for i, p := range ps {
			checkRecordFromWire(t, p, records[i])
		}
	})
}

// checkRecordFromWire checks that r is what p converts to.
func checkRecordFromWire(t *testing.T, p *pb.Record, r Record) {
	t.Helper()
	for _, s := range []string{r.Stream, r.Key, r.TargetID, r.Problem} {
		if !utf8.ValidString(s) {
			t.Fatalf("record %+v has a string that is not UTF-8", r)
		}
	}
	if r.Stream != p.GetStream() || r.Key != p.GetKey() || r.TargetID != p.GetTargetId() || !bytes.Equal(r.Data, p.GetData()) {
		t.Fatalf("record %+v lost a field of %v", r, p)
	}
	if ns := p.GetUpdatedAtUnixNano(); (ns == 0) != r.UpdatedAt.IsZero() ||
		(ns != 0 && (r.UpdatedAt.UnixNano() != ns || r.UpdatedAt.Location() != time.UTC)) {
		t.Fatalf("updated_at %d became %v", ns, r.UpdatedAt)
	}
	switch op := p.GetOperation(); op {
	case pb.Operation_OPERATION_UPSERT, pb.Operation_OPERATION_DELETE:
		if int32(r.Op) != int32(op) || r.Problem != p.GetProblem() {
			t.Fatalf("operation %v, problem %q became %v, %q", op, p.GetProblem(), r.Op, r.Problem)
		}
	default:
		if r.Op != Upsert || !strings.Contains(r.Problem, "unknown operation") || !strings.HasPrefix(r.Problem, p.GetProblem()) {
			t.Fatalf("unknown operation %d, problem %q became %v, %q; want an upsert with a problem", int32(op), p.GetProblem(), r.Op, r.Problem)
		}
	}
	if back := recordToPB(&r); p.GetOperation() == back.GetOperation() && !proto.Equal(stripUnknown(p), back) {
		t.Fatalf("record %v does not go back to the wire as it came: %v", p, back)
	}
}

// stripUnknown returns a copy of p without the fields this SDK does not know.
func stripUnknown(p *pb.Record) *pb.Record {
	c := proto.Clone(p).(*pb.Record)
	c.ProtoReflect().SetUnknown(nil)
	return c
}

// FuzzPackedBatchFromWire decodes arbitrary bytes as a RecordBatch and
// converts it as a version 2 host or connector does. A malformed batch is
// refused with an error, never a panic; whatever converts has valid UTF-8
// strings and goes through a packed batch again unchanged.
func FuzzPackedBatchFromWire(f *testing.F) {
	for _, b := range []*pb.RecordBatch{
		batchToPB(packedFixture(), true),
		batchToPB(packedFixture()[:2], true),
		batchToPB(packedFixture(), false),
		{Packed: &pb.PackedRecords{}},
	} {
		wire, err := proto.Marshal(b)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(wire)
	}
	f.Fuzz(func(t *testing.T, wire []byte) {
		var b pb.RecordBatch
		if err := proto.Unmarshal(wire, &b); err != nil {
			return
		}
		records, err := batchFromPB(&b)
		if err != nil {
			return // refused with an error: what malformed input must get
		}
		for _, r := range records {
			for _, s := range []string{r.Stream, r.Key, r.TargetID, r.Problem} {
				if !utf8.ValidString(s) {
					t.Fatalf("record %+v has a string that is not UTF-8", r)
				}
			}
		}
		again, err := unpackRecords(packRecords(records))
		if err != nil {
			t.Fatalf("records decoded from the wire do not pack again: %v", err)
		}
		if !sameRecords(again, records) {
			t.Fatalf("records changed through a packed batch:\n got %+v\nwant %+v", again, records)
		}
	})
}
