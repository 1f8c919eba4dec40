package sqlite

import "github.com/cxhub/cxhub/core/state"

// The record types are the state package's; these names keep this
// backend's code and tests short.
type (
	Checkpoint       = state.Checkpoint
	Commit           = state.Commit
	Counts           = state.Counts
	DeadLetter       = state.DeadLetter
	DeadLetterFilter = state.DeadLetterFilter
	DeadLetterStatus = state.DeadLetterStatus
	InboxEntry       = state.InboxEntry
	Link             = state.Link
	Run              = state.Run
	RunFilter        = state.RunFilter
	RunStatus        = state.RunStatus
	Alert            = state.Alert
	AlertFilter      = state.AlertFilter
	AlertStatus      = state.AlertStatus
	Conflict         = state.Conflict
	ConflictFilter   = state.ConflictFilter
	FingerprintQuery = state.FingerprintQuery
)

const (
	DeadLetterPending   = state.DeadLetterPending
	DeadLetterReplayed  = state.DeadLetterReplayed
	DeadLetterDiscarded = state.DeadLetterDiscarded
	RunRunning          = state.RunRunning
	RunSucceeded        = state.RunSucceeded
	RunFailed           = state.RunFailed
	RunInterrupted      = state.RunInterrupted
)

var (
	ErrNotFound         = state.ErrNotFound
	ErrNotStateDatabase = state.ErrNotStateDatabase
	ErrNewerSchema      = state.ErrNewerSchema
)

var _ state.Store = (*Store)(nil)
