package sdk

import (
	"fmt"
	"testing"

	pb "github.com/cxhub/cxhub/sdk/internal/connectorpb"
	"google.golang.org/protobuf/proto"
)

// benchBatch is a batch of 500 records of about 450 bytes, as make bench sends.
func benchBatch() []Record {
	recs := make([]Record, 500)
	for i := range recs {
		key := fmt.Sprintf("cus-%08d", i)
		recs[i] = Record{Stream: "customers", Key: key,
			Data: fmt.Appendf(nil, `{"id":%q,"email":"person%d@example.com","bio":"%0400d"}`, key, i, 0)}
	}
	return recs
}

// BenchmarkEncodeBatch is what the sending side of a hop does per batch:
// records to protocol messages to bytes, in the newest protocol's form
// (packed). Reported per record.
func BenchmarkEncodeBatch(b *testing.B) { benchEncode(b, true) }

// BenchmarkEncodeBatchV1 is the same in protocol version 1's form.
func BenchmarkEncodeBatchV1(b *testing.B) { benchEncode(b, false) }

func benchEncode(b *testing.B, packed bool) {
	recs := benchBatch()
	b.ReportAllocs()
	for b.Loop() {
		msg := &pb.ReadResponse{Message: &pb.ReadResponse_Batch{Batch: batchToPB(recs, packed)}}
		if _, err := proto.Marshal(msg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/record")
}

// BenchmarkDecodeBatch is what the receiving side does: bytes to protocol
// messages to records, in the newest protocol's form (packed).
func BenchmarkDecodeBatch(b *testing.B) { benchDecode(b, true) }

// BenchmarkDecodeBatchV1 is the same in protocol version 1's form.
func BenchmarkDecodeBatchV1(b *testing.B) { benchDecode(b, false) }

func benchDecode(b *testing.B, packed bool) {
	recs := benchBatch()
	wire, err := proto.Marshal(&pb.ReadResponse{Message: &pb.ReadResponse_Batch{Batch: batchToPB(recs, packed)}})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(wire)))
	b.ReportAllocs()
	for b.Loop() {
		var msg pb.ReadResponse
		if err := proto.Unmarshal(wire, &msg); err != nil {
			b.Fatal(err)
		}
		got, err := batchFromPB(msg.GetBatch())
		if err != nil || len(got) != len(recs) {
			b.Fatalf("%d records decoded: %v", len(got), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/record")
}
