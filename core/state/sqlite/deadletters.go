package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
)

const sqlInsertDeadLetter = `INSERT INTO dead_letters
	(pipeline, run_id, stream, key, op, data, record_updated_at, error_kind, error, source_problem, attempts, status, created_at, last_tried_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`

// A failed replay: the new error, one more attempt (or the caller's total,
// if larger), still pending.
const sqlRetryDeadLetter = `UPDATE dead_letters
	SET error_kind = ?1, error = ?2, attempts = max(attempts + 1, ?3), last_tried_at = ?4, status = 'pending'
	WHERE id = ?5`

// A replay that the pipeline's filter now drops: nothing to write.
const sqlDiscardDeadLetter = `UPDATE dead_letters
	SET status = 'discarded', attempts = attempts + 1, last_tried_at = ?1
	WHERE id = ?2`

// A successful replay counts as an attempt too.
const sqlReplayDeadLetter = `UPDATE dead_letters
	SET status = 'replayed', attempts = attempts + 1, last_tried_at = ?1
	WHERE id = ?2`

const deadLetterColumns = `id, pipeline, run_id, stream, key, op, data, record_updated_at,
	error_kind, error, source_problem, attempts, status, created_at, last_tried_at`

// DeadLetters lists dead letters, oldest first.
func (s *Store) DeadLetters(ctx context.Context, f DeadLetterFilter) ([]DeadLetter, error) {
	where, args, err := deadLetterWhere(f)
	if err != nil {
		return nil, fmt.Errorf("state: list dead letters: %w", err)
	}
	q := `SELECT ` + deadLetterColumns + ` FROM dead_letters` + where + ` ORDER BY id`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("state: list dead letters: %w", err)
	}
	defer rows.Close()
	var dls []DeadLetter
	for rows.Next() {
		var (
			d                    DeadLetter
			runID, recordUpdated sql.NullInt64
			created, lastTried   int64
		)
		err := rows.Scan(&d.ID, &d.Pipeline, &runID, &d.Stream, &d.Key, &d.Op, &d.Data, &recordUpdated,
			&d.ErrorKind, &d.Error, &d.SourceProblem, &d.Attempts, &d.Status, &created, &lastTried)
		if err != nil {
			return nil, fmt.Errorf("state: list dead letters: %w", err)
		}
		d.RunID = runID.Int64
		if recordUpdated.Valid {
			d.UpdatedAt = fromMS(recordUpdated.Int64)
		}
		d.CreatedAt = fromMS(created)
		d.LastTriedAt = fromMS(lastTried)
		dls = append(dls, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: list dead letters: %w", err)
	}
	return dls, nil
}

// where renders the filter (all but Limit) as a WHERE clause.
func deadLetterWhere(f DeadLetterFilter) (string, []any, error) {
	var conds []string
	var args []any
	if f.Pipeline != "" {
		conds = append(conds, "pipeline = ?")
		args = append(args, f.Pipeline)
	}
	if err := f.Validate(); err != nil {
		return "", nil, err
	}
	switch {
	case f.Status != "":
		conds = append(conds, "status = ?")
		args = append(args, string(f.Status))
	case f.Kind != "":
		// Every status, named, so that the kind's index (status,
		// error_kind, id) is searched, not the pipeline's dead letters.
		conds = append(conds, "status IN ('pending', 'replayed', 'discarded')")
	}
	if f.Kind != "" {
		conds = append(conds, "error_kind = ?")
		args = append(args, f.Kind)
	}
	if f.AfterID > 0 {
		conds = append(conds, "id > ?")
		args = append(args, f.AfterID)
	}
	if len(f.IDs) > 0 {
		ids, err := json.Marshal(f.IDs)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, "id IN (SELECT value FROM json_each(?))")
		args = append(args, string(ids))
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// SetDeadLetterStatus sets the status of the given dead letters (to discard
// them, or to make them pending again) and returns how many exist.
func (s *Store) SetDeadLetterStatus(ctx context.Context, ids []int64, status DeadLetterStatus) (int64, error) {
	if !status.Valid() {
		return 0, fmt.Errorf("state: set dead letter status: invalid status %q", status)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	arg, err := json.Marshal(ids)
	if err != nil {
		return 0, fmt.Errorf("state: set dead letter status: %w", err)
	}
	var n int64
	err = s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE dead_letters SET status = ? WHERE id IN (SELECT value FROM json_each(?))`,
			string(status), string(arg))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("state: set dead letter status to %s: %w", status, err)
	}
	return n, nil
}

// CountDeadLetters counts the dead letters of a pipeline ("" = any) with a
// status ("" = any).
func (s *Store) CountDeadLetters(ctx context.Context, pipeline string, status DeadLetterStatus) (int64, error) {
	where, args, err := deadLetterWhere(DeadLetterFilter{Pipeline: pipeline, Status: status})
	if err != nil {
		return 0, fmt.Errorf("state: count dead letters: %w", err)
	}
	var n int64
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM dead_letters`+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("state: count dead letters: %w", err)
	}
	return n, nil
}
