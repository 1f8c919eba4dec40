package engine

import (
	"context"

	"github.com/cxhub/cxhub/sdk"
)

// Stage is a step of every pipeline between map/filter and write, where
// other parts of the core observe or enrich the records on their way (the
// identity index attaches here). Stages run in order, once per batch, on
// the run's goroutine; a Stage used by several pipelines at once must be
// safe for concurrent use.
//
// A Stage may change the Data of Batch.Out (enrich); it must not keep the
// slices after Process returns, nor change Batch.Source. An error fails the
// batch as a failure of the run of its kind (sdk.KindOf): a retryable one
// restarts the run from its last checkpoint.
type Stage interface {
	Process(ctx context.Context, b *Batch) error
}

// StageFunc adapts a function to a Stage.
type StageFunc func(ctx context.Context, b *Batch) error

// Process calls f.
func (f StageFunc) Process(ctx context.Context, b *Batch) error { return f(ctx, b) }

// Endpoint is one end of a pipeline.
type Endpoint struct {
	Connection string
	Connector  string
	Stream     string
}

// Batch is what a Stage sees of a batch.
type Batch struct {
	Pipeline string
	Source   Source
	From, To Endpoint
	// In are the records as read (or pushed, or replayed), every one of
	// them, filtered or failed ones included.
	In []sdk.Record
	// Out are the mapped records to be written, in order; OutFrom[i] is the
	// index in In of the record Out[i] was mapped from.
	Out     []sdk.Record
	OutFrom []int
}
