package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/cxhub/cxhub/core/state"
)

// Leases work as with PostgreSQL, on this process's clock. A state file has
// one writer (its lock), so there is only ever one worker: its leases are
// always granted, and fencing guards against nothing but a bug — which is
// why the same code paths run here as on PostgreSQL.

// AcquireLease takes or extends the pipeline's lease for holder; see
// state.Leaser.
func (s *Store) AcquireLease(ctx context.Context, pipeline, holder string, ttl time.Duration) (state.Lease, error) {
	if pipeline == "" || holder == "" || ttl <= 0 {
		return state.Lease{}, fmt.Errorf("state: acquire lease on %q for %q: pipeline, holder and a positive ttl are required", pipeline, holder)
	}
	var l state.Lease
	var held bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		now := nowMS()
		cur, found, err := readLease(ctx, tx, pipeline)
		if err != nil {
			return err
		}
		switch {
		case !found:
			l = state.Lease{Pipeline: pipeline, Holder: holder, Token: 1}
		case cur.Holder == holder && ms(cur.ExpiresAt) > now:
			l = cur
		case cur.Holder == "" || ms(cur.ExpiresAt) <= now:
			l = state.Lease{Pipeline: pipeline, Holder: holder, Token: cur.Token + 1}
		default:
			l, held = cur, true
			return nil
		}
		l.ExpiresAt = fromMS(now + ttl.Milliseconds())
		_, err = tx.ExecContext(ctx, `INSERT INTO leases (pipeline, holder, token, expires_at, acquired_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (pipeline) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at,
				acquired_at = CASE WHEN token = excluded.token THEN acquired_at ELSE excluded.acquired_at END, token = excluded.token`,
			pipeline, holder, l.Token, ms(l.ExpiresAt), now)
		return err
	})
	if err != nil {
		return state.Lease{}, fmt.Errorf("state: acquire lease on %s: %w", pipeline, err)
	}
	if held {
		return l, fmt.Errorf("state: acquire lease on %s: held by %s until %s: %w", pipeline, l.Holder, l.ExpiresAt.Format(time.RFC3339), state.ErrLeaseHeld)
	}
	return l, nil
}

func readLease(ctx context.Context, tx *sql.Tx, pipeline string) (state.Lease, bool, error) {
	l := state.Lease{Pipeline: pipeline}
	var exp int64
	err := tx.QueryRowContext(ctx, `SELECT holder, token, expires_at FROM leases WHERE pipeline = ?`, pipeline).Scan(&l.Holder, &l.Token, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return l, false, nil
	}
	l.ExpiresAt = fromMS(exp)
	return l, err == nil, err
}

// RenewLease extends a lease still held with its token; see state.Leaser.
func (s *Store) RenewLease(ctx context.Context, l state.Lease, ttl time.Duration) (state.Lease, error) {
	var n int64
	exp := nowMS() + ttl.Milliseconds()
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE leases SET expires_at = ? WHERE pipeline = ? AND holder = ? AND token = ? AND expires_at > ?`,
			exp, l.Pipeline, l.Holder, l.Token, nowMS())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return state.Lease{}, fmt.Errorf("state: renew lease on %s: %w", l.Pipeline, err)
	}
	if n == 0 {
		return state.Lease{}, fmt.Errorf("state: renew lease on %s (token %d): %w", l.Pipeline, l.Token, state.ErrFenced)
	}
	l.ExpiresAt = fromMS(exp)
	return l, nil
}

// ReleaseLease gives up a lease still held; see state.Leaser.
func (s *Store) ReleaseLease(ctx context.Context, l state.Lease) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE leases SET holder = '', expires_at = ? WHERE pipeline = ? AND holder = ? AND token = ?`,
			nowMS(), l.Pipeline, l.Holder, l.Token)
		return err
	})
	if err != nil {
		return fmt.Errorf("state: release lease on %s: %w", l.Pipeline, err)
	}
	return nil
}

