package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// sqlUpsertFingerprint writes one fingerprint, replacing the scope's
// previous one for the object.
const sqlUpsertFingerprint = `INSERT INTO fingerprints (scope, connection, stream, key, data, updated_at)
	VALUES (?1, ?2, ?3, ?4, ?5, ?6)
	ON CONFLICT (scope, connection, stream, key) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`

// sqlLookupFingerprints finds the fingerprints of a JSON array of keys: one
// primary-key search per key.
const sqlLookupFingerprints = `SELECT key, data FROM fingerprints
	WHERE scope = ?1 AND connection = ?2 AND stream = ?3 AND key IN (SELECT value FROM json_each(?4))`

// sqlLookupFingerprint is sqlLookupFingerprints for one key.
const sqlLookupFingerprint = `SELECT key, data FROM fingerprints
	WHERE scope = ?1 AND connection = ?2 AND stream = ?3 AND key = ?4`

// LookupFingerprints returns the fingerprints of scope for the given keys
// of (connection, stream): key → data. Keys without one are absent. It is
// one query for the whole set of keys (those that are not valid UTF-8,
// which JSON cannot carry, are looked up one by one).
func (s *Store) LookupFingerprints(ctx context.Context, scope, connection, stream string, keys []string) (map[string][]byte, error) {
	out := make(map[string][]byte, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	var valid, odd []string
	for _, k := range keys {
		if utf8.ValidString(k) {
			valid = append(valid, k)
		} else {
			odd = append(odd, k)
		}
	}
	read := func(query string, arg string) error {
		rows, err := s.r.QueryContext(ctx, query, scope, connection, stream, arg)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				key  string
				data []byte
			)
			if err := rows.Scan(&key, &data); err != nil {
				return err
			}
			out[key] = data
		}
		return rows.Err()
	}
	if len(valid) > 0 {
		arg, err := json.Marshal(valid)
		if err == nil {
			err = read(sqlLookupFingerprints, string(arg))
		}
		if err != nil {
			return nil, fmt.Errorf("state: look up fingerprints %s of %s/%s: %w", scope, connection, stream, err)
		}
	}
	for _, k := range odd {
		if err := read(sqlLookupFingerprint, k); err != nil {
			return nil, fmt.Errorf("state: look up fingerprints %s of %s/%s: %w", scope, connection, stream, err)
		}
	}
	return out, nil
}

const sqlInsertConflict = `INSERT INTO conflicts
	(sync, pipeline, run_id, connection, stream, key, field, value_a, value_b, rule, winner, created_at)
	VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)`

// Conflicts lists the conflicts of two-way syncs, newest first.
func (s *Store) Conflicts(ctx context.Context, f ConflictFilter) ([]Conflict, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, sync, pipeline, coalesce(run_id, 0), connection, stream, key, field,
		value_a, value_b, rule, winner, created_at FROM conflicts
		WHERE (?1 = '' OR sync = ?1) AND (?3 = 0 OR id = ?3) ORDER BY id DESC LIMIT ?2`, f.Sync, limit, f.ID)
	if err != nil {
		return nil, fmt.Errorf("state: list conflicts: %w", err)
	}
	defer rows.Close()
	var out []Conflict
	for rows.Next() {
		var (
			c  Conflict
			at int64
		)
		if err := rows.Scan(&c.ID, &c.Sync, &c.Pipeline, &c.RunID, &c.Connection, &c.Stream, &c.Key, &c.Field,
			&c.ValueA, &c.ValueB, &c.Rule, &c.Winner, &at); err != nil {
			return nil, fmt.Errorf("state: list conflicts: %w", err)
		}
		c.CreatedAt = fromMS(at)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: list conflicts: %w", err)
	}
	return out, nil
}
