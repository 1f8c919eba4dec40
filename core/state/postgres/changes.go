package postgres

import (
	"context"
	"fmt"

	"github.com/cxhub/cxhub/core/state"
)

var _ state.ChangeCounter = (*Store)(nil)

// ChangeCount is the server's current transaction snapshot as text
// (xmin:xmax:in-progress ids): it changes when any transaction that writes
// gets its id, and again when it ends, in any database of the server, and
// never for read-only transactions such as this query. It reads no table.
func (s *Store) ChangeCount(ctx context.Context) (string, error) {
	var snap string
	if err := s.pool.QueryRow(ctx, `SELECT txid_current_snapshot()::text`).Scan(&snap); err != nil {
		return "", fmt.Errorf("state: read the change count of %s: %w", s.location, err)
	}
	return snap, nil
}
