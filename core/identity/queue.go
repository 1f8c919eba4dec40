package identity

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// QueueItem is one batch waiting in the index's queue.
type QueueItem struct {
	Seq  int64
	Data []byte
}

// queued is a batch as the stage queues it: the records a pipeline read
// from a canonical stream, and the pipeline's ends (the core's links
// between them are looked up when the batch is indexed).
type queued struct {
	pipeline string
	from, to Ref // connection and stream; Key unused
	recs     []sdk.Record
}

// encode writes a batch as the queue keeps it: length-prefixed strings,
// then per record its key, op, version time and data. Records with no key
// or a problem are left out (the engine dead-letters them).
func (q queued) encode() []byte {
	size, n := 64, 0
	for i := range q.recs {
		if r := &q.recs[i]; r.Key != "" && r.Problem == "" {
			size += len(r.Key) + len(r.Data) + 24
			n++
		}
	}
	b := make([]byte, 0, size)
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	str(q.pipeline)
	str(q.from.Connection)
	str(q.from.Stream)
	str(q.to.Connection)
	str(q.to.Stream)
	b = binary.AppendUvarint(b, uint64(n))
	for i := range q.recs {
		r := &q.recs[i]
		if r.Key == "" || r.Problem != "" {
			continue
		}
		str(r.Key)
		b = binary.AppendUvarint(b, uint64(r.Op))
		var t int64
		if !r.UpdatedAt.IsZero() {
			t = r.UpdatedAt.UnixNano()
		}
		b = binary.AppendVarint(b, t)
		b = binary.AppendUvarint(b, uint64(len(r.Data)))
		b = append(b, r.Data...)
	}
	return b
}

var errCorrupt = errors.New("corrupt queue item")

// decodeQueued reads what encode wrote.
func decodeQueued(b []byte) (queued, error) {
	var q queued
	bad := false
	uv := func() uint64 {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			bad = true
			return 0
		}
		b = b[n:]
		return v
	}
	bytes := func() []byte {
		n := uv()
		if bad || n > uint64(len(b)) {
			bad = true
			return nil
		}
		out := b[:n:n]
		b = b[n:]
		return out
	}
	str := func() string { return string(bytes()) }
	q.pipeline = str()
	q.from.Connection, q.from.Stream = str(), str()
	q.to.Connection, q.to.Stream = str(), str()
	n := uv()
	if bad || n > uint64(len(b)) {
		return q, errCorrupt
	}
	q.recs = make([]sdk.Record, n)
	for i := range q.recs {
		r := &q.recs[i]
		r.Stream = q.from.Stream
		r.Key = str()
		r.Op = sdk.Operation(uv())
		t, m := binary.Varint(b)
		if m <= 0 {
			return q, errCorrupt
		}
		b = b[m:]
		if t != 0 {
			r.UpdatedAt = time.Unix(0, t).UTC()
		}
		r.Data = bytes()
		if bad {
			return q, errCorrupt
		}
	}
	if bad || len(b) != 0 {
		return q, errCorrupt
	}
	return q, nil
}
