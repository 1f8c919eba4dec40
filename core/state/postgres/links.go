package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// sqlLookupLinks finds, for an array of keys, the links in both
// directions — the first half by the primary key, the second by
// links_by_dst — and keeps one per key: a forward link wins; of reverse
// links, the most recently updated (then the greatest id, to be
// deterministic).
const sqlLookupLinks = `SELECT DISTINCT ON (k) k, id FROM (
	SELECT src_key AS k, dst_id AS id, true AS forward, updated_at FROM cxhub.links
		WHERE src_connection = $1 AND src_stream = $2 AND dst_connection = $3 AND dst_stream = $4 AND src_key = ANY($5::bytea[])
	UNION ALL
	SELECT dst_id, src_key, false, updated_at FROM cxhub.links
		WHERE dst_connection = $1 AND dst_stream = $2 AND src_connection = $3 AND src_stream = $4 AND dst_id = ANY($5::bytea[])
) found
ORDER BY k, forward DESC, updated_at DESC, id DESC`

// LookupLinks returns, for the given keys of records of (srcConnection,
// srcStream), the ids of the objects they are linked to in (dstConnection,
// dstStream): key → id; keys without a link are absent. A link works both
// ways: see state.Store. It is one query whatever the number of keys.
func (s *Store) LookupLinks(ctx context.Context, srcConnection, srcStream, dstConnection, dstStream string, keys []string) (map[string]string, error) {
	out := make(map[string]string, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	arg := make([][]byte, len(keys))
	for i, k := range keys {
		arg[i] = []byte(k)
	}
	rows, err := s.pool.Query(ctx, sqlLookupLinks, srcConnection, srcStream, dstConnection, dstStream, arg)
	if err != nil {
		return nil, fmt.Errorf("state: look up links %s/%s → %s/%s: %w", srcConnection, srcStream, dstConnection, dstStream, err)
	}
	var k, id []byte
	_, err = pgx.ForEachRow(rows, []any{&k, &id}, func() error {
		out[string(k)] = string(id)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("state: look up links %s/%s → %s/%s: %w", srcConnection, srcStream, dstConnection, dstStream, err)
	}
	return out, nil
}

// CountLinks returns how many links the store holds.
func (s *Store) CountLinks(ctx context.Context) (int64, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM cxhub.links`).Scan(&n); err != nil {
		return 0, fmt.Errorf("state: count links: %w", err)
	}
	return n, nil
}
