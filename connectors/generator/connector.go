package generator

import (
	"context"
	"fmt"

	"github.com/cxhub/cxhub/sdk"
)

// Connector is the generator source. It holds only read-only tables, so
// its methods may be called concurrently.
type Connector struct {
	t *tables
}

var (
	_ sdk.Connector = (*Connector)(nil)
	_ sdk.Source    = (*Connector)(nil)
)

// New returns the generator connector.
func New() *Connector { return &Connector{t: newTables()} }

// Check succeeds for any valid config: there is no system to reach. It
// says what a read will produce.
func (c *Connector) Check(_ context.Context, req sdk.CheckRequest) (sdk.CheckResponse, error) {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return sdk.CheckResponse{}, err
	}
	return sdk.CheckResponse{Message: fmt.Sprintf("%d %s and %d %s of %d bytes each, seed %d",
		cfg.Count, StreamCustomers, cfg.Count, StreamInteractions, cfg.RecordSize, cfg.Seed)}, nil
}

// Read emits the records of each requested stream after its checkpoint,
// in order, in batches of req.BatchSize (sdk.DefaultBatchSize if zero),
// with a checkpoint after each batch. A checkpoint it cannot parse is
// read from the start, with a warning.
func (c *Connector) Read(ctx context.Context, req sdk.ReadRequest, out sdk.Emitter) error {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return err
	}
	size := req.BatchSize
	if size <= 0 {
		size = sdk.DefaultBatchSize
	}
	for _, st := range req.Streams {
		s, ok := streamNamed(st.Stream)
		if !ok {
			return sdk.ConfigError(fmt.Errorf("read stream %q: the generator has only %s and %s",
				st.Stream, StreamCustomers, StreamInteractions))
		}
		next, err := parseState(st.State)
		if err != nil {
			sdk.Logger(ctx).Warn("reading from the start: "+err.Error(), "stream", s.name)
			next = 0
		}
		b := &batcher{t: c.t, cfg: cfg, s: s}
		if err := readStream(ctx, b, next, int64(size), out); err != nil {
			return fmt.Errorf("read stream %q: %w", s.name, err)
		}
	}
	return nil
}

// readStream emits records next to the config's count less one, in
// batches of size, each followed by its checkpoint.
func readStream(ctx context.Context, b *batcher, next, size int64, out sdk.Emitter) error {
	for from := next; from < b.cfg.Count; {
		if err := ctx.Err(); err != nil {
			return err
		}
		to := min(from+size, b.cfg.Count)
		if err := out.Emit(b.build(from, to)...); err != nil {
			return err
		}
		if err := out.Checkpoint(b.s.name, appendState(nil, to)); err != nil {
			return err
		}
		from = to
	}
	return nil
}
