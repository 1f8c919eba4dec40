package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// sqlLookupFingerprints finds the fingerprints a scope keeps on the links
// of a pair of streams, for a JSON array of source keys: one primary-key
// search per key.
const sqlLookupFingerprints = `SELECT src_key, fingerprint FROM links
	WHERE src_connection = ?1 AND src_stream = ?2 AND dst_connection = ?3 AND dst_stream = ?4
	AND src_key IN (SELECT value FROM json_each(?6)) AND fp_scope = ?5`

// sqlLookupFingerprintsByDst is sqlLookupFingerprints by destination ids,
// through links_by_dst; the most recently relinked last.
const sqlLookupFingerprintsByDst = `SELECT dst_id, fingerprint FROM links INDEXED BY links_by_dst
	WHERE dst_connection = ?3 AND dst_stream = ?4 AND dst_id IN (SELECT value FROM json_each(?6))
	AND src_connection = ?1 AND src_stream = ?2 AND fp_scope = ?5
	ORDER BY updated_at`

// sqlLookupFingerprint and sqlLookupFingerprintByDst are the same for one key.
const (
	sqlLookupFingerprint = `SELECT src_key, fingerprint FROM links
	WHERE src_connection = ?1 AND src_stream = ?2 AND dst_connection = ?3 AND dst_stream = ?4
	AND src_key = ?6 AND fp_scope = ?5`
	sqlLookupFingerprintByDst = `SELECT dst_id, fingerprint FROM links INDEXED BY links_by_dst
	WHERE dst_connection = ?3 AND dst_stream = ?4 AND dst_id = ?6
	AND src_connection = ?1 AND src_stream = ?2 AND fp_scope = ?5
	ORDER BY updated_at`
)

// LookupFingerprints returns the fingerprints q names for the given keys:
// key → data. Keys without one are absent. It is one query for the whole
// set of keys (those that are not valid UTF-8, which JSON cannot carry,
// are looked up one by one).
func (s *Store) LookupFingerprints(ctx context.Context, q FingerprintQuery, keys []string) (map[string][]byte, error) {
	out := make(map[string][]byte, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	many, one := sqlLookupFingerprints, sqlLookupFingerprint
	if q.ByDst {
		many, one = sqlLookupFingerprintsByDst, sqlLookupFingerprintByDst
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
		rows, err := s.r.QueryContext(ctx, query, q.SrcConnection, q.SrcStream, q.DstConnection, q.DstStream, q.Scope, arg)
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
	fail := func(err error) error {
		return fmt.Errorf("state: look up fingerprints %s of %s/%s → %s/%s: %w", q.Scope, q.SrcConnection, q.SrcStream, q.DstConnection, q.DstStream, err)
	}
	if len(valid) > 0 {
		arg, err := json.Marshal(valid)
		if err == nil {
			err = read(many, string(arg))
		}
		if err != nil {
			return nil, fail(err)
		}
	}
	for _, k := range odd {
		if err := read(one, k); err != nil {
			return nil, fail(err)
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
