package sdk

import (
	"context"
	"errors"
	"net/http"
)

// Connector is what every connector implements. A connector must also be a
// Source, a Destination, or both; Serve refuses one that is neither.
//
// The methods may be called concurrently, from different requests: keep
// per-request state in the request's scope, not in the connector value.
type Connector interface {
	// Spec describes the connector. It is called without configuration and
	// must not fail.
	Spec() Spec
	// Check answers whether the system can be reached and used with this
	// configuration: an AuthError for refused credentials, a ConfigError
	// for a missing or wrong setting, a Transient error for an unreachable
	// host.
	Check(ctx context.Context, req CheckRequest) (CheckResponse, error)
}

// CheckRequest carries the configuration to check.
type CheckRequest struct {
	Config Config
}

// CheckResponse may say what was reached ("portal 62515 as ops@example.com").
type CheckResponse struct {
	Message string
}

// Discoverer is optional: a connector whose streams depend on its
// configuration (a directory's files, a survey's questions) implements it.
// Without it, Discover returns the streams of the Spec.
type Discoverer interface {
	Discover(ctx context.Context, req DiscoverRequest) (DiscoverResponse, error)
}

// DiscoverRequest carries the configuration to discover with.
type DiscoverRequest struct {
	Config Config
}

// DiscoverResponse lists the streams found.
type DiscoverResponse struct {
	Streams []StreamSpec
}

// Source reads records from a system.
//
// Read is called once per sync with the streams to read and, for each, the
// state of its last checkpoint (nil: read everything). It sends records with
// out.Emit and, whenever every record emitted so far for a stream is covered,
// a checkpoint with out.Checkpoint: a later Read given that state must return
// every record changed after it, and may return some again (the core
// tolerates repeats, never gaps). The core persists a checkpoint only after
// every record emitted before it has been written or dead-lettered.
//
// Read returns nil when it has sent everything there is now. It returns
// promptly with the context's error when ctx is cancelled. An error ends the
// read; its kind says whether the core retries it (from the last persisted
// checkpoint).
type Source interface {
	Read(ctx context.Context, req ReadRequest, out Emitter) error
}

// ReadRequest says what to read.
type ReadRequest struct {
	Config  Config
	Streams []StreamState
	// BatchSize is how many records the core would like per batch; Emit
	// groups records into batches of about this size, so a connector may
	// emit one record at a time or a whole page.
	BatchSize int
}

// StreamState is a stream to read and where to start.
type StreamState struct {
	Stream string
	// State is the last persisted checkpoint of the stream; nil means from the start.
	State []byte
}

// Emitter is where a Source sends its output. It is not safe for
// concurrent use.
type Emitter interface {
	// Emit queues records for the core. It batches them and blocks while
	// the core is behind (backpressure). It fails when the read is cancelled.
	// Emit takes ownership of the records slice and of their Data: do not
	// modify or reuse them afterwards (copy a scanner's buffer before
	// emitting it).
	Emit(records ...Record) error
	// Checkpoint records that every record emitted so far for stream is
	// covered by state. It flushes the records before it.
	Checkpoint(stream string, state []byte) error
}

// Destination writes records to a system.
//
// OpenWriter is called once per sync and stream; the Writer it returns
// receives batches in order until Close. A Writer holds what a write
// session needs (an HTTP client, a rate limiter, a file handle).
type Destination interface {
	OpenWriter(ctx context.Context, req OpenWriterRequest) (Writer, error)
}

// OpenWriterRequest says where to write.
type OpenWriterRequest struct {
	Config Config
	Stream string
}

// Writer writes batches of one stream.
//
// Write must be idempotent per record: writing the same record twice (after
// a crash, a retry or a replay) leaves one object in the destination. Upsert
// by a stable key, or update Record.TargetID when it is set.
//
// Write returns exactly one Result per record, in order. A failed record
// carries an error with its kind (BadRecord, Transient...). An error returned
// by Write itself means the whole batch failed: the core retries it if its
// kind allows, so nothing of the batch may be half-acknowledged.
type Writer interface {
	// Write writes a batch. The records (and their Data) belong to the
	// caller again once Write returns: copy what you keep. (Over the
	// protocol a connector always gets its own copy; the core reuses its
	// buffers from batch to batch.)
	Write(ctx context.Context, req WriteRequest) (WriteResponse, error)
	// Close flushes and releases what the writer holds.
	Close(ctx context.Context) error
}

// WriteRequest is one batch of records of the writer's stream.
type WriteRequest struct {
	Records []Record
}

// WriteResponse has one result per record of the request, in order.
type WriteResponse struct {
	Results []Result
}

// Result is the outcome of writing one record.
type Result struct {
	// ID is the record's id in the destination, if written.
	ID string
	// Created is true if the write made a new object.
	Created bool
	// Err is set if the record was not written.
	Err error
}

// Written is the result of a record written under id.
func Written(id string, created bool) Result { return Result{ID: id, Created: created} }

// Failed is the result of a record that was not written. A nil err (say a
// kind constructor given a nil error) still fails the record, as
// errFailedWithoutReason: the record must not pass for written.
func Failed(err error) Result {
	if err == nil {
		err = errFailedWithoutReason
	}
	return Result{Err: err}
}

// errFailedWithoutReason is the error of a record Failed with a nil error.
var errFailedWithoutReason = errors.New("connector bug: the record was failed without an error (sdk.Failed(nil))")

// WebhookHandler is optional: a connector that can receive webhooks
// implements it. HandleWebhook verifies the delivery (signature, timestamp)
// and returns the records it carries. A delivery that fails verification
// returns an AuthError; one that cannot be parsed, a BadRecord error.
type WebhookHandler interface {
	HandleWebhook(ctx context.Context, req WebhookRequest) (WebhookResponse, error)
}

// WebhookRequest is a raw webhook delivery.
type WebhookRequest struct {
	Config Config
	Method string
	// URL is the request URI as the vendor called it (path and query).
	URL    string
	Header http.Header
	Body   []byte
}

// WebhookResponse is what the delivery carried and what to answer the vendor.
type WebhookResponse struct {
	Records []Record
	// StatusCode to answer with; zero means 200.
	StatusCode int
	Body       []byte
}
