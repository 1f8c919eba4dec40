package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

const sqlUpsertCheckpoint = `INSERT INTO checkpoints (pipeline, stream, state, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (pipeline, stream) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`

// Checkpoints returns a pipeline's checkpoints: stream → state. A pipeline
// that never committed one gets an empty map.
func (s *Store) Checkpoints(ctx context.Context, pipeline string) (map[string][]byte, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT stream, state FROM checkpoints WHERE pipeline = ?`, pipeline)
	if err != nil {
		return nil, fmt.Errorf("state: checkpoints of %s: %w", pipeline, err)
	}
	defer rows.Close()
	m := make(map[string][]byte)
	for rows.Next() {
		var stream string
		var st []byte
		if err := rows.Scan(&stream, &st); err != nil {
			return nil, fmt.Errorf("state: checkpoints of %s: %w", pipeline, err)
		}
		m[stream] = st
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: checkpoints of %s: %w", pipeline, err)
	}
	return m, nil
}

// ListCheckpoints returns the checkpoints of a pipeline, or of every
// pipeline for "", ordered by pipeline and stream.
func (s *Store) ListCheckpoints(ctx context.Context, pipeline string) ([]Checkpoint, error) {
	var (
		rows *sql.Rows
		err  error
	)
	const cols = `SELECT pipeline, stream, state, updated_at FROM checkpoints`
	if pipeline == "" {
		rows, err = s.r.QueryContext(ctx, cols+` ORDER BY pipeline, stream`)
	} else {
		rows, err = s.r.QueryContext(ctx, cols+` WHERE pipeline = ? ORDER BY stream`, pipeline)
	}
	if err != nil {
		return nil, fmt.Errorf("state: list checkpoints: %w", err)
	}
	defer rows.Close()
	var cps []Checkpoint
	for rows.Next() {
		var cp Checkpoint
		var updated int64
		if err := rows.Scan(&cp.Pipeline, &cp.Stream, &cp.State, &updated); err != nil {
			return nil, fmt.Errorf("state: list checkpoints: %w", err)
		}
		cp.UpdatedAt = fromMS(updated)
		cps = append(cps, cp)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: list checkpoints: %w", err)
	}
	return cps, nil
}

// ResetCheckpoints deletes a pipeline's checkpoints, so that its next run
// reads its source from the beginning, and returns how many it deleted.
// The pipeline must be named: "" is an error, not "all".
func (s *Store) ResetCheckpoints(ctx context.Context, pipeline string) (int64, error) {
	if pipeline == "" {
		return 0, errors.New("state: reset checkpoints: no pipeline given")
	}
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM checkpoints WHERE pipeline = ?`, pipeline)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		// What the pipeline remembers having written goes too: the records
		// read again are written again.
		// (A scan of the links: resets are rare, and an index on the
		// scope would cost every write of a link.)
		_, err = tx.ExecContext(ctx, `UPDATE links SET fp_scope = NULL, fingerprint = NULL WHERE fp_scope = ?`, pipeline)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("state: reset checkpoints of %s: %w", pipeline, err)
	}
	return n, nil
}
