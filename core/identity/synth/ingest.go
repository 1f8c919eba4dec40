package synth

import (
	"context"

	"github.com/cxhub/cxhub/core/identity"
	"github.com/cxhub/cxhub/sdk"
)

// Ingest indexes the first n records of the set as pipelines would: in
// batches of up to batch records of one stream, one transaction each. As
// the background indexer does, the next batch is generated and prepared
// (identity.Index.Prepare) while the store writes the one before.
func (s *Set) Ingest(ctx context.Context, ix *identity.Index, n, batch int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	prepared := make(chan *identity.Batch, 1)
	go func() {
		defer close(prepared)
		type key struct{ conn, stream string }
		batches := map[key][]sdk.Record{}
		send := func(k key) bool {
			b := ix.Prepare(k.conn, k.stream, batches[k], nil)
			batches[k] = nil // the prepared batch keeps the slice
			select {
			case prepared <- b:
				return true
			case <-ctx.Done():
				return false
			}
		}
		for i := range n {
			c, st, r := s.Record(i)
			k := key{c, st}
			batches[k] = append(batches[k], r)
			if len(batches[k]) == batch && !send(k) {
				return
			}
		}
		for k := range batches {
			if len(batches[k]) > 0 && !send(k) {
				return
			}
		}
	}()
	for b := range prepared {
		if _, err := ix.IngestBatches(ctx, b); err != nil {
			return err
		}
	}
	return ctx.Err()
}
