package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/cxhub/cxhub/core/state"
)

// StartRun opens a run of pipeline and returns its id. Any run of the same
// pipeline still "running" belongs to a process that died (a pipeline runs
// once at a time): it is marked "interrupted" first, in the same transaction.
func (s *Store) StartRun(ctx context.Context, pipeline string) (int64, error) {
	if pipeline == "" {
		return 0, errors.New("state: start run: no pipeline given")
	}
	var id int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := checkFence(ctx, tx); err != nil {
			return err
		}
		now := nowMS()
		if _, err := tx.ExecContext(ctx,
			`UPDATE runs SET status = 'interrupted', finished_at = ?, error = ? WHERE pipeline = ? AND status = 'running'`,
			now, state.AbandonedRunError, pipeline); err != nil {
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
			nowMS(), state.AbandonedRunError)
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
		if err := checkFence(ctx, tx); err != nil {
			return err
		}
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
	n_read, n_filtered, n_written, n_created, n_updated, n_dead_lettered, n_retries, n_restarts,
	n_unchanged, n_echo`

func scanRun(sc interface{ Scan(...any) error }) (Run, error) {
	var (
		r        Run
		started  int64
		finished sql.NullInt64
	)
	err := sc.Scan(&r.ID, &r.Pipeline, &r.Status, &started, &finished, &r.Error,
		&r.Counts.Read, &r.Counts.Filtered, &r.Counts.Written, &r.Counts.Created, &r.Counts.Updated,
		&r.Counts.DeadLettered, &r.Counts.Retries, &r.Counts.Restarts,
		&r.Counts.Unchanged, &r.Counts.Echo)
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
	if s.w == nil {
		return errReadOnly
	}
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
