package sdk

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	pb "github.com/cxhub/cxhub/sdk/internal/connectorpb"
	"google.golang.org/protobuf/proto"
)

// packedFixture has every column of a packed batch in use: two streams,
// deletes with target ids, problems, records with and without an update
// time, empty data and multi-byte keys.
func packedFixture() []Record {
	at := time.Unix(1_700_000_000, 123_456_789).UTC()
	return []Record{
		{Stream: "contacts", Key: "42", Data: []byte(`{"id":42}`), UpdatedAt: at},
		{Stream: "contacts", Key: "43", Op: Delete, TargetID: "t-9"},
		{Stream: "tickets", Key: "ligne 7 é", Data: []byte("not json"), Problem: "line 7 is not JSON"},
		{Stream: "contacts", Key: "", Data: []byte(`{}`), UpdatedAt: at.Add(time.Second)},
		{Stream: "tickets", Key: "日本", Data: []byte(`{"x":"日本"}`), TargetID: "t-日"},
	}
}

// Records go through a packed batch (and its wire bytes) unchanged, and
// come out as they come out of a version 1 batch.
func TestPackedRecordsRoundTrip(t *testing.T) {
	for _, in := range [][]Record{packedFixture(), {}, packedFixture()[:1], {{Stream: "s", Op: Delete}}} {
		wire, err := proto.Marshal(batchToPB(in, true))
		if err != nil {
			t.Fatal(err)
		}
		var b pb.RecordBatch
		if err := proto.Unmarshal(wire, &b); err != nil {
			t.Fatal(err)
		}
		if len(b.GetRecords()) != 0 {
			t.Fatalf("a packed batch carried %d version 1 records", len(b.GetRecords()))
		}
		got, err := batchFromPB(&b)
		if err != nil {
			t.Fatalf("batchFromPB: %v", err)
		}
		v1, err := batchFromPB(batchToPB(in, false))
		if err != nil {
			t.Fatal(err)
		}
		if len(in) == 0 {
			if len(got) != 0 || len(v1) != 0 {
				t.Fatalf("an empty batch became %v / %v", got, v1)
			}
			continue
		}
		if !sameRecords(got, in) {
			t.Errorf("packed round trip:\n got %+v\nwant %+v", got, in)
		}
		if !sameRecords(got, v1) {
			t.Errorf("packed and version 1 differ:\n packed %+v\n     v1 %+v", got, v1)
		}
	}
}

// sameRecords compares records field by field, empty data being equal to
// none.
func sameRecords(a, b []Record) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if !bytes.Equal(x.Data, y.Data) {
			return false
		}
		x.Data, y.Data = nil, nil
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

// The decoded records' data share one buffer, but appending to one never
// overwrites the next.
func TestPackedRecordsDataIsCapped(t *testing.T) {
	got, err := unpackRecords(packRecords(packedFixture()))
	if err != nil {
		t.Fatal(err)
	}
	_ = append(got[0].Data, "XXXXXXXXXXXXXXXXXXXX"...)
	if string(got[2].Data) != "not json" {
		t.Fatalf("appending to record 0's data changed record 2's to %q", got[2].Data)
	}
}

