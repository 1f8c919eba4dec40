package sdktest

import (
	"context"

	"github.com/cxhub/cxhub/sdk"
)

// SourceDriver seeds and changes the system a source reads, so that the
// suite knows what each read must return.
type SourceDriver interface {
	// Seed makes stream hold n records (replacing what the test put there
	// before if it can) and returns the keys (sdk.Record.Key) a full read
	// must return — all of them, each once.
	Seed(ctx context.Context, stream string, n int) ([]string, error)
	// Change modifies the records with the given keys and adds `add` new
	// ones, and returns the keys an incremental read from the checkpoint
	// taken before must now return — exactly those, each once. An
	// append-only system may ignore `keys` (return only the added ones).
	// The suite fails if add > 0 and nothing is returned.
	Change(ctx context.Context, stream string, keys []string, add int) ([]string, error)
}

// DestinationDriver makes the records a destination is given and counts
// what it holds afterwards.
type DestinationDriver interface {
	// Records returns n valid records of stream as the core would hand them
	// to the writer (already mapped), with distinct keys, and deterministic
	// for a given (stream, n, salt): calling twice with the same salt gives
	// the same records, and another salt gives changed content for the same
	// keys. It returns nil for a stream the driver does not write: that
	// stream's write checks are then skipped.
	Records(stream string, n int, salt int) []sdk.Record
	// Count returns, for each record, how many objects the destination
	// holds for it (by its natural key: email, external id...): 1 each
	// after any number of identical writes.
	Count(ctx context.Context, stream string, records []sdk.Record) ([]int, error)
}

// Configurer is an optional driver interface for connectors whose data
// lives in their config: the suite calls Config before every connector
// call and uses it instead of Suite.Config.
type Configurer interface {
	Config() sdk.Config
}

// BadRecorder is an optional driver interface: BadRecord returns a record
// of stream that the destination must refuse with KindBadRecord, or false
// if the stream has none.
type BadRecorder interface {
	BadRecord(stream string) (sdk.Record, bool)
}

// Faulter is an optional driver interface for systems that can be made to
// fail on purpose (a sandbox), used to check how the connector classifies
// errors: in Check, in a read (of the first stream read) and in a batch
// written (to the first stream written), 401 must give KindAuth, 429
// KindRateLimited and 503 KindTransient. The suite fails the next 50
// requests, more than a retry policy usually makes, so that the call gives
// up: a call that retries takes its retries' time, and must still return
// within Suite.Timeout. Give a connector whose retries are long (many of
// them, long backoff, long Retry-After waits) a test config or options
// with few retries and short waits. The suite clears the faults after each
// status.
type Faulter interface {
	// FailNext makes the system answer the next n requests with this HTTP
	// status (vendor body and headers, e.g. Retry-After for 429);
	// FailNext(0, 0) clears.
	FailNext(ctx context.Context, status int, n int) error
}
