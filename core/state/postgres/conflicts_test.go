package postgres

import (
	"context"
	"testing"

	"github.com/cxhub/cxhub/core/state"
)

// TestConflictValuesMigrateToBytes: the conflicts of a database of schema
// version 6 (values as text) keep their values, byte for byte, when it is
// migrated to bytea values.
func TestConflictValuesMigrateToBytes(t *testing.T) {
	ctx := context.Background()
	dsn := srv.NewDatabase(t)
	old, err := open(ctx, dsn, false, migrations[:6])
	if err != nil {
		t.Fatalf("open at version 6: %v", err)
	}
	const a, b = `"café"`, `{"x":[1,2]}`
	if _, err := old.pool.Exec(ctx, `INSERT INTO cxhub.conflicts (sync, pipeline, connection, stream, key, field, value_a, value_b, rule, winner, created_at)
		VALUES ('people', 'p', 'crm', 'contacts', 'k1', 'city', $1, $2, 'manual', '', now())`, a, b); err != nil {
		t.Fatal(err)
	}
	old.Close()
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	got, err := s.Conflicts(ctx, state.ConflictFilter{})
	if err != nil || len(got) != 1 || got[0].ValueA != a || got[0].ValueB != b || got[0].Key != "k1" {
		t.Fatalf("conflicts after the migration = %+v, %v; want values %s and %s", got, err, a, b)
	}
}