func TestPackedResultsRoundTrip(t *testing.T) {
	in := []Result{
		{ID: "c-1", Created: true},
		Failed(RateLimited(errors.New("slow down"), 1500*time.Millisecond)),
		{ID: "c-日", Created: false},
		{},
	}
	for _, packed := range []bool{true, false} {
		wire, err := proto.Marshal(resultsToPB(in, packed))
		if err != nil {
			t.Fatal(err)
		}
		var w pb.WriteResponse
		if err := proto.Unmarshal(wire, &w); err != nil {
			t.Fatal(err)
		}
		got, err := resultsFromPB(&w)
		if err != nil {
			t.Fatalf("packed %v: %v", packed, err)
		}
		if len(got) != len(in) {
			t.Fatalf("packed %v: %d results for %d", packed, len(got), len(in))
		}
		for i := range in {
			if got[i].ID != in[i].ID || got[i].Created != in[i].Created || (got[i].Err == nil) != (in[i].Err == nil) {
				t.Errorf("packed %v: result %d = %+v, want %+v", packed, i, got[i], in[i])
			}
		}
		if e := got[1].Err; KindOf(e) != KindRateLimited || RetryAfterOf(e) != 1500*time.Millisecond || e.Error() != "slow down" {
			t.Errorf("packed %v: the failed result's error became %v (%s, %v)", packed, e, KindOf(e), RetryAfterOf(e))
		}
	}
	// No ids at all: the id column stays empty.
	if p := packResults([]Result{{Created: true}, {}}); len(p.GetIdEnds()) != 0 || len(p.GetIds()) != 0 {
		t.Errorf("results without ids packed an id column: %v", p)
	}
}

// A malformed packed batch or response is an error naming what is wrong,
// never a panic or a record made up.
func TestPackedMalformed(t *testing.T) {
	good := func() *pb.PackedRecords { return packRecords(packedFixture()) }
	tests := []struct {
		name  string
		batch func() *pb.RecordBatch
		want  string
	}{
		{"both forms", func() *pb.RecordBatch {
			return &pb.RecordBatch{Records: []*pb.Record{{}}, Packed: good()}
		}, "both records and packed records"},
		{"key ends short", func() *pb.RecordBatch { p := good(); p.KeyEnds = p.KeyEnds[1:]; return &pb.RecordBatch{Packed: p} }, "key ends"},
		{"data end past the blob", func() *pb.RecordBatch {
			p := good()
			p.DataEnds[1] = uint32(len(p.Data) + 1)
			return &pb.RecordBatch{Packed: p}
		}, "data end"},
		{"data ends go back", func() *pb.RecordBatch { p := good(); p.DataEnds[2] = 0; return &pb.RecordBatch{Packed: p} }, "data end"},
		{"stream index out of range", func() *pb.RecordBatch { p := good(); p.StreamIndexes[0] = 9; return &pb.RecordBatch{Packed: p} }, "names stream 9"},
		{"no stream names", func() *pb.RecordBatch {
			p := good()
			p.Streams, p.StreamIndexes = nil, nil
			return &pb.RecordBatch{Packed: p}
		}, "no stream names"},
		{"short operations column", func() *pb.RecordBatch {
			p := good()
			p.Operations = p.Operations[:2]
			return &pb.RecordBatch{Packed: p}
		}, "operations"},
		{"problem past the end", func() *pb.RecordBatch { p := good(); p.Problems[99] = "x"; return &pb.RecordBatch{Packed: p} }, "problem for record 99"},
		{"key split inside a character", func() *pb.RecordBatch {
			p := packRecords([]Record{{Stream: "s", Key: "é"}, {Stream: "s", Key: "x"}})
			p.KeyEnds[0] = 1
			return &pb.RecordBatch{Packed: p}
		}, "not UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := batchFromPB(tt.batch())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("batchFromPB = %v, %v; want an error containing %q", got, err, tt.want)
			}
		})
	}
	for name, w := range map[string]*pb.WriteResponse{
		"both forms":         {Results: []*pb.RecordResult{{}}, Packed: packResults([]Result{{}})},
		"short id column":    {Packed: &pb.PackedResults{Created: []bool{true, false}, Ids: []byte("a"), IdEnds: []uint32{1}}},
		"id past the blob":   {Packed: &pb.PackedResults{Created: []bool{true}, Ids: []byte("a"), IdEnds: []uint32{5}}},
		"error past the end": {Packed: &pb.PackedResults{Created: []bool{true}, Errors: map[uint32]*pb.Error{3: {Message: "x"}}}},
	} {
		if got, err := resultsFromPB(w); err == nil {
			t.Errorf("%s: resultsFromPB = %v, want an error", name, got)
		}
	}
}
