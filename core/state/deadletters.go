package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

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

func (d DeadLetter) validate() error {
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
// Pipeline any pipeline, an empty Status any status, no IDs any id, a zero
// Limit all of them.
type DeadLetterFilter struct {
	Pipeline string
	Status   DeadLetterStatus
	IDs      []int64
	Limit    int
}

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
	where, args, err := f.where()
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

// where renders the filter (without Limit) as a WHERE clause.
func (f DeadLetterFilter) where() (string, []any, error) {
	var conds []string
	var args []any
	if f.Pipeline != "" {
		conds = append(conds, "pipeline = ?")
		args = append(args, f.Pipeline)
	}
	if f.Status != "" {
		if !f.Status.Valid() {
			return "", nil, fmt.Errorf("invalid status %q", f.Status)
		}
		conds = append(conds, "status = ?")
		args = append(args, string(f.Status))
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
	where, args, err := DeadLetterFilter{Pipeline: pipeline, Status: status}.where()
	if err != nil {
		return 0, fmt.Errorf("state: count dead letters: %w", err)
	}
	var n int64
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM dead_letters`+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("state: count dead letters: %w", err)
	}
	return n, nil
}
