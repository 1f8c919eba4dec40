package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

const alertColumns = `id, key, kind, subject, status, message, notified, fired_at, updated_at, resolved_at`

func scanAlert(sc interface{ Scan(...any) error }) (Alert, error) {
	var (
		a              Alert
		fired, updated int64
		resolved       sql.NullInt64
	)
	if err := sc.Scan(&a.ID, &a.Key, &a.Kind, &a.Subject, &a.Status, &a.Message, &a.Notified, &fired, &updated, &resolved); err != nil {
		return Alert{}, err
	}
	a.FiredAt, a.UpdatedAt = fromMS(fired), fromMS(updated)
	if resolved.Valid {
		a.ResolvedAt = fromMS(resolved.Int64)
	}
	return a, nil
}

// FireAlert raises an alert, or updates the one firing with its key.
func (s *Store) FireAlert(ctx context.Context, a Alert) (Alert, bool, error) {
	if err := a.Validate(); err != nil {
		return Alert{}, false, fmt.Errorf("state: fire alert: %w", err)
	}
	var (
		out     Alert
		created bool
	)
	err := s.write(ctx, func(tx *sql.Tx) error {
		now := nowMS()
		res, err := tx.ExecContext(ctx, `UPDATE alerts SET message = ?, updated_at = ? WHERE key = ? AND status = 'firing'`,
			a.Message, now, a.Key)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			created = true
			if _, err := tx.ExecContext(ctx, `INSERT INTO alerts (key, kind, subject, status, message, fired_at, updated_at)
				VALUES (?, ?, ?, 'firing', ?, ?, ?)`, a.Key, a.Kind, a.Subject, a.Message, now, now); err != nil {
				return err
			}
		}
		out, err = scanAlert(tx.QueryRowContext(ctx, `SELECT `+alertColumns+` FROM alerts WHERE key = ? AND status = 'firing'`, a.Key))
		return err
	})
	if err != nil {
		return Alert{}, false, fmt.Errorf("state: fire alert %s: %w", a.Key, err)
	}
	return out, created, nil
}

// ResolveAlert resolves the firing alert with key, if any.
func (s *Store) ResolveAlert(ctx context.Context, key, message string) (Alert, bool, error) {
	var (
		out   Alert
		found bool
	)
	err := s.write(ctx, func(tx *sql.Tx) error {
		row := tx.QueryRowContext(ctx, `SELECT `+alertColumns+` FROM alerts WHERE key = ? AND status = 'firing'`, key)
		a, err := scanAlert(row)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		now := nowMS()
		if _, err := tx.ExecContext(ctx, `UPDATE alerts SET status = 'resolved', message = ?, updated_at = ?, resolved_at = ? WHERE id = ?`,
			message, now, now, a.ID); err != nil {
			return err
		}
		found = true
		out, err = scanAlert(tx.QueryRowContext(ctx, `SELECT `+alertColumns+` FROM alerts WHERE id = ?`, a.ID))
		return err
	})
	if err != nil {
		return Alert{}, false, fmt.Errorf("state: resolve alert %s: %w", key, err)
	}
	return out, found, nil
}

// MarkAlertNotified records the last status the receivers were told of.
func (s *Store) MarkAlertNotified(ctx context.Context, id int64, status AlertStatus) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE alerts SET notified = ? WHERE id = ?`, status, id)
		return oneRow(res, err)
	})
	if err != nil {
		return fmt.Errorf("state: mark alert %d notified: %w", id, err)
	}
	return nil
}

// Alerts lists alerts, newest first.
func (s *Store) Alerts(ctx context.Context, f AlertFilter) ([]Alert, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT ` + alertColumns + ` FROM alerts`
	args := []any{}
	if f.Status != "" {
		q += ` WHERE status = ?`
		args = append(args, f.Status)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("state: list alerts: %w", err)
	}
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, fmt.Errorf("state: list alerts: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: list alerts: %w", err)
	}
	return out, nil
}

// SetPaused pauses or resumes a pipeline.
func (s *Store) SetPaused(ctx context.Context, pipeline string, paused bool) error {
	if pipeline == "" {
		return errors.New("state: pause: no pipeline given")
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		if paused {
			_, err = tx.ExecContext(ctx, `INSERT INTO paused (pipeline, paused_at) VALUES (?, ?) ON CONFLICT DO NOTHING`, pipeline, nowMS())
		} else {
			_, err = tx.ExecContext(ctx, `DELETE FROM paused WHERE pipeline = ?`, pipeline)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("state: set %s paused=%v: %w", pipeline, paused, err)
	}
	return nil
}

// Paused returns the paused pipelines.
func (s *Store) Paused(ctx context.Context) (map[string]bool, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT pipeline FROM paused`)
	if err != nil {
		return nil, fmt.Errorf("state: list paused pipelines: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, fmt.Errorf("state: list paused pipelines: %w", err)
		}
		out[p] = true
	}
	return out, rows.Err()
}
