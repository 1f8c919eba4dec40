package postgres

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/cxhub/cxhub/core/state"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// sqlUpsertFingerprints upserts the fingerprints of one scope and stream:
// $4 and $5 are the keys and data.
const sqlUpsertFingerprints = `INSERT INTO cxhub.fingerprints AS f (scope, connection, stream, key, data, updated_at)
SELECT $1, $2, $3, u.k, u.d, $6 FROM unnest($4::bytea[], $5::bytea[]) AS u(k, d)
ON CONFLICT (scope, connection, stream, key) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`

// fpGroup is the scope and stream of a fingerprint.
type fpGroup struct{ scope, conn, stream string }

// queueFingerprints queues one upsert per scope and stream. A key given
// several times keeps its last fingerprint (PostgreSQL refuses to upsert
// one row twice in a statement); keys are sent sorted, so that concurrent
// commits lock rows in one order.
func queueFingerprints(b *pgx.Batch, fps []state.Fingerprint, t time.Time) {
	if len(fps) == 0 {
		return
	}
	var order []fpGroup
	groups := map[fpGroup]map[string][]byte{}
	for _, f := range fps {
		g := fpGroup{f.Scope, f.Connection, f.Stream}
		m := groups[g]
		if m == nil {
			m = make(map[string][]byte, len(fps))
			groups[g] = m
			order = append(order, g)
		}
		m[f.Key] = f.Data
	}
	for _, g := range order {
		m := groups[g]
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for len(keys) > 0 {
			chunk := keys[:min(len(keys), linkChunk)]
			keys = keys[len(chunk):]
			ks := make([][]byte, len(chunk))
			data := make([][]byte, len(chunk))
			for i, k := range chunk {
				ks[i], data[i] = []byte(k), m[k]
			}
			b.Queue(sqlUpsertFingerprints, g.scope, g.conn, g.stream, ks, data, t)
		}
	}
}

const sqlInsertConflict = `INSERT INTO cxhub.conflicts
	(sync, pipeline, run_id, connection, stream, key, field, value_a, value_b, rule, winner, created_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`

// queueConflicts queues the insert of new conflicts and the choices made
// for parked ones; a choice for a conflict that is not parked fails the
// commit with state.ErrNotFound.
func queueConflicts(b *pgx.Batch, c *state.Commit, t time.Time) {
	for _, cf := range c.Conflicts {
		pipeline := cf.Pipeline
		if pipeline == "" {
			pipeline = c.Pipeline
		}
		var run *int64
		if id := cf.RunID; id != 0 {
			run = &id
		} else if c.RunID != 0 {
			run = &c.RunID
		}
		b.Queue(sqlInsertConflict, cf.Sync, pipeline, run, cf.Connection, cf.Stream, []byte(cf.Key), cf.Field,
			cf.ValueA, cf.ValueB, cf.Rule, cf.Winner, t)
	}
	for _, ch := range c.Chosen {
		id := ch.ID
		b.Queue(`UPDATE cxhub.conflicts SET winner = $1 WHERE id = $2 AND winner = ''`, ch.Winner, id).Exec(func(ct pgconn.CommandTag) error {
			if ct.RowsAffected() == 0 {
				return fmt.Errorf("conflict %d: not parked: %w", id, state.ErrNotFound)
			}
			return nil
		})
	}
}

// LookupFingerprints returns the fingerprints of scope for the given keys
// of (connection, stream): key → data; keys without one are absent. It is
// one query whatever the number of keys.
func (s *Store) LookupFingerprints(ctx context.Context, scope, connection, stream string, keys []string) (map[string][]byte, error) {
	out := make(map[string][]byte, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	arg := make([][]byte, len(keys))
	for i, k := range keys {
		arg[i] = []byte(k)
	}
	rows, err := s.pool.Query(ctx, `SELECT key, data FROM cxhub.fingerprints
		WHERE scope = $1 AND connection = $2 AND stream = $3 AND key = ANY($4::bytea[])`, scope, connection, stream, arg)
	if err != nil {
		return nil, fmt.Errorf("state: look up fingerprints %s of %s/%s: %w", scope, connection, stream, err)
	}
	var k, data []byte
	_, err = pgx.ForEachRow(rows, []any{&k, &data}, func() error {
		out[string(k)] = append([]byte(nil), data...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("state: look up fingerprints %s of %s/%s: %w", scope, connection, stream, err)
	}
	return out, nil
}

// Conflicts lists the conflicts of two-way syncs, newest first.
func (s *Store) Conflicts(ctx context.Context, f state.ConflictFilter) ([]state.Conflict, error) {
	var limit *int
	if f.Limit > 0 {
		limit = &f.Limit
	}
	rows, err := s.pool.Query(ctx, `SELECT id, sync, pipeline, coalesce(run_id, 0), connection, stream, key, field,
		value_a, value_b, rule, winner, created_at FROM cxhub.conflicts
		WHERE ($1::text = '' OR sync = $1::text) AND ($2::bigint = 0 OR id = $2::bigint) ORDER BY id DESC LIMIT $3`, f.Sync, f.ID, limit)
	if err != nil {
		return nil, fmt.Errorf("state: list conflicts: %w", err)
	}
	var (
		out []state.Conflict
		c   state.Conflict
		key []byte
	)
	_, err = pgx.ForEachRow(rows, []any{&c.ID, &c.Sync, &c.Pipeline, &c.RunID, &c.Connection, &c.Stream, &key, &c.Field,
		&c.ValueA, &c.ValueB, &c.Rule, &c.Winner, &c.CreatedAt}, func() error {
		c.Key = string(key)
		c.CreatedAt = c.CreatedAt.UTC()
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("state: list conflicts: %w", err)
	}
	return out, nil
}
