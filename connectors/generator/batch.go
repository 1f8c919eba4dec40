package generator

import (
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// batcher builds the batches of one read of one stream. Each batch's
// records share one new buffer for their data and one new string for
// their keys: a handful of allocations per batch, none per record. Emit
// takes ownership of what it is given, so those are never reused; only
// the scratch space for keys is.
type batcher struct {
	t   *tables
	cfg config
	s   stream
	// keys and keyEnds are scratch space: the batch's keys, end to end,
	// and where each ends.
	keys    []byte
	keyEnds []int
}

// build returns records from to to-1 of the stream.
func (b *batcher) build(from, to int64) []sdk.Record {
	n := int(to - from)
	records := make([]sdk.Record, n)
	data := make([]byte, 0, n*b.cfg.RecordSize)
	b.keys, b.keyEnds = b.keys[:0], b.keyEnds[:0]
	for j := range n {
		i := from + int64(j)
		keyStart := len(b.keys)
		b.keys = appendKey(b.keys, b.s.keyPrefix, i)
		b.keyEnds = append(b.keyEnds, len(b.keys))
		start := len(data)
		var updated int64
		data, updated = b.s.appendRecord(b.t, data, b.cfg.Seed, i, b.keys[keyStart:], b.cfg.RecordSize)
		// A record may not fit in data's capacity only below
		// MinRecordSize; append then moves data, and the records before
		// keep the old array, which nothing writes to any more.
		records[j] = sdk.Record{
			Stream:    b.s.name,
			Data:      data[start:len(data):len(data)],
			UpdatedAt: time.Unix(updated, 0).UTC(),
		}
	}
	keys := string(b.keys)
	at := 0
	for j, end := range b.keyEnds {
		records[j].Key = keys[at:end]
		at = end
	}
	return records
}
