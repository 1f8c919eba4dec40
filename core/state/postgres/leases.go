package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cxhub/cxhub/core/state"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Leases live in cxhub.leases, one row per pipeline ever leased, and are
// timed on the database server's clock (now(), the transaction's start),
// so the workers' clocks need not agree. A row is never deleted: its token
// only grows.

// sqlAcquireLease takes the lease if it is free (released or expired) —
// with the token one above — or extends it if $2 holds it. A row another
// holder holds unexpired is left alone and nothing is returned.
//
// A lease taken with a new token (acquired_at becomes now()) also ends the
// pipeline's runs still "running" as interrupted ($4): they are an earlier
// holder's, which died or lost the lease and can no longer record their
// end (its FinishRun is fenced). Left to the new holder's first StartRun,
// they would stay "running" for as long as the pipeline does not run — a
// pipeline without a schedule, or one no longer configured, for ever.
const sqlAcquireLease = `WITH acquired AS (
	INSERT INTO cxhub.leases AS l (pipeline, holder, token, expires_at, acquired_at)
	VALUES ($1, $2, 1, now() + $3 * interval '1 microsecond', now())
	ON CONFLICT (pipeline) DO UPDATE SET
		token = CASE WHEN l.holder = excluded.holder AND l.expires_at > now() THEN l.token ELSE l.token + 1 END,
		acquired_at = CASE WHEN l.holder = excluded.holder AND l.expires_at > now() THEN l.acquired_at ELSE now() END,
		holder = excluded.holder, expires_at = excluded.expires_at
	WHERE l.holder = excluded.holder OR l.holder = '' OR l.expires_at <= now()
	RETURNING pipeline, holder, token, expires_at, acquired_at = now() AS fresh
), abandoned AS (
	UPDATE cxhub.runs SET status = 'interrupted', finished_at = now(), error = $4
	WHERE pipeline = $1 AND status = 'running' AND EXISTS (SELECT 1 FROM acquired WHERE fresh)
)
SELECT pipeline, holder, token, expires_at FROM acquired`

// AcquireLease takes or extends the pipeline's lease for holder; see
// state.Leaser.
func (s *Store) AcquireLease(ctx context.Context, pipeline, holder string, ttl time.Duration) (state.Lease, error) {
	if pipeline == "" || holder == "" || ttl <= 0 {
		return state.Lease{}, fmt.Errorf("state: acquire lease on %q for %q: pipeline, holder and a positive ttl are required", pipeline, holder)
	}
	if s.readOnly {
		return state.Lease{}, fmt.Errorf("state: acquire lease on %s: %w", pipeline, errReadOnly)
	}
	l, err := scanLease(s.pool.QueryRow(ctx, sqlAcquireLease, pipeline, holder, ttl.Microseconds(), state.AbandonedRunError))
	if errors.Is(err, pgx.ErrNoRows) {
		cur, err := scanLease(s.pool.QueryRow(ctx, `SELECT pipeline, holder, token, expires_at FROM cxhub.leases WHERE pipeline = $1`, pipeline))
		if err != nil {
			return state.Lease{}, fmt.Errorf("state: acquire lease on %s: %w", pipeline, err)
		}
		return cur, fmt.Errorf("state: acquire lease on %s: held by %s until %s: %w", pipeline, cur.Holder, cur.ExpiresAt.Format(time.RFC3339), state.ErrLeaseHeld)
	}
	if err != nil {
		return state.Lease{}, fmt.Errorf("state: acquire lease on %s: %w", pipeline, err)
	}
	return l, nil
}

// RenewLease extends a lease still held with its token; see state.Leaser.
func (s *Store) RenewLease(ctx context.Context, l state.Lease, ttl time.Duration) (state.Lease, error) {
	if s.readOnly {
		return state.Lease{}, fmt.Errorf("state: renew lease on %s: %w", l.Pipeline, errReadOnly)
	}
	n, err := scanLease(s.pool.QueryRow(ctx, `UPDATE cxhub.leases SET expires_at = now() + $4 * interval '1 microsecond'
		WHERE pipeline = $1 AND holder = $2 AND token = $3 AND expires_at > now()
		RETURNING pipeline, holder, token, expires_at`, l.Pipeline, l.Holder, l.Token, ttl.Microseconds()))
	if errors.Is(err, pgx.ErrNoRows) {
		return state.Lease{}, fmt.Errorf("state: renew lease on %s (token %d): %w", l.Pipeline, l.Token, state.ErrFenced)
	}
	if err != nil {
		return state.Lease{}, fmt.Errorf("state: renew lease on %s: %w", l.Pipeline, err)
	}
	return n, nil
}

// ReleaseLease gives up a lease still held; see state.Leaser.
func (s *Store) ReleaseLease(ctx context.Context, l state.Lease) error {
	if s.readOnly {
		return fmt.Errorf("state: release lease on %s: %w", l.Pipeline, errReadOnly)
	}
	if _, err := s.pool.Exec(ctx, `UPDATE cxhub.leases SET holder = '', expires_at = now()
		WHERE pipeline = $1 AND holder = $2 AND token = $3`, l.Pipeline, l.Holder, l.Token); err != nil {
		return fmt.Errorf("state: release lease on %s: %w", l.Pipeline, err)
	}
	return nil
}

