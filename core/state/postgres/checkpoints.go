package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/cxhub/cxhub/core/state"
	"github.com/jackc/pgx/v5"
)

// Checkpoints returns a pipeline's checkpoints: stream → state. A pipeline
// that never committed one gets an empty map.
func (s *Store) Checkpoints(ctx context.Context, pipeline string) (map[string][]byte, error) {
	rows, err := s.pool.Query(ctx, `SELECT stream, state FROM cxhub.checkpoints WHERE pipeline = $1`, pipeline)
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
func (s *Store) ListCheckpoints(ctx context.Context, pipeline string) ([]state.Checkpoint, error) {
	const cols = `SELECT pipeline, stream, state, updated_at FROM cxhub.checkpoints`
	var (
		rows pgx.Rows
		err  error
	)
	if pipeline == "" {
		rows, err = s.pool.Query(ctx, cols+` ORDER BY pipeline, stream`)
	} else {
		rows, err = s.pool.Query(ctx, cols+` WHERE pipeline = $1 ORDER BY stream`, pipeline)
	}
	if err != nil {
		return nil, fmt.Errorf("state: list checkpoints: %w", err)
	}
	cps, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (state.Checkpoint, error) {
		var cp state.Checkpoint
		err := row.Scan(&cp.Pipeline, &cp.Stream, &cp.State, &cp.UpdatedAt)
		cp.UpdatedAt = utc(cp.UpdatedAt)
		return cp, err
	})
	if err != nil {
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
	if s.readOnly {
		return 0, fmt.Errorf("state: reset checkpoints of %s: %w", pipeline, errReadOnly)
	}
	var n int64
	err := s.write(ctx, func(tx pgx.Tx) error {
		if err := checkFence(ctx, tx); err != nil {
			return err
		}
		ct, err := tx.Exec(ctx, `DELETE FROM cxhub.checkpoints WHERE pipeline = $1`, pipeline)
		if err != nil {
			return err
		}
		n = ct.RowsAffected()
		// What the pipeline remembers having written goes too: the records
		// read again are written again.
		// (A scan of the links: resets are rare, and an index on the
		// scope would cost every write of a link.)
		_, err = tx.Exec(ctx, `UPDATE cxhub.links SET fp_scope = NULL, fingerprint = NULL WHERE fp_scope = $1`, pipeline)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("state: reset checkpoints of %s: %w", pipeline, err)
	}
	return n, nil
}
