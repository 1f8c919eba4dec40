package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/cxhub/cxhub/core/state"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// sqlInsertConflict inserts a conflict: $8 and $9 are its values as text
// (made valid UTF-8), $13 and $14 their exact bytes when text could not
// hold them (NULL otherwise): see conflictValue.
const sqlInsertConflict = `INSERT INTO cxhub.conflicts
	(sync, pipeline, run_id, connection, stream, key, field, value_a, value_b, rule, winner, created_at, value_a_bytes, value_b_bytes)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`

// conflictValue splits a conflict's value (the record's raw JSON) into
// what the text column holds and, if that is not all of it, its exact
// bytes.
func conflictValue(v string) (text string, exact []byte) {
	text = message(v)
	if text != v {
		exact = []byte(v)
	}
	return text, exact
}

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
		a, aExact := conflictValue(cf.ValueA)
		bv, bExact := conflictValue(cf.ValueB)
		b.Queue(sqlInsertConflict, cf.Sync, pipeline, run, cf.Connection, cf.Stream, []byte(cf.Key), cf.Field,
			a, bv, cf.Rule, cf.Winner, t, aExact, bExact)
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

// sqlLookupFingerprints finds the fingerprints a scope keeps on the links
// of a pair of streams, by source keys (the primary key).
const sqlLookupFingerprints = `SELECT src_key, fingerprint FROM cxhub.links
	WHERE src_connection = $1 AND src_stream = $2 AND dst_connection = $3 AND dst_stream = $4
	AND src_key = ANY($6::bytea[]) AND fp_scope = $5`

// sqlLookupFingerprintsByDst is sqlLookupFingerprints by destination ids
// (links_by_dst), the most recently relinked last.
const sqlLookupFingerprintsByDst = `SELECT dst_id, fingerprint FROM cxhub.links
	WHERE dst_connection = $3 AND dst_stream = $4 AND src_connection = $1 AND src_stream = $2
	AND dst_id = ANY($6::bytea[]) AND fp_scope = $5
	ORDER BY updated_at`

// LookupFingerprints returns the fingerprints q names for the given keys:
// key → data; keys without one are absent. It is one query whatever the
// number of keys.
func (s *Store) LookupFingerprints(ctx context.Context, q state.FingerprintQuery, keys []string) (map[string][]byte, error) {
	out := make(map[string][]byte, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	arg := make([][]byte, len(keys))
	for i, k := range keys {
		arg[i] = []byte(k)
	}
	query := sqlLookupFingerprints
	if q.ByDst {
		query = sqlLookupFingerprintsByDst
	}
	fail := func(err error) error {
		return fmt.Errorf("state: look up fingerprints %s of %s/%s → %s/%s: %w", q.Scope, q.SrcConnection, q.SrcStream, q.DstConnection, q.DstStream, err)
	}
	rows, err := s.pool.Query(ctx, query, q.SrcConnection, q.SrcStream, q.DstConnection, q.DstStream, q.Scope, arg)
	if err != nil {
		return nil, fail(err)
	}
	var k, data []byte
	_, err = pgx.ForEachRow(rows, []any{&k, &data}, func() error {
		out[string(k)] = append([]byte(nil), data...)
		return nil
	})
	if err != nil {
		return nil, fail(err)
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
		coalesce(value_a_bytes, convert_to(value_a, 'UTF8')), coalesce(value_b_bytes, convert_to(value_b, 'UTF8')),
		rule, winner, created_at FROM cxhub.conflicts
		WHERE ($1::text = '' OR sync = $1::text) AND ($2::bigint = 0 OR id = $2::bigint) ORDER BY id DESC LIMIT $3`, f.Sync, f.ID, limit)
	if err != nil {
		return nil, fmt.Errorf("state: list conflicts: %w", err)
	}
	var (
		out             []state.Conflict
		c               state.Conflict
		key, valA, valB []byte
	)
	_, err = pgx.ForEachRow(rows, []any{&c.ID, &c.Sync, &c.Pipeline, &c.RunID, &c.Connection, &c.Stream, &key, &c.Field,
		&valA, &valB, &c.Rule, &c.Winner, &c.CreatedAt}, func() error {
		c.Key, c.ValueA, c.ValueB = string(key), string(valA), string(valB)
		c.CreatedAt = c.CreatedAt.UTC()
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("state: list conflicts: %w", err)
	}
	return out, nil
}
