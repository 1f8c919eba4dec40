package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/cxhub/cxhub/core/identity"
	"time"

	"github.com/cxhub/cxhub/core/state"
)

// Backend is what the dashboard reads and does. Every method may be
// called from many requests at once. Text it returns (errors, configs,
// payloads) must already be redacted of secrets.
type Backend interface {
	// Authenticate finds a token among the server's: the token's name and
	// role (config.RoleViewer or config.RoleOperator), or false.
	Authenticate(token string) (name, role string, ok bool)

	// Pipelines lists every pipeline of the config in force, in file order.
	Pipelines(ctx context.Context) ([]Pipeline, error)
	// Runs lists a pipeline's runs, newest first, at most limit.
	Runs(ctx context.Context, pipeline string, limit int) ([]state.Run, error)
	// PipelineKnown reports whether a pipeline exists, as the API's
	// ?pipeline= filters have it: the config in force has it, or the state
	// holds runs or dead letters of it (a pipeline removed from the config
	// keeps its history). The dashboard asks it of a name that is not among
	// Pipelines before answering 404.
	PipelineKnown(ctx context.Context, pipeline string) (bool, error)
	// PipelineConfig is a pipeline's settings and its connections' configs
	// as indented JSON, secrets redacted; ErrNotFound for no such pipeline.
	PipelineConfig(ctx context.Context, pipeline string) (string, error)
	// DeadLetters lists dead letters, oldest first, as the state does: the
	// filter (Kind and AfterID included) applies before the Limit, which
	// keeps the oldest that many of those that match.
	DeadLetters(ctx context.Context, f DeadLetterFilter) ([]DeadLetter, error)
	// CountDeadLetters counts a pipeline's ("" for every pipeline) dead
	// letters of a status ("" for any).
	CountDeadLetters(ctx context.Context, pipeline string, status state.DeadLetterStatus) (int64, error)
	// Alerts lists alerts, firing and resolved, newest first.
	Alerts(ctx context.Context, status state.AlertStatus, limit int) ([]state.Alert, error)
	// Connections is every connection's health as JSON: the monitor's
	// view when there is one, else the plain list of connections.
	Connections(ctx context.Context) (json.RawMessage, error)

	// Trigger asks for a sync of a pipeline now (after any run in flight).
	Trigger(ctx context.Context, pipeline string) error
	// SetPaused pauses or resumes a pipeline.
	SetPaused(ctx context.Context, pipeline string, paused bool) error
	// CheckDeadLetters returns the ids, of those given, that a replay
	// through pipeline (a discard, with pipeline "") cannot take, each with
	// why: no dead letter has the id, it is no longer pending, or it is
	// another pipeline's. None when every id can be taken. The dashboard
	// calls it before Replay and Discard, and does nothing if any is
	// refused: the same checks as the API's.
	CheckDeadLetters(ctx context.Context, pipeline string, ids []int64) ([]RefusedDeadLetter, error)
	// Replay replays dead letters of one pipeline and returns when done.
	Replay(ctx context.Context, pipeline string, ids []int64) (ReplayResult, error)
	// Discard marks dead letters discarded and returns how many were.
	Discard(ctx context.Context, ids []int64) (int64, error)
}

// RefusedDeadLetter is a dead letter id an action cannot take.
type RefusedDeadLetter struct {
	ID int64
	// Why says why, for a person: "7: already replayed, no longer pending".
	Why string
}

// Customers is the customer 360 (core/identity through the hub): a
// Backend that also implements it gets the Customers pages — search, and
// one customer's profile with every system's ids and the cross-system
// timeline, and why its records are one customer. Errors wrapping
// identity.ErrNotFound answer 404.
type Customers interface {
	CustomerSearch(ctx context.Context, text string, limit int) ([]identity.Summary, error)
	Customer(ctx context.Context, query string) (identity.Profile, error)
	// CustomerExplain says which records make the customer a query names,
	// joined on what, through which rule.
	CustomerExplain(ctx context.Context, query string) (identity.Explanation, error)
}

// Errors a Backend returns for the dashboard to answer with the right status.
var (
	ErrNotFound = errors.New("not found")   // 404
	ErrConflict = errors.New("not allowed") // 409: e.g. a trigger of a paused pipeline
)

// Pipeline is one pipeline as the overview shows it.
type Pipeline struct {
	Name        string
	From, To    string // connection.stream
	Schedule    string // as written; "" when it runs only on demand or webhook
	Paused      bool
	Running     string // sync, pushed, job; "" when idle
	Worker      string // the worker holding the pipeline's lease; "" if none
	NextRun     time.Time
	LastRun     *state.Run
	LastSuccess time.Time
	Checkpoint  time.Time // when its newest checkpoint was stored
	DeadLetters int64     // pending
}

// DeadLetterFilter selects dead letters; zero values select everything.
type DeadLetterFilter struct {
	Pipeline string
	Kind     string                 // error kind, e.g. bad_record
	Status   state.DeadLetterStatus // "" for every status
	IDs      []int64
	AfterID  int64 // only those with a larger id: the cursor of the next page
	Limit    int
}

// DeadLetter is a record that could not be written, with its reason.
type DeadLetter struct {
	ID          int64
	Pipeline    string
	RunID       int64
	Stream, Key string
	Op          string
	Status      state.DeadLetterStatus
	ErrorKind   string
	Error       string
	Attempts    int
	CreatedAt   time.Time
	LastTriedAt time.Time
	Payload     string
}

// ReplayResult is the outcome of a replay.
type ReplayResult struct {
	Pipeline string
	RunID    int64
	Status   state.RunStatus
	Counts   state.Counts
	Error    string
}
