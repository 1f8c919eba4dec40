package engine

import (
	"time"

	"github.com/cxhub/cxhub/core/state"
)

// EventKind names what happened in a run.
type EventKind string

// The events a Runner reports. Each carries the pipeline and run.
const (
	// EventRunStarted: a run opened (Source says of what: read, pushed, replay).
	EventRunStarted EventKind = "run_started"
	// EventRunFinished: a run ended; Status, Err, Total and Elapsed say how.
	EventRunFinished EventKind = "run_finished"
	// EventBatchCommitted: a batch's outcome (or a checkpoint) is in the
	// state; Counts are the batch's, Total the run's so far.
	EventBatchCommitted EventKind = "batch_committed"
	// EventDeadLettered: a record failed for good; Stream, Key, ErrorKind
	// and Error say which and why.
	EventDeadLettered EventKind = "dead_lettered"
	// EventRetry: Records records are written again after Wait.
	EventRetry EventKind = "retry"
	// EventRateLimitWait: the destination asked to wait (Wait) before the
	// next try.
	EventRateLimitWait EventKind = "rate_limit_wait"
	// EventPluginRestart: the run's connectors are restarted from the last
	// checkpoint after Err, in Wait.
	EventPluginRestart EventKind = "plugin_restart"
	// EventPluginHang: the run's connectors made no progress for longer than
	// the hang timeout; they are stopped and restarted (Err says how long).
	EventPluginHang EventKind = "plugin_hang"
	// EventPluginWaiting: a connector said it waits on purpose (a vendor's
	// Retry-After, a rate limit's pacing, a retry's backoff, a slow vendor
	// job): Plugin says which ("source" or "destination"), Reason why, Wait
	// for how long. At most about one a second per plugin.
	EventPluginWaiting EventKind = "plugin_waiting"
)

// Source says where a run's records come from.
type Source string

const (
	// SourceRead: read from the source connector (Sync).
	SourceRead Source = "read"
	// SourcePushed: from the inbox of pushed records (DeliverPushed).
	SourcePushed Source = "pushed"
	// SourceReplay: dead letters sent again (Replay).
	SourceReplay Source = "replay"
)

// Event is one thing that happened in a run. Fields that do not apply to
// its Kind are zero.
type Event struct {
	Kind     EventKind
	Time     time.Time
	Pipeline string
	RunID    int64
	Source   Source

	Counts  state.Counts  // batch_committed: this batch's counts
	Total   state.Counts  // the run's totals so far (batch_committed, run_finished)
	Elapsed time.Duration // since the run started

	Status state.RunStatus // run_finished
	Err    error           // run_finished, plugin_restart: why

	Wait    time.Duration // retry, rate_limit_wait, plugin_restart, plugin_waiting
	Records int           // retry: how many records are tried again

	Stream, Key, ErrorKind, Error string // dead_lettered

	Plugin, Reason string // plugin_waiting: "source" or "destination", and why it waits
}
