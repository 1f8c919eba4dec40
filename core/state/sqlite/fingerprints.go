package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// sqlUpsertFingerprints upserts n fingerprints, replacing the scope's
// previous one for each object: ?1 is the time, then five parameters a
// fingerprint. A key twice in one statement is upserted twice, in order:
// the last one wins. Like links, they go linkChunk to a statement.
func sqlUpsertFingerprints(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO fingerprints (scope, connection, stream, key, data, updated_at) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		p := 2 + 5*i
		fmt.Fprintf(&b, "(?%d, ?%d, ?%d, ?%d, ?%d, ?1)", p, p+1, p+2, p+3, p+4)
	}
	b.WriteString(`
ON CONFLICT (scope, connection, stream, key) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`)
	return b.String()
}

// fingerprintStmts returns the statements writeFingerprints needs for n
// fingerprints, by size, preparing those missing; before the transaction,
// as linkStmts.
func (s *Store) fingerprintStmts(ctx context.Context, n int) (map[int]*sql.Stmt, error) {
	var sizes []int
	if n >= linkChunk {
		sizes = append(sizes, linkChunk)
	}
	if n%linkChunk != 0 {
		sizes = append(sizes, n%linkChunk)
	}
	if len(sizes) == 0 {
		return nil, nil
	}
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if s.upsertFingerprints == nil {
		s.upsertFingerprints = make(map[int]*sql.Stmt)
	}
	out := make(map[int]*sql.Stmt, len(sizes))
	for _, size := range sizes {
		st := s.upsertFingerprints[size]
		if st == nil {
			var err error
			if st, err = s.w.PrepareContext(ctx, sqlUpsertFingerprints(size)); err != nil {
				return nil, fmt.Errorf("prepare: %w", err)
			}
			s.upsertFingerprints[size] = st
		}
		out[size] = st
	}
	return out, nil
}

// writeFingerprints upserts fps in tx with the statements of
// fingerprintStmts. ectx is for the driver (see commit); ctx is looked at
// between statements.
func writeFingerprints(ctx, ectx context.Context, tx *sql.Tx, stmts map[int]*sql.Stmt, fps []Fingerprint, now int64) error {
	args := make([]any, 0, 1+5*min(len(fps), linkChunk))
	for len(fps) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		chunk := fps[:min(len(fps), linkChunk)]
		fps = fps[len(chunk):]
		args = append(args[:0], now)
		for _, f := range chunk {
			args = append(args, f.Scope, f.Connection, f.Stream, f.Key, f.Data)
		}
		if _, err := tx.StmtContext(ectx, stmts[len(chunk)]).ExecContext(ectx, args...); err != nil {
			return fmt.Errorf("fingerprints: %w", err)
		}
	}
	return nil
}

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
