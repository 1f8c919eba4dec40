package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// sqlMoveInboxCursor moves a pipeline's inbox cursor forward, never back.
const sqlMoveInboxCursor = `INSERT INTO inbox_cursors (pipeline, last_id) VALUES (?1, ?2)
	ON CONFLICT (pipeline) DO UPDATE SET last_id = max(last_id, excluded.last_id)`

// AppendInbox stores pushed records in one transaction; see state.Store.
func (s *Store) AppendInbox(ctx context.Context, entries []InboxEntry) (int, error) {
	for _, e := range entries {
		if err := e.Validate(); err != nil {
			return 0, fmt.Errorf("state: append to inbox: %w", err)
		}
	}
	added := 0
	err := s.write(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO inbox
			(connection, stream, key, op, data, record_updated_at, delivery_id, problem, received_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
		if err != nil {
			return err
		}
		defer st.Close()
		now := nowMS()
		for _, e := range entries {
			received := now
			if !e.ReceivedAt.IsZero() {
				received = ms(e.ReceivedAt)
			}
			res, err := st.ExecContext(ctx, e.Connection, e.Stream, e.Key, e.Op, e.Data, nullMS(e.UpdatedAt),
				e.DeliveryID, e.Problem, received)
			if err != nil {
				return fmt.Errorf("%s/%s/%q: %w", e.Connection, e.Stream, e.Key, err)
			}
			if n, err := res.RowsAffected(); err == nil {
				added += int(n)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("state: append to inbox: %w", err)
	}
	return added, nil
}

// ReadInbox returns a stream's entries after an id; see state.Store.
func (s *Store) ReadInbox(ctx context.Context, connection, stream string, after int64, limit int) ([]InboxEntry, error) {
	if limit <= 0 {
		limit = 500
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, connection, stream, key, op, data, record_updated_at, delivery_id, problem, received_at
		FROM inbox WHERE connection = ? AND stream = ? AND id > ? ORDER BY id LIMIT ?`, connection, stream, after, limit)
	if err != nil {
		return nil, fmt.Errorf("state: read inbox of %s/%s: %w", connection, stream, err)
	}
	defer rows.Close()
	var out []InboxEntry
	for rows.Next() {
		var (
			e        InboxEntry
			updated  sql.NullInt64
			received int64
		)
		if err := rows.Scan(&e.ID, &e.Connection, &e.Stream, &e.Key, &e.Op, &e.Data, &updated, &e.DeliveryID,
			&e.Problem, &received); err != nil {
			return nil, fmt.Errorf("state: read inbox of %s/%s: %w", connection, stream, err)
		}
		if updated.Valid {
			e.UpdatedAt = fromMS(updated.Int64)
		}
		e.ReceivedAt = fromMS(received)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: read inbox of %s/%s: %w", connection, stream, err)
	}
	return out, nil
}

// InboxCursor returns the last entry the pipeline committed; see state.Store.
func (s *Store) InboxCursor(ctx context.Context, pipeline string) (int64, error) {
	var id int64
	err := s.r.QueryRowContext(ctx, `SELECT last_id FROM inbox_cursors WHERE pipeline = ?`, pipeline).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("state: inbox cursor of %s: %w", pipeline, err)
	}
	return id, nil
}

// PruneInbox removes entries received before a time; see state.Store.
func (s *Store) PruneInbox(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM inbox WHERE received_at < ?`, ms(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("state: prune inbox: %w", err)
	}
	return n, nil
}
