package sdktest

import (
	"bytes"
	"context"

	"github.com/cxhub/cxhub/sdk"
)

// Collector is an sdk.Emitter that keeps what a read sends: the records,
// and each checkpoint with the number of records emitted before it. It is
// what the suite reads into, and connector unit tests can use it as well.
// The zero value is ready to use.
type Collector struct {
	Records     []sdk.Record
	Checkpoints []Checkpoint
}

// Checkpoint is one checkpoint a read sent.
type Checkpoint struct {
	Stream string
	State  []byte
	// After is how many records (of every stream) were emitted before it.
	After int
}

var _ sdk.Emitter = (*Collector)(nil)

// Emit keeps the records. It never fails.
func (c *Collector) Emit(records ...sdk.Record) error {
	c.Records = append(c.Records, records...)
	return nil
}

// Checkpoint keeps a copy of the state, with the count of records before it.
func (c *Collector) Checkpoint(stream string, state []byte) error {
	c.Checkpoints = append(c.Checkpoints, Checkpoint{Stream: stream, State: bytes.Clone(state), After: len(c.Records)})
	return nil
}

// Keys returns the keys of the records of stream, in the order they came.
func (c *Collector) Keys(stream string) []string {
	var keys []string
	for _, r := range c.Records {
		if r.Stream == stream {
			keys = append(keys, r.Key)
		}
	}
	return keys
}

// Last returns the state of the last checkpoint of stream, or nil if it
// had none.
func (c *Collector) Last(stream string) []byte {
	for i := len(c.Checkpoints) - 1; i >= 0; i-- {
		if c.Checkpoints[i].Stream == stream {
			return c.Checkpoints[i].State
		}
	}
	return nil
}

// ReadAll runs one read of src into a new Collector. The collector is
// returned with what came before an error, too.
func ReadAll(ctx context.Context, src sdk.Source, req sdk.ReadRequest) (*Collector, error) {
	c := &Collector{}
	err := src.Read(ctx, req, c)
	return c, err
}
