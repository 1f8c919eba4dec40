package sdk

import (
	"fmt"
	"time"
	"unicode/utf8"

	pb "github.com/cxhub/cxhub/sdk/internal/connectorpb"
)

// This file is protocol version 2's packed batches: a batch's records (and
// a write's results) in columns, so that either side decodes a batch with
// one allocation per column instead of several per record. The record data
// of a decoded batch shares one buffer; keys and ids share one string.

// recordPacker builds one PackedRecords batch record by record.
type recordPacker struct {
	p       *pb.PackedRecords
	streams map[string]uint32 // index in p.Streams by name
	count   int
	sizeFor int // the record count the columns were sized for
}

// newRecordPacker starts an empty batch sized for about n records of
// dataBytes of data in all.
func newRecordPacker(n, dataBytes int) *recordPacker {
	return &recordPacker{
		p: &pb.PackedRecords{
			Data:     make([]byte, 0, dataBytes),
			DataEnds: make([]uint32, 0, n),
			Keys:     make([]byte, 0, n*16),
			KeyEnds:  make([]uint32, 0, n),
		},
		sizeFor: n,
	}
}

// add appends r to the batch, copying its data.
func (k *recordPacker) add(r *Record) {
	p := k.p
	p.Data = append(p.Data, r.Data...)
	p.DataEnds = append(p.DataEnds, uint32(len(p.Data)))
	p.Keys = append(p.Keys, r.Key...)
	p.KeyEnds = append(p.KeyEnds, uint32(len(p.Keys)))

	si := k.streamIndex(r.Stream)
	if si != 0 && p.StreamIndexes == nil {
		p.StreamIndexes = make([]uint32, k.count, k.sizeFor)
	}
	if p.StreamIndexes != nil {
		p.StreamIndexes = append(p.StreamIndexes, si)
	}
	if r.Op != Upsert && p.Operations == nil {
		p.Operations = make([]pb.Operation, k.count, k.sizeFor)
	}
	if p.Operations != nil {
		p.Operations = append(p.Operations, pb.Operation(r.Op))
	}
	if !r.UpdatedAt.IsZero() && p.UpdatedAtUnixNano == nil {
		p.UpdatedAtUnixNano = make([]int64, k.count, k.sizeFor)
	}
	if p.UpdatedAtUnixNano != nil {
		var ns int64
		if !r.UpdatedAt.IsZero() {
			ns = r.UpdatedAt.UnixNano()
		}
		p.UpdatedAtUnixNano = append(p.UpdatedAtUnixNano, ns)
	}
	if r.TargetID != "" && p.TargetIdEnds == nil {
		p.TargetIdEnds = make([]uint32, k.count, k.sizeFor)
	}
	if p.TargetIdEnds != nil {
		p.TargetIds = append(p.TargetIds, r.TargetID...)
		p.TargetIdEnds = append(p.TargetIdEnds, uint32(len(p.TargetIds)))
	}
	if r.Problem != "" {
		if p.Problems == nil {
			p.Problems = map[uint32]string{}
		}
		p.Problems[uint32(k.count)] = r.Problem
	}
	k.count++
}

func (k *recordPacker) streamIndex(stream string) uint32 {
	p := k.p
	if len(p.Streams) > 0 && p.Streams[0] == stream {
		return 0
	}
	if k.streams == nil {
		k.streams = map[string]uint32{}
		if len(p.Streams) > 0 {
			k.streams[p.Streams[0]] = 0
		}
	}
	i, ok := k.streams[stream]
	if !ok {
		i = uint32(len(p.Streams))
		p.Streams = append(p.Streams, stream)
		k.streams[stream] = i
	}
	return i
}

// packRecords encodes records as one packed batch.
func packRecords(rs []Record) *pb.PackedRecords {
	size := 0
	for i := range rs {
		size += len(rs[i].Data)
	}
	k := newRecordPacker(len(rs), size)
	for i := range rs {
		k.add(&rs[i])
	}
	return k.p
}

// batchToPB puts records on the wire, packed when the peer speaks protocol
// version 2.
func batchToPB(rs []Record, packed bool) *pb.RecordBatch {
	if packed {
		return &pb.RecordBatch{Packed: packRecords(rs)}
	}
	return &pb.RecordBatch{Records: recordsToPB(rs)}
}

// batchFromPB takes records off the wire, in either form.
func batchFromPB(b *pb.RecordBatch) ([]Record, error) {
	if p := b.GetPacked(); p != nil {
		if len(b.GetRecords()) > 0 {
			return nil, fmt.Errorf("malformed batch: both records and packed records")
		}
		return unpackRecords(p)
	}
	return recordsFromPB(b.GetRecords()), nil
}