// CheckFence checks that f's lease is still held with its token; see
// state.Leaser.
func (s *Store) CheckFence(ctx context.Context, f state.Fence) error {
	var ok bool
	if err := s.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM leases
		WHERE pipeline = ?1 AND token = ?2 AND holder <> '' AND expires_at > ?3)`, f.Pipeline, f.Token, nowMS()).Scan(&ok); err != nil {
		return fmt.Errorf("state: check the lease on %s (token %d): %w", f.Pipeline, f.Token, err)
	}
	if !ok {
		return fmt.Errorf("state: check the lease on %s (token %d): %w", f.Pipeline, f.Token, state.ErrFenced)
	}
	return nil
}

// Leases lists every lease; see state.Leaser.
func (s *Store) Leases(ctx context.Context) ([]state.Lease, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT pipeline, holder, token, expires_at FROM leases ORDER BY pipeline`)
	if err != nil {
		return nil, fmt.Errorf("state: list leases: %w", err)
	}
	defer rows.Close()
	var out []state.Lease
	for rows.Next() {
		var l state.Lease
		var exp int64
		if err := rows.Scan(&l.Pipeline, &l.Holder, &l.Token, &exp); err != nil {
			return nil, fmt.Errorf("state: list leases: %w", err)
		}
		l.ExpiresAt = fromMS(exp)
		out = append(out, l)
	}
	return out, rows.Err()
}

// Heartbeat records that a worker is alive; see state.Leaser.
func (s *Store) Heartbeat(ctx context.Context, w state.Worker, ttl time.Duration) error {
	if w.ID == "" {
		return errors.New("state: heartbeat: no worker id given")
	}
	if ttl < 0 {
		ttl = 0
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		now := nowMS()
		_, err := tx.ExecContext(ctx, `INSERT INTO workers (id, addr, started_at, seen_at, expires_at) VALUES (?1, ?2, ?3, ?3, ?4)
			ON CONFLICT (id) DO UPDATE SET addr = excluded.addr, seen_at = excluded.seen_at, expires_at = excluded.expires_at,
				started_at = CASE WHEN workers.expires_at <= excluded.seen_at THEN excluded.seen_at ELSE workers.started_at END`,
			w.ID, w.Addr, now, now+ttl.Milliseconds())
		return err
	})
	if err != nil {
		return fmt.Errorf("state: heartbeat of %s: %w", w.ID, err)
	}
	return nil
}

// Workers lists the workers that heartbeat; see state.Leaser.
func (s *Store) Workers(ctx context.Context) ([]state.Worker, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, addr, started_at, seen_at, expires_at FROM workers ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("state: list workers: %w", err)
	}
	defer rows.Close()
	var out []state.Worker
	for rows.Next() {
		var w state.Worker
		var started, seen, exp int64
		if err := rows.Scan(&w.ID, &w.Addr, &started, &seen, &exp); err != nil {
			return nil, fmt.Errorf("state: list workers: %w", err)
		}
		w.StartedAt, w.SeenAt, w.ExpiresAt = fromMS(started), fromMS(seen), fromMS(exp)
		out = append(out, w)
	}
	return out, rows.Err()
}

// checkFence checks, in tx, that the lease of ctx's fence (if it carries
// one) is still held with its token and unexpired; see state.WithFence.
func checkFence(ctx context.Context, tx *sql.Tx) error {
	f, ok := state.FenceFrom(ctx)
	if !ok {
		return nil
	}
	res, err := tx.ExecContext(context.WithoutCancel(ctx), `UPDATE leases SET last_commit_at = ?1
		WHERE pipeline = ?2 AND token = ?3 AND holder <> '' AND expires_at > ?1`, nowMS(), f.Pipeline, f.Token)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("pipeline %s, token %d: %w", f.Pipeline, f.Token, state.ErrFenced)
	}
	return nil
}

// releaseLeftOverLeases releases every lease and marks every worker gone.
// Call it only while holding the state file's lock: then no other process
// holds them, and they are left over from one that was killed (whose
// leases would otherwise delay the new writer until they expire).
func (s *Store) releaseLeftOverLeases(ctx context.Context) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		now := nowMS()
		if _, err := tx.ExecContext(ctx, `UPDATE leases SET holder = '', expires_at = ? WHERE holder <> ''`, now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE workers SET expires_at = ? WHERE expires_at > ?`, now, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("state: release left-over leases: %w", err)
	}
	return nil
}
