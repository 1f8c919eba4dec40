package state

import (
	"errors"
	"fmt"
	"time"
)

// ErrNotFound is wrapped by errors about a run or dead letter that does not exist.
var ErrNotFound = errors.New("not found")

// ErrNotStateDatabase is matched (errors.Is) by the error Open returns for a
// file that is not a cxhub state database: not SQLite at all, or another
// program's SQLite database. Such a file is never written to.
var ErrNotStateDatabase = errors.New("not a cxhub state database")

// ErrNewerSchema is matched (errors.Is) by the error Open returns for a state
// file whose schema is newer than this cxhub knows. Such a file is never
// written to.
var ErrNewerSchema = errors.New("state file written by a newer cxhub")

// ErrLocked is matched (errors.Is) by the error a backend's Open returns
// when another process holds the state's writer lock; the message names
// the holder and says what to do instead.
var ErrLocked = errors.New("state is locked by another cxhub process")

// Checkpoint is the state token a source emitted for one stream of a
// pipeline: where the next run resumes.
type Checkpoint struct {
	Pipeline  string
	Stream    string
	State     []byte    // opaque to the core
	UpdatedAt time.Time // set by the store
}

// Commit is the final outcome of a batch: everything Store.Commit writes in
// one transaction.
type Commit struct {
	// RunID is the run the batch belongs to: Counts are added to it and new
	// dead letters without a RunID point at it. 0 means no run; Counts must
	// then be zero.
	RunID int64
	// Pipeline is the batch's pipeline. It fills in the Pipeline of
	// dead letters and checkpoints that leave it empty; if set, the run must
	// be of this pipeline.
	Pipeline string
	// Links are upserted: a new DstID for the same source record and
	// destination stream replaces the old one.
	Links []Link
	// Conflicts are inserted: fields of a two-way sync both sides changed.
	Conflicts []Conflict
	// Chosen are parked conflicts a person settled: their Winner is set.
	// A conflict that is not parked (already settled, or unknown) fails
	// the commit with ErrNotFound.
	Chosen []ConflictChoice
	// DeadLetters with ID 0 are inserted as pending. Those with an ID are a
	// replay that failed again: their ErrorKind, Error and LastTriedAt are
	// updated, Attempts becomes max(stored+1, Attempts) (pass the new total,
	// or the value as read and the store counts this try), and they stay
	// pending. Their other fields are not changed.
	DeadLetters []DeadLetter
	// Replayed are dead letters a replay wrote successfully: their status
	// becomes replayed (and the replay counts as an attempt).
	Replayed []int64
	// Discarded are dead letters a replay resolved without writing them:
	// the pipeline's filter now drops them. Their status becomes discarded.
	Discarded []int64
	// Checkpoints are upserted; the store sets UpdatedAt.
	Checkpoints []Checkpoint
	// Counts are added to the run's counters.
	Counts Counts
	// InboxCursor, when above 0, is the id of the last inbox entry this
	// batch took to its outcome: the pipeline's inbox cursor moves to it.
	// It needs Pipeline.
	InboxCursor int64
}

// Validate reports what makes c unfit to commit, before any backend writes it.
func (c *Commit) Validate() error {
	if c.RunID < 0 {
		return fmt.Errorf("invalid run id %d", c.RunID)
	}
	if c.RunID == 0 && !c.Counts.IsZero() {
		return errors.New("counts given without a run")
	}
	for _, l := range c.Links {
		if err := l.Validate(); err != nil {
			return err
		}
	}
	for _, cf := range c.Conflicts {
		if err := cf.Validate(); err != nil {
			return err
		}
	}
	for _, ch := range c.Chosen {
		if ch.ID <= 0 || (ch.Winner != "a" && ch.Winner != "b") {
			return fmt.Errorf("conflict %d: choice %q is neither a nor b", ch.ID, ch.Winner)
		}
	}
	for _, d := range c.DeadLetters {
		if err := d.Validate(); err != nil {
			return err
		}
		if d.ID == 0 && d.Pipeline == "" && c.Pipeline == "" {
			return fmt.Errorf("dead letter %s/%q: no pipeline given", d.Stream, d.Key)
		}
	}
	if c.InboxCursor < 0 || (c.InboxCursor > 0 && c.Pipeline == "") {
		return fmt.Errorf("inbox cursor %d: needs a pipeline and cannot be negative", c.InboxCursor)
	}
	for _, cp := range c.Checkpoints {
		if cp.Stream == "" || (cp.Pipeline == "" && c.Pipeline == "") {
			return fmt.Errorf("checkpoint %s/%s: pipeline and stream are required", cp.Pipeline, cp.Stream)
		}
	}
	return nil
}

