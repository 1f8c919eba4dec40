package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cxhub/cxhub/core/state"
	"github.com/jackc/pgx/v5"
)

const deadLetterColumns = `id, pipeline, run_id, stream, key, op, data, record_updated_at,
	error_kind, error, source_problem, attempts, status, created_at, last_tried_at`

// DeadLetters lists dead letters, oldest first.
func (s *Store) DeadLetters(ctx context.Context, f state.DeadLetterFilter) ([]state.DeadLetter, error) {
	where, args, err := deadLetterWhere(f)
	if err != nil {
		return nil, fmt.Errorf("state: list dead letters: %w", err)
	}
	q := `SELECT ` + deadLetterColumns + ` FROM cxhub.dead_letters` + where + ` ORDER BY id`
	if f.Limit > 0 {
		args = append(args, f.Limit)
		q += fmt.Sprintf(` LIMIT $%d`, len(args))
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("state: list dead letters: %w", err)
	}
	dls, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (state.DeadLetter, error) {
		var (
			d                  state.DeadLetter
			runID              *int64
			key                []byte
			status             string
			recordUpdated      *time.Time
			created, lastTried time.Time
		)
		err := row.Scan(&d.ID, &d.Pipeline, &runID, &d.Stream, &key, &d.Op, &d.Data, &recordUpdated,
			&d.ErrorKind, &d.Error, &d.SourceProblem, &d.Attempts, &status, &created, &lastTried)
		if runID != nil {
			d.RunID = *runID
		}
		d.Key = string(key)
		d.Status = state.DeadLetterStatus(status)
		d.UpdatedAt = fromOptTime(recordUpdated)
		d.CreatedAt, d.LastTriedAt = utc(created), utc(lastTried)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("state: list dead letters: %w", err)
	}
	return dls, nil
}

// deadLetterWhere renders the filter (all but Limit) as a WHERE clause
// with numbered parameters.
func deadLetterWhere(f state.DeadLetterFilter) (string, []any, error) {
	var conds []string
	var args []any
	if f.Pipeline != "" {
		args = append(args, f.Pipeline)
		conds = append(conds, fmt.Sprintf("pipeline = $%d", len(args)))
	}
	if err := f.Validate(); err != nil {
		return "", nil, err
	}
	switch {
	case f.Status != "":
		args = append(args, string(f.Status))
		conds = append(conds, fmt.Sprintf("status = $%d", len(args)))
	case f.Kind != "":
		// Every status, named, so that the kind's index (status,
		// error_kind, id) is searched, not the pipeline's dead letters.
		conds = append(conds, "status IN ('pending', 'replayed', 'discarded')")
	}
	if f.Kind != "" {
		args = append(args, f.Kind)
		conds = append(conds, fmt.Sprintf("error_kind = $%d", len(args)))
	}
	if f.AfterID > 0 {
		args = append(args, f.AfterID)
		conds = append(conds, fmt.Sprintf("id > $%d", len(args)))
	}
	if len(f.IDs) > 0 {
		args = append(args, f.IDs)
		conds = append(conds, fmt.Sprintf("id = ANY($%d::bigint[])", len(args)))
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// SetDeadLetterStatus sets the status of the given dead letters (to discard
// them, or to make them pending again) and returns how many exist.
func (s *Store) SetDeadLetterStatus(ctx context.Context, ids []int64, status state.DeadLetterStatus) (int64, error) {
	if !status.Valid() {
		return 0, fmt.Errorf("state: set dead letter status: invalid status %q", status)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	if s.readOnly {
		return 0, fmt.Errorf("state: set dead letter status to %s: %w", status, errReadOnly)
	}
	ct, err := s.pool.Exec(ctx, `UPDATE cxhub.dead_letters SET status = $1 WHERE id = ANY($2::bigint[])`, string(status), ids)
	if err != nil {
		return 0, fmt.Errorf("state: set dead letter status to %s: %w", status, err)
	}
	return ct.RowsAffected(), nil
}

// CountDeadLetters counts the dead letters of a pipeline ("" = any) with a
// status ("" = any).
func (s *Store) CountDeadLetters(ctx context.Context, pipeline string, status state.DeadLetterStatus) (int64, error) {
	where, args, err := deadLetterWhere(state.DeadLetterFilter{Pipeline: pipeline, Status: status})
	if err != nil {
		return 0, fmt.Errorf("state: count dead letters: %w", err)
	}
	var n int64
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM cxhub.dead_letters`+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("state: count dead letters: %w", err)
	}
	return n, nil
}
