package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

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

// interruptedError is the error recorded on a run found still "running" by
// the next StartRun of its pipeline.
const interruptedError = "the cxhub process ended while the run was in progress"

// StartRun opens a run of pipeline and returns its id. Any run of the same
// pipeline still "running" belongs to a process that died (a pipeline runs
// once at a time): it is marked "interrupted" first, in the same transaction.
func (s *Store) StartRun(ctx context.Context, pipeline string) (int64, error) {
	if pipeline == "" {
		return 0, errors.New("state: start run: no pipeline given")
	}
	var id int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		now := nowMS()
		if _, err := tx.ExecContext(ctx,
			`UPDATE runs SET status = 'interrupted', finished_at = ?, error = ? WHERE pipeline = ? AND status = 'running'`,
			now, interruptedError, pipeline); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx,
			`INSERT INTO runs (pipeline, status, started_at) VALUES (?, 'running', ?) RETURNING id`,
			pipeline, now).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("state: start run of %s: %w", pipeline, err)
	}
	return id, nil
}

// InterruptRunning marks every run still "running" as interrupted and
// returns how many there were. Call it only while holding the state file's
// lock: then no process is running them, and they are left over from one
// that was killed.
func (s *Store) InterruptRunning(ctx context.Context) (int64, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`UPDATE runs SET status = 'interrupted', finished_at = ?, error = ? WHERE status = 'running'`,
			nowMS(), interruptedError)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("state: mark left-over runs interrupted: %w", err)
	}
	return n, nil
}

// FinishRun closes a running run with its final status (not RunRunning) and,
// for a failure, its error. Finishing a run that is not running (finished,
// or marked interrupted by a later StartRun) is an error.
//
// The write needs a live context: to record a run ended by cancellation,
// pass context.WithoutCancel(ctx) rather than the cancelled ctx.
func (s *Store) FinishRun(ctx context.Context, runID int64, status RunStatus, errMsg string) error {
	if !status.Valid() || status == RunRunning {
		return fmt.Errorf("state: finish run %d: invalid final status %q", runID, status)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		var cur RunStatus
		err := tx.QueryRowContext(ctx, `SELECT status FROM runs WHERE id = ?`, runID).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if cur != RunRunning {
			return fmt.Errorf("run is already %s", cur)
		}
		_, err = tx.ExecContext(ctx, `UPDATE runs SET status = ?, finished_at = ?, error = ? WHERE id = ?`,
			string(status), nowMS(), errMsg, runID)
		return err
	})
	if err != nil {
		return fmt.Errorf("state: finish run %d: %w", runID, err)
	}
	return nil
}

const runColumns = `id, pipeline, status, started_at, finished_at, error,
	n_read, n_filtered, n_written, n_created, n_updated, n_dead_lettered, n_retries, n_restarts`

func scanRun(sc interface{ Scan(...any) error }) (Run, error) {
	var (
		r        Run
		started  int64
		finished sql.NullInt64
	)
	err := sc.Scan(&r.ID, &r.Pipeline, &r.Status, &started, &finished, &r.Error,
		&r.Counts.Read, &r.Counts.Filtered, &r.Counts.Written, &r.Counts.Created, &r.Counts.Updated,
		&r.Counts.DeadLettered, &r.Counts.Retries, &r.Counts.Restarts)
	if err != nil {
		return Run{}, err
	}
	r.StartedAt = fromMS(started)
	if finished.Valid {
		r.FinishedAt = fromMS(finished.Int64)
	}
	return r, nil
}

// Runs lists runs, newest first.
func (s *Store) Runs(ctx context.Context, f RunFilter) ([]Run, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	var (
		rows *sql.Rows
		err  error
	)
	if f.Pipeline == "" {
		rows, err = s.r.QueryContext(ctx, `SELECT `+runColumns+` FROM runs ORDER BY id DESC LIMIT ?`, limit)
	} else {
		rows, err = s.r.QueryContext(ctx, `SELECT `+runColumns+` FROM runs WHERE pipeline = ? ORDER BY id DESC LIMIT ?`,
			f.Pipeline, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("state: list runs: %w", err)
	}
	defer rows.Close()
	var runs []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("state: list runs: %w", err)
		}
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: list runs: %w", err)
	}
	return runs, nil
}

// Run returns one run; the error wraps ErrNotFound if there is none.
func (s *Store) Run(ctx context.Context, id int64) (Run, error) {
	r, err := scanRun(s.r.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, fmt.Errorf("state: run %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Run{}, fmt.Errorf("state: run %d: %w", id, err)
	}
	return r, nil
}

// write runs fn in a write transaction (BEGIN IMMEDIATE on the writer) and
// commits it, or rolls it back if fn or the commit fails.
func (s *Store) write(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