// DeadLetterStatus is where a dead letter is in its life.
type DeadLetterStatus string

const (
	// DeadLetterPending waits for a replay (or a discard).
	DeadLetterPending DeadLetterStatus = "pending"
	// DeadLetterReplayed was written successfully by a replay.
	DeadLetterReplayed DeadLetterStatus = "replayed"
	// DeadLetterDiscarded was given up on by an operator.
	DeadLetterDiscarded DeadLetterStatus = "discarded"
)

// Valid reports whether s is one of the DeadLetterStatus constants.
func (s DeadLetterStatus) Valid() bool {
	switch s {
	case DeadLetterPending, DeadLetterReplayed, DeadLetterDiscarded:
		return true
	}
	return false
}

// DeadLetter is a record that failed permanently, kept for replay.
type DeadLetter struct {
	ID       int64 // 0 for a new one
	Pipeline string
	RunID    int64 // the run that dead-lettered it; 0 if unknown
	Stream   string
	Key      string
	Op       string // "upsert" or "delete"
	// Data is the SOURCE record's payload, as read, so that a replay maps it
	// again with the pipeline's current configuration.
	Data      []byte
	UpdatedAt time.Time // the source record's updated_at; zero if unknown
	ErrorKind string    // the error's kind, as named by the sdk (bad_record, ...)
	Error     string
	// SourceProblem is true when the source itself could not read the
	// record (Data is the raw input): no config change mends it, only a
	// fix at the source.
	SourceProblem bool
	// Attempts is how many times the record was tried, in total across
	// replays. See Commit for how it grows.
	Attempts    int
	Status      DeadLetterStatus
	CreatedAt   time.Time // set by the store
	LastTriedAt time.Time // set by the store if zero
}

// Validate reports what makes d unfit to store.
func (d DeadLetter) Validate() error {
	if d.ID < 0 {
		return fmt.Errorf("dead letter: invalid id %d", d.ID)
	}
	if d.ID != 0 {
		return nil // a failed replay: only the error and the attempts change
	}
	if d.Stream == "" || d.Key == "" {
		return fmt.Errorf("dead letter %s/%q: stream and key are required", d.Stream, d.Key)
	}
	if d.Op != "upsert" && d.Op != "delete" {
		return fmt.Errorf("dead letter %s/%q: op %q is neither upsert nor delete", d.Stream, d.Key, d.Op)
	}
	return nil
}

// DeadLetterFilter selects dead letters. Zero values select any: an empty
// Pipeline any pipeline, an empty Status any status, an empty Kind any
// error kind, no IDs any id, a zero AfterID from the first, a zero Limit
// all of them.
//
// Dead letters are listed oldest first (by id), so a page of Limit is
// followed by the page with AfterID the id of its last dead letter; the
// filters apply before the limit, so a page holds Limit matching dead
// letters while there are that many.
type DeadLetterFilter struct {
	Pipeline string
	Status   DeadLetterStatus
	Kind     string // the error kind (DeadLetter.ErrorKind), e.g. bad_record
	IDs      []int64
	AfterID  int64 // only dead letters with a larger id: the cursor of the next page
	Limit    int
}

// Validate says what is wrong with a filter the stores cannot run.
func (f DeadLetterFilter) Validate() error {
	if f.Status != "" && !f.Status.Valid() {
		return fmt.Errorf("invalid status %q: expected pending, replayed or discarded", f.Status)
	}
	if f.AfterID < 0 {
		return fmt.Errorf("invalid cursor: after id %d, expected a dead letter id (0 for the first page)", f.AfterID)
	}
	if f.Limit < 0 {
		return fmt.Errorf("invalid limit %d: expected 0 (all) or more", f.Limit)
	}
	return nil
}