// unpackRecords decodes a packed batch, checking every column against the
// record count: a malformed batch is an error, never a panic.
func unpackRecords(p *pb.PackedRecords) ([]Record, error) {
	n := len(p.GetDataEnds())
	if len(p.GetKeyEnds()) != n {
		return nil, fmt.Errorf("malformed packed batch: %d data ends but %d key ends", n, len(p.GetKeyEnds()))
	}
	if err := checkColumn("stream_indexes", len(p.GetStreamIndexes()), n); err != nil {
		return nil, err
	}
	if err := checkColumn("operations", len(p.GetOperations()), n); err != nil {
		return nil, err
	}
	if err := checkColumn("updated_at_unix_nano", len(p.GetUpdatedAtUnixNano()), n); err != nil {
		return nil, err
	}
	if err := checkColumn("target_id_ends", len(p.GetTargetIdEnds()), n); err != nil {
		return nil, err
	}
	if n > 0 && len(p.GetStreams()) == 0 {
		return nil, fmt.Errorf("malformed packed batch: %d records but no stream names", n)
	}
	data := p.GetData()
	dataEnds, err := checkEnds("data", p.GetDataEnds(), len(data))
	if err != nil {
		return nil, err
	}
	keyEnds, err := checkEnds("key", p.GetKeyEnds(), len(p.GetKeys()))
	if err != nil {
		return nil, err
	}
	targetEnds, err := checkEnds("target_id", p.GetTargetIdEnds(), len(p.GetTargetIds()))
	if err != nil {
		return nil, err
	}
	keys, targets := string(p.GetKeys()), string(p.GetTargetIds())
	streams, indexes, ops, times := p.GetStreams(), p.GetStreamIndexes(), p.GetOperations(), p.GetUpdatedAtUnixNano()

	out := make([]Record, n)
	var dataStart, keyStart, targetStart uint32
	for i := range out {
		r := &out[i]
		end := dataEnds[i]
		r.Data = data[dataStart:end:end]
		dataStart = end
		r.Key = keys[keyStart:keyEnds[i]]
		keyStart = keyEnds[i]
		if targetEnds != nil {
			r.TargetID = targets[targetStart:targetEnds[i]]
			targetStart = targetEnds[i]
		}
		// Strings travel as bytes here: check each as proto checks a string.
		if !utf8.ValidString(r.Key) || !utf8.ValidString(r.TargetID) {
			return nil, fmt.Errorf("malformed packed batch: record %d's key or target id is not UTF-8", i)
		}
		si := uint32(0)
		if indexes != nil {
			si = indexes[i]
		}
		if int(si) >= len(streams) {
			return nil, fmt.Errorf("malformed packed batch: record %d names stream %d of %d", i, si, len(streams))
		}
		r.Stream = streams[si]
		if ops != nil {
			r.Op, r.Problem = operationFromPB(ops[i])
		}
		if times != nil && times[i] != 0 {
			r.UpdatedAt = time.Unix(0, times[i]).UTC()
		}
	}
	for i, problem := range p.GetProblems() {
		if int(i) >= n {
			return nil, fmt.Errorf("malformed packed batch: a problem for record %d of %d", i, n)
		}
		out[i].Problem = joinProblems(problem, out[i].Problem)
	}
	return out, nil
}

// checkColumn checks an optional per-record column's length.
func checkColumn(name string, got, n int) error {
	if got != 0 && got != n {
		return fmt.Errorf("malformed packed batch: %d entries in %s for %d records", got, name, n)
	}
	return nil
}

// checkEnds checks that a blob's end offsets never go back and stay inside
// it; nil ends stay nil.
func checkEnds(name string, ends []uint32, blob int) ([]uint32, error) {
	var prev uint32
	for i, e := range ends {
		if e < prev || int(e) > blob {
			return nil, fmt.Errorf("malformed packed batch: %s end %d of record %d is outside %d..%d", name, e, i, prev, blob)
		}
		prev = e
	}
	return ends, nil
}

// packResults encodes a batch's results in columns.
func packResults(rs []Result) *pb.PackedResults {
	p := &pb.PackedResults{Created: make([]bool, len(rs))}
	for i := range rs {
		r := &rs[i]
		if r.ID != "" && p.IdEnds == nil {
			p.IdEnds = make([]uint32, i, len(rs))
		}
		if p.IdEnds != nil {
			p.Ids = append(p.Ids, r.ID...)
			p.IdEnds = append(p.IdEnds, uint32(len(p.Ids)))
		}
		p.Created[i] = r.Created
		if r.Err != nil {
			if p.Errors == nil {
				p.Errors = map[uint32]*pb.Error{}
			}
			p.Errors[uint32(i)] = errorToPB(r.Err)
		}
	}
	return p
}

// resultsToPB answers a batch, packed when the peer speaks protocol version 2.
func resultsToPB(rs []Result, packed bool) *pb.WriteResponse {
	if packed {
		return &pb.WriteResponse{Packed: packResults(rs)}
	}
	results := make([]*pb.RecordResult, len(rs))
	for i, r := range rs {
		results[i] = &pb.RecordResult{Id: r.ID, Created: r.Created, Error: errorToPB(r.Err)}
	}
	return &pb.WriteResponse{Results: results}
}

// resultsFromPB takes a batch's results off the wire, in either form.
func resultsFromPB(w *pb.WriteResponse) ([]Result, error) {
	p := w.GetPacked()
	if p == nil {
		out := make([]Result, len(w.GetResults()))
		for i, r := range w.GetResults() {
			out[i] = Result{ID: r.GetId(), Created: r.GetCreated(), Err: errorFromPB(r.GetError())}
		}
		return out, nil
	}
	if len(w.GetResults()) > 0 {
		return nil, fmt.Errorf("malformed write response: both results and packed results")
	}
	n := len(p.GetCreated())
	if err := checkColumn("id_ends", len(p.GetIdEnds()), n); err != nil {
		return nil, err
	}
	idEnds, err := checkEnds("id", p.GetIdEnds(), len(p.GetIds()))
	if err != nil {
		return nil, err
	}
	ids := string(p.GetIds())
	out := make([]Result, n)
	var start uint32
	for i := range out {
		out[i].Created = p.GetCreated()[i]
		if idEnds != nil {
			out[i].ID = ids[start:idEnds[i]]
			start = idEnds[i]
			if !utf8.ValidString(out[i].ID) {
				return nil, fmt.Errorf("malformed write response: result %d's id is not UTF-8", i)
			}
		}
	}
	for i, e := range p.GetErrors() {
		if int(i) >= n {
			return nil, fmt.Errorf("malformed write response: an error for record %d of %d", i, n)
		}
		out[i].Err = errorFromPB(e)
	}
	return out, nil
}
