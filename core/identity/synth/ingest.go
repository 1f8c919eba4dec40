package synth

import (
	"context"

	"github.com/cxhub/cxhub/core/identity"
	"github.com/cxhub/cxhub/sdk"
)

// Ingest indexes the first n records of the set as pipelines would: in
// batches of up to batch records of one stream.
func (s *Set) Ingest(ctx context.Context, ix *identity.Index, n, batch int) error {
	type key struct{ conn, stream string }
	batches := map[key][]sdk.Record{}
	flush := func(k key) error {
		_, err := ix.Ingest(ctx, k.conn, k.stream, batches[k], nil)
		batches[k] = batches[k][:0]
		return err
	}
	for i := range n {
		c, st, r := s.Record(i)
		k := key{c, st}
		batches[k] = append(batches[k], r)
		if len(batches[k]) == batch {
			if err := flush(k); err != nil {
				return err
			}
		}
	}
	for k := range batches {
		if err := flush(k); err != nil {
			return err
		}
	}
	return nil
}