// Link says that a record of a source system is an object of a destination
// system: (SrcConnection, SrcStream, SrcKey) ↔ (DstConnection, DstStream,
// DstID). There is at most one DstID per source record and destination
// stream; a new one replaces the old.
//
// A link also carries the fingerprint of what was last synced between its
// two objects (see docs/two-way.md), written by the same statement as the
// link: a Fingerprint (not nil) replaces the link's, for its Scope (a
// pipeline, or a two-way sync). A link given without one keeps the stored
// one, unless its DstID changes: a new object has no fingerprint yet.
type Link struct {
	SrcConnection string
	SrcStream     string
	SrcKey        string
	DstConnection string
	DstStream     string
	DstID         string
	Scope         string // the fingerprint's; "" without one
	Fingerprint   []byte // opaque to the store: the engine's per-field hashes
}

// Validate reports a link with a missing field.
func (l Link) Validate() error {
	if l.SrcConnection == "" || l.SrcStream == "" || l.SrcKey == "" ||
		l.DstConnection == "" || l.DstStream == "" || l.DstID == "" {
		return fmt.Errorf("link %s/%s/%q → %s/%s/%q: every field is required",
			l.SrcConnection, l.SrcStream, l.SrcKey, l.DstConnection, l.DstStream, l.DstID)
	}
	if (l.Scope == "") != (l.Fingerprint == nil) {
		return fmt.Errorf("link %s/%s/%q → %s/%s/%q: a fingerprint needs a scope, and a scope a fingerprint",
			l.SrcConnection, l.SrcStream, l.SrcKey, l.DstConnection, l.DstStream, l.DstID)
	}
	return nil
}

// Counts are a run's counters. Commit adds a batch's counts to its run.
type Counts struct {
	Read         int64 `json:"read"`          // records read from the source
	Filtered     int64 `json:"filtered"`      // records dropped by the pipeline's filter
	Written      int64 `json:"written"`       // records the destination accepted (Created + Updated)
	Created      int64 `json:"created"`       // of Written, objects created
	Updated      int64 `json:"updated"`       // of Written, objects updated or deleted
	DeadLettered int64 `json:"dead_lettered"` // records that failed permanently
	Retries      int64 `json:"retries"`       // retried calls (transient, rate-limited)
	Restarts     int64 `json:"restarts"`      // plugin processes restarted
	Unchanged    int64 `json:"unchanged"`     // records not written: the destination already holds their content from us
	Echo         int64 `json:"echo"`          // records not written: the echo of our own write to their source
}

// Add adds d to c, counter by counter.
func (c *Counts) Add(d Counts) {
	c.Read += d.Read
	c.Filtered += d.Filtered
	c.Written += d.Written
	c.Created += d.Created
	c.Updated += d.Updated
	c.DeadLettered += d.DeadLettered
	c.Retries += d.Retries
	c.Restarts += d.Restarts
	c.Unchanged += d.Unchanged
	c.Echo += d.Echo
}

// IsZero reports whether every counter is zero.
func (c Counts) IsZero() bool { return c == Counts{} }

// RunStatus is where a run is in its life.
type RunStatus string

const (
	// RunRunning is a run in progress (or one whose process died: the next
	// StartRun of its pipeline marks it RunInterrupted).
	RunRunning RunStatus = "running"
	// RunSucceeded is a run that read its source to the end.
	RunSucceeded RunStatus = "succeeded"
	// RunFailed is a run that stopped on an error.
	RunFailed RunStatus = "failed"
	// RunInterrupted is a run that did not finish: cancelled, or its
	// process died.
	RunInterrupted RunStatus = "interrupted"
)

// AbandonedRunError is the error the store records on a run found still
// RunRunning by the next StartRun of its pipeline, which marks it
// RunInterrupted with the new run's start as its end: its process died
// (or, on a shared state, lost the pipeline's lease) without finishing it.
const AbandonedRunError = "the cxhub process ended while the run was in progress"

// Valid reports whether s is one of the RunStatus constants.
func (s RunStatus) Valid() bool {
	switch s {
	case RunRunning, RunSucceeded, RunFailed, RunInterrupted:
		return true
	}
	return false
}

// Run is one run of a pipeline.
type Run struct {
	ID         int64     `json:"id"`
	Pipeline   string    `json:"pipeline"`
	Status     RunStatus `json:"status"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"` // zero while running
	Counts     Counts    `json:"counts"`
	Error      string    `json:"error,omitempty"` // why it failed or was interrupted; empty otherwise
}

// RunFilter selects runs. Zero values select all pipelines and 50 runs.
type RunFilter struct {
	Pipeline string
	Limit    int
}
