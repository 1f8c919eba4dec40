package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cxhub/cxhub/core/state"
	"github.com/jackc/pgx/v5"
)

const alertColumns = `id, key, kind, subject, status, message, notified, fired_at, updated_at, resolved_at`

func scanAlert(row pgx.Row, extra ...any) (state.Alert, error) {
	var (
		a                state.Alert
		status, notified string
		resolved         *time.Time
	)
	dest := append([]any{&a.ID, &a.Key, &a.Kind, &a.Subject, &status, &a.Message, &notified, &a.FiredAt, &a.UpdatedAt, &resolved}, extra...)
	if err := row.Scan(dest...); err != nil {
		return state.Alert{}, err
	}
	a.Status, a.Notified = state.AlertStatus(status), state.AlertStatus(notified)
	a.FiredAt, a.UpdatedAt, a.ResolvedAt = utc(a.FiredAt), utc(a.UpdatedAt), fromOptTime(resolved)
	return a, nil
}

// sqlFireAlert inserts a firing alert or, if one with the key is firing,
// updates its message: one statement, so that workers firing the same
// alert at once make one. xmax is 0 for a row this statement inserted.
const sqlFireAlert = `INSERT INTO cxhub.alerts AS a (key, kind, subject, status, message, fired_at, updated_at)
VALUES ($1, $2, $3, 'firing', $4, $5, $5)
ON CONFLICT (key) WHERE status = 'firing' DO UPDATE SET message = excluded.message, updated_at = excluded.updated_at
RETURNING ` + alertColumns + `, (xmax = 0)`

// FireAlert raises an alert, or updates the one firing with its key.
func (s *Store) FireAlert(ctx context.Context, a state.Alert) (state.Alert, bool, error) {
	if err := a.Validate(); err != nil {
		return state.Alert{}, false, fmt.Errorf("state: fire alert: %w", err)
	}
	if s.readOnly {
		return state.Alert{}, false, fmt.Errorf("state: fire alert %s: %w", a.Key, errReadOnly)
	}
	var created bool
	out, err := scanAlert(s.pool.QueryRow(ctx, sqlFireAlert, a.Key, a.Kind, a.Subject, message(a.Message), now()), &created)
	if err != nil {
		return state.Alert{}, false, fmt.Errorf("state: fire alert %s: %w", a.Key, err)
	}
	return out, created, nil
}

// ResolveAlert resolves the firing alert with key, if any.
func (s *Store) ResolveAlert(ctx context.Context, key, msg string) (state.Alert, bool, error) {
	if s.readOnly {
		return state.Alert{}, false, fmt.Errorf("state: resolve alert %s: %w", key, errReadOnly)
	}
	out, err := scanAlert(s.pool.QueryRow(ctx, `UPDATE cxhub.alerts SET status = 'resolved', message = $2, updated_at = $3, resolved_at = $3
		WHERE key = $1 AND status = 'firing' RETURNING `+alertColumns, key, message(msg), now()))
	if errors.Is(err, pgx.ErrNoRows) {
		return state.Alert{}, false, nil
	}
	if err != nil {
		return state.Alert{}, false, fmt.Errorf("state: resolve alert %s: %w", key, err)
	}
	return out, true, nil
}

// MarkAlertNotified records the last status the receivers were told of.
func (s *Store) MarkAlertNotified(ctx context.Context, id int64, status state.AlertStatus) error {
	if s.readOnly {
		return fmt.Errorf("state: mark alert %d notified: %w", id, errReadOnly)
	}
	ct, err := s.pool.Exec(ctx, `UPDATE cxhub.alerts SET notified = $2 WHERE id = $1`, id, string(status))
	if err == nil && ct.RowsAffected() == 0 {
		err = state.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("state: mark alert %d notified: %w", id, err)
	}
	return nil
}

// Alerts lists alerts, newest first.
func (s *Store) Alerts(ctx context.Context, f state.AlertFilter) ([]state.Alert, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	var (
		rows pgx.Rows
		err  error
	)
	if f.Status == "" {
		rows, err = s.pool.Query(ctx, `SELECT `+alertColumns+` FROM cxhub.alerts ORDER BY id DESC LIMIT $1`, limit)
	} else {
		rows, err = s.pool.Query(ctx, `SELECT `+alertColumns+` FROM cxhub.alerts WHERE status = $1 ORDER BY id DESC LIMIT $2`,
			string(f.Status), limit)
	}
	if err != nil {
		return nil, fmt.Errorf("state: list alerts: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (state.Alert, error) { return scanAlert(row) })
	if err != nil {
		return nil, fmt.Errorf("state: list alerts: %w", err)
	}
	return out, nil
}

// SetPaused pauses or resumes a pipeline.
func (s *Store) SetPaused(ctx context.Context, pipeline string, paused bool) error {
	if pipeline == "" {
		return errors.New("state: pause: no pipeline given")
	}
	if s.readOnly {
		return fmt.Errorf("state: set %s paused=%v: %w", pipeline, paused, errReadOnly)
	}
	var err error
	if paused {
		_, err = s.pool.Exec(ctx, `INSERT INTO cxhub.paused (pipeline, paused_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`, pipeline, now())
	} else {
		_, err = s.pool.Exec(ctx, `DELETE FROM cxhub.paused WHERE pipeline = $1`, pipeline)
	}
	if err != nil {
		return fmt.Errorf("state: set %s paused=%v: %w", pipeline, paused, err)
	}
	return nil
}

// Paused returns the paused pipelines.
func (s *Store) Paused(ctx context.Context) (map[string]bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT pipeline FROM cxhub.paused`)
	if err != nil {
		return nil, fmt.Errorf("state: list paused pipelines: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("state: list paused pipelines: %w", err)
	}
	out := make(map[string]bool, len(names))
	for _, p := range names {
		out[p] = true
	}
	return out, nil
}
