package state

import (
	"context"
	"time"
)

// Store is what the engine and the hub runtime need from a state backend.
// Every implementation passes the acceptance suite in package statetest.
//
// A Store opened for writing is the only writer of its state: the backend
// makes sure of that when it is opened (SQLite: an exclusive lock on the
// file itself, whatever path reached it), and refuses a second writer with
// an error matching ErrLocked. A Store opened read-only never writes; its
// write methods fail.
type Store interface {
	// Location names the state for people: a path, or a database name
	// without its password.
	Location() string
	// Close releases the store and its lock. It is idempotent.
	Close() error

	// Commit records a batch's final outcome — links, dead letters,
	// replayed and discarded dead letters, checkpoints, the inbox cursor
	// and counts — in ONE transaction: all of it or none of it. This is the
	// delivery guarantee.
	Commit(ctx context.Context, c Commit) error

	// Checkpoints returns the pipeline's state tokens by stream.
	Checkpoints(ctx context.Context, pipeline string) (map[string][]byte, error)
	// ListCheckpoints lists the checkpoints of one pipeline ("" for all).
	ListCheckpoints(ctx context.Context, pipeline string) ([]Checkpoint, error)
	// ResetCheckpoints forgets a pipeline's checkpoints, and the
	// fingerprints of its scope (the pipeline's name): the next run reads
	// everything again and writes it again. It returns how many checkpoints
	// it removed.
	ResetCheckpoints(ctx context.Context, pipeline string) (int64, error)

	// StartRun opens a run of pipeline and returns its id; a run of the same
	// pipeline still marked running is marked interrupted (with
	// AbandonedRunError) — on a shared state, only by the pipeline's lease
	// holder, or when no live holder has the lease.
	StartRun(ctx context.Context, pipeline string) (int64, error)
	// FinishRun closes a run with its final status and error text.
	FinishRun(ctx context.Context, runID int64, status RunStatus, errMsg string) error
	// Runs lists runs, newest first.
	Runs(ctx context.Context, f RunFilter) ([]Run, error)
	// Run returns one run; the error wraps ErrNotFound if there is none.
	Run(ctx context.Context, id int64) (Run, error)

	// LookupLinks returns, for each key of the source stream that has one,
	// the id of the object it is in the destination stream. A link works
	// both ways: a key of the destination stream finds the source object.
	LookupLinks(ctx context.Context, srcConnection, srcStream, dstConnection, dstStream string, keys []string) (map[string]string, error)
	// LookupFingerprints returns the fingerprints q names for the given
	// keys: key → fingerprint. Keys without one are absent from the map.
	// Of several links to one destination id (ByDst), the most recently
	// relinked wins.
	LookupFingerprints(ctx context.Context, q FingerprintQuery, keys []string) (map[string][]byte, error)
	// Conflicts lists the conflicts of two-way syncs, newest first.
	Conflicts(ctx context.Context, f ConflictFilter) ([]Conflict, error)
	// CountLinks counts every link.
	CountLinks(ctx context.Context) (int64, error)

	// DeadLetters lists dead letters, oldest first.
	DeadLetters(ctx context.Context, f DeadLetterFilter) ([]DeadLetter, error)
	// SetDeadLetterStatus sets the status of dead letters by id and returns
	// how many changed.
	SetDeadLetterStatus(ctx context.Context, ids []int64, status DeadLetterStatus) (int64, error)
	// CountDeadLetters counts a pipeline's ("" for all) dead letters of a
	// status ("" for any).
	CountDeadLetters(ctx context.Context, pipeline string, status DeadLetterStatus) (int64, error)

	// AppendInbox durably records pushed records (from a verified webhook)
	// before their sender is answered. An entry whose DeliveryID the inbox
	// already holds for its connection is a replay: it is not stored again.
	// It returns how many entries were new.
	AppendInbox(ctx context.Context, entries []InboxEntry) (int, error)
	// ReadInbox returns up to limit entries of a connection's stream with
	// an id above after, in id order.
	ReadInbox(ctx context.Context, connection, stream string, after int64, limit int) ([]InboxEntry, error)
	// InboxCursor returns the id of the last inbox entry the pipeline has
	// committed (0 for none); Commit moves it.
	InboxCursor(ctx context.Context, pipeline string) (int64, error)
	// PruneInbox removes entries received before the given time, and
	// returns how many it removed. The hub calls it only for entries every
	// pipeline has had time to take (see the hub's inbox retention).
	PruneInbox(ctx context.Context, before time.Time) (int64, error)

	// FireAlert raises an alert: if one with the same Key is firing, its
	// message is updated and it is returned with created false; otherwise a
	// new firing alert is stored and returned with created true.
	FireAlert(ctx context.Context, a Alert) (Alert, bool, error)
	// ResolveAlert resolves the firing alert with key, if there is one, and
	// returns it with true; message says why it cleared.
	ResolveAlert(ctx context.Context, key, message string) (Alert, bool, error)
	// MarkAlertNotified records that the receivers were told of status.
	MarkAlertNotified(ctx context.Context, id int64, status AlertStatus) error
	// Alerts lists alerts, newest first.
	Alerts(ctx context.Context, f AlertFilter) ([]Alert, error)

	// SetPaused pauses or resumes a pipeline: a paused pipeline is not run
	// by schedules or pushed records until resumed. It survives restarts.
	SetPaused(ctx context.Context, pipeline string, paused bool) error
	// Paused returns the paused pipelines.
	Paused(ctx context.Context) (map[string]bool, error)

	// Leaser: leases on pipelines, with their fencing tokens, and the
	// heartbeats of the workers sharing the state (see lease.go).
	Leaser
}

// ChangeCounter is an optional capability of a Store that other processes
// may write while it is open (PostgreSQL: several workers, and the CLI
// beside cxhub serve). A SQLite store has no need of it: its writer lock
// refuses a second writer while one is open.
type ChangeCounter interface {
	// ChangeCount returns a value that differs from the one it returned
	// before whenever a transaction that wrote has begun or ended since,
	// in any process; it may also change when nothing of the state did
	// (the caller then looks once for nothing). It is one cheap query,
	// meant to be polled every second or two.
	ChangeCount(ctx context.Context) (string, error)
}