// CheckFence checks that f's lease is still held with its token; see
// state.Leaser.
func (s *Store) CheckFence(ctx context.Context, f state.Fence) error {
	var ok bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM cxhub.leases
		WHERE pipeline = $1 AND token = $2 AND holder <> '' AND expires_at > now())`, f.Pipeline, f.Token).Scan(&ok); err != nil {
		return fmt.Errorf("state: check the lease on %s (token %d): %w", f.Pipeline, f.Token, err)
	}
	if !ok {
		return fmt.Errorf("state: check the lease on %s (token %d): %w", f.Pipeline, f.Token, state.ErrFenced)
	}
	return nil
}

// Leases lists every lease; see state.Leaser.
func (s *Store) Leases(ctx context.Context) ([]state.Lease, error) {
	rows, err := s.pool.Query(ctx, `SELECT pipeline, holder, token, expires_at FROM cxhub.leases ORDER BY pipeline`)
	if err != nil {
		return nil, fmt.Errorf("state: list leases: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (state.Lease, error) { return scanLease(r) })
	if err != nil {
		return nil, fmt.Errorf("state: list leases: %w", err)
	}
	return out, nil
}

func scanLease(r pgx.Row) (state.Lease, error) {
	var l state.Lease
	err := r.Scan(&l.Pipeline, &l.Holder, &l.Token, &l.ExpiresAt)
	l.ExpiresAt = utc(l.ExpiresAt)
	return l, err
}

// sqlHeartbeat records a worker's heartbeat, unless the id is another
// instance's whose heartbeat has not expired: then nothing is returned.
const sqlHeartbeat = `INSERT INTO cxhub.workers AS w (id, instance, addr, started_at, seen_at, expires_at)
VALUES ($1, $2, $3, now(), now(), now() + $4 * interval '1 microsecond')
ON CONFLICT (id) DO UPDATE SET instance = excluded.instance, addr = excluded.addr, seen_at = now(), expires_at = excluded.expires_at,
	started_at = CASE WHEN w.instance = excluded.instance AND w.expires_at > now() THEN w.started_at ELSE now() END
WHERE w.instance = excluded.instance OR w.expires_at <= now()
RETURNING id`

// Heartbeat records that a worker is alive; see state.Leaser.
func (s *Store) Heartbeat(ctx context.Context, w state.Worker, ttl time.Duration) error {
	if w.ID == "" {
		return errors.New("state: heartbeat: no worker id given")
	}
	if s.readOnly {
		return fmt.Errorf("state: heartbeat of %s: %w", w.ID, errReadOnly)
	}
	if ttl < 0 {
		ttl = 0
	}
	var id string
	err := s.pool.QueryRow(ctx, sqlHeartbeat, w.ID, w.Instance, w.Addr, ttl.Microseconds()).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return s.idInUse(ctx, w.ID)
	}
	if err != nil {
		return fmt.Errorf("state: heartbeat of %s: %w", w.ID, err)
	}
	return nil
}

// idInUse is the error of a heartbeat refused because another live
// process has the worker id: it says where that one listens and until
// when it counts as alive.
func (s *Store) idInUse(ctx context.Context, id string) error {
	var (
		addr    string
		expires time.Time
	)
	if err := s.pool.QueryRow(ctx, `SELECT addr, expires_at FROM cxhub.workers WHERE id = $1`, id).Scan(&addr, &expires); err != nil {
		return fmt.Errorf("state: heartbeat of %s: %w", id, state.ErrWorkerIDInUse)
	}
	if addr == "" {
		addr = "no API"
	}
	return fmt.Errorf("state: heartbeat of %s: another process (%s) has the id, alive until at least %s: %w",
		id, addr, utc(expires).Format(time.RFC3339), state.ErrWorkerIDInUse)
}

// Workers lists the workers that heartbeat; see state.Leaser.
func (s *Store) Workers(ctx context.Context) ([]state.Worker, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, addr, started_at, seen_at, expires_at FROM cxhub.workers ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("state: list workers: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (state.Worker, error) {
		var w state.Worker
		err := r.Scan(&w.ID, &w.Addr, &w.StartedAt, &w.SeenAt, &w.ExpiresAt)
		w.StartedAt, w.SeenAt, w.ExpiresAt = utc(w.StartedAt), utc(w.SeenAt), utc(w.ExpiresAt)
		return w, err
	})
	if err != nil {
		return nil, fmt.Errorf("state: list workers: %w", err)
	}
	return out, nil
}

// sqlCheckFence is the fencing check at the head of a fenced write's
// transaction: it matches the lease only if it is still the writer's
// (same token) and unexpired, and it locks the lease's row until the
// transaction ends, so a takeover waits for a write in flight and every
// later write under the old token fails.
const sqlCheckFence = `UPDATE cxhub.leases SET last_commit_at = now()
WHERE pipeline = $1 AND token = $2 AND holder <> '' AND expires_at > now()`

// queueFence queues the fencing check of ctx's fence, if it has one, at
// the head of b.
func queueFence(ctx context.Context, b *pgx.Batch) {
	f, ok := state.FenceFrom(ctx)
	if !ok {
		return
	}
	b.Queue(sqlCheckFence, f.Pipeline, f.Token).Exec(func(ct pgconn.CommandTag) error {
		return fenceResult(f, ct)
	})
}

func fenceResult(f state.Fence, ct pgconn.CommandTag) error {
	if ct.RowsAffected() == 0 {
		return fmt.Errorf("pipeline %s, token %d: %w", f.Pipeline, f.Token, state.ErrFenced)
	}
	return nil
}

// checkFence runs the fencing check of ctx's fence, if any, in tx.
func checkFence(ctx context.Context, tx pgx.Tx) error {
	f, ok := state.FenceFrom(ctx)
	if !ok {
		return nil
	}
	ct, err := tx.Exec(ctx, sqlCheckFence, f.Pipeline, f.Token)
	if err != nil {
		return err
	}
	return fenceResult(f, ct)
}
