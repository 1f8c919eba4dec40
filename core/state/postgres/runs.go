package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cxhub/cxhub/core/state"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// sqlStartRun marks the pipeline's runs still running as interrupted and
// opens a new one, in one statement. Only the lease's holder ($4 true:
// the fence, checked first in the same transaction, is its) or, if no
// live holder has the lease, anyone may take those runs for abandoned: a
// run of a live holder is its own, never another process's to close.
const sqlStartRun = `WITH stale AS (
	UPDATE cxhub.runs SET status = 'interrupted', finished_at = $2, error = $3
	WHERE pipeline = $1 AND status = 'running' AND ($4 OR NOT EXISTS (
		SELECT 1 FROM cxhub.leases WHERE pipeline = $1 AND holder <> '' AND expires_at > now()))
)
INSERT INTO cxhub.runs (pipeline, status, started_at) VALUES ($1, 'running', $2) RETURNING id`

// StartRun opens a run of pipeline and returns its id. Any run of the same
// pipeline still "running" belongs to a process that died or lost the
// pipeline's lease (a pipeline runs once at a time): it is marked
// "interrupted" in the same statement — unless ctx carries no fence and a
// live holder has the pipeline's lease, whose run it may be.
func (s *Store) StartRun(ctx context.Context, pipeline string) (int64, error) {
	if pipeline == "" {
		return 0, errors.New("state: start run: no pipeline given")
	}
	if s.readOnly {
		return 0, fmt.Errorf("state: start run of %s: %w", pipeline, errReadOnly)
	}
	var id int64
	err := s.write(ctx, func(tx pgx.Tx) error {
		if err := checkFence(ctx, tx); err != nil {
			return err
		}
		_, fenced := state.FenceFrom(ctx)
		return tx.QueryRow(ctx, sqlStartRun, pipeline, now(), state.AbandonedRunError, fenced).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("state: start run of %s: %w", pipeline, err)
	}
	return id, nil
}

// FinishRun closes a running run with its final status (not RunRunning)
// and, for a failure, its error. Finishing a run that is not running is an
// error; an unknown run's error wraps state.ErrNotFound.
func (s *Store) FinishRun(ctx context.Context, runID int64, status state.RunStatus, errMsg string) error {
	if !status.Valid() || status == state.RunRunning {
		return fmt.Errorf("state: finish run %d: invalid final status %q", runID, status)
	}
	if s.readOnly {
		return fmt.Errorf("state: finish run %d: %w", runID, errReadOnly)
	}
	var ct pgconn.CommandTag
	err := s.write(ctx, func(tx pgx.Tx) error {
		if err := checkFence(ctx, tx); err != nil {
			return err
		}
		var err error
		ct, err = tx.Exec(ctx, `UPDATE cxhub.runs SET status = $2, finished_at = $3, error = $4 WHERE id = $1 AND status = 'running'`,
			runID, string(status), now(), message(errMsg))
		return err
	})
	if err != nil {
		return fmt.Errorf("state: finish run %d: %w", runID, err)
	}
	if ct.RowsAffected() == 1 {
		return nil
	}
	var cur string
	err = s.pool.QueryRow(ctx, `SELECT status FROM cxhub.runs WHERE id = $1`, runID).Scan(&cur)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("state: finish run %d: %w", runID, state.ErrNotFound)
	case err != nil:
		return fmt.Errorf("state: finish run %d: %w", runID, err)
	}
	return fmt.Errorf("state: finish run %d: run is already %s", runID, cur)
}

const runColumns = `id, pipeline, status, started_at, finished_at, error,
	n_read, n_filtered, n_written, n_created, n_updated, n_dead_lettered, n_retries, n_restarts,
	n_unchanged, n_echo`

func scanRun(row pgx.Row) (state.Run, error) {
	var (
		r        state.Run
		status   string
		finished *time.Time
	)
	err := row.Scan(&r.ID, &r.Pipeline, &status, &r.StartedAt, &finished, &r.Error,
		&r.Counts.Read, &r.Counts.Filtered, &r.Counts.Written, &r.Counts.Created, &r.Counts.Updated,
		&r.Counts.DeadLettered, &r.Counts.Retries, &r.Counts.Restarts,
		&r.Counts.Unchanged, &r.Counts.Echo)
	if err != nil {
		return state.Run{}, err
	}
	r.Status = state.RunStatus(status)
	r.StartedAt = utc(r.StartedAt)
	r.FinishedAt = fromOptTime(finished)
	return r, nil
}

// Runs lists runs, newest first.
func (s *Store) Runs(ctx context.Context, f state.RunFilter) ([]state.Run, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	// Two statements rather than one with "$1 = '' OR": a prepared
	// statement's generic plan would not use the index for either.
	var (
		rows pgx.Rows
		err  error
	)
	if f.Pipeline == "" {
		rows, err = s.pool.Query(ctx, `SELECT `+runColumns+` FROM cxhub.runs ORDER BY id DESC LIMIT $1`, limit)
	} else {
		rows, err = s.pool.Query(ctx, `SELECT `+runColumns+` FROM cxhub.runs WHERE pipeline = $1 ORDER BY id DESC LIMIT $2`,
			f.Pipeline, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("state: list runs: %w", err)
	}
	runs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (state.Run, error) { return scanRun(row) })
	if err != nil {
		return nil, fmt.Errorf("state: list runs: %w", err)
	}
	return runs, nil
}

// Run returns one run; the error wraps state.ErrNotFound if there is none.
func (s *Store) Run(ctx context.Context, id int64) (state.Run, error) {
	r, err := scanRun(s.pool.QueryRow(ctx, `SELECT `+runColumns+` FROM cxhub.runs WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return state.Run{}, fmt.Errorf("state: run %d: %w", id, state.ErrNotFound)
	}
	if err != nil {
		return state.Run{}, fmt.Errorf("state: run %d: %w", id, err)
	}
	return r, nil
}
