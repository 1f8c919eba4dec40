package postgres

import (
	"context"
	"testing"

	"github.com/cxhub/cxhub/core/state"
)

// TestConflictValuesAcrossTheUpgrade: schema version 7 keeps a
// conflict's exact bytes without changing what version 6 wrote and read,
// so that a rolling upgrade works: the conflicts of a version 6 database
// keep their values, and a worker of the previous version, still running
// once the database was migrated, records and lists conflicts as before
// (its statements, prepared on its connections, name value_a and value_b
// as text).
func TestConflictValuesAcrossTheUpgrade(t *testing.T) {
	ctx := context.Background()
	dsn := srv.NewDatabase(t)
	old, err := open(ctx, dsn, false, migrations[:6])
	if err != nil {
		t.Fatalf("open at version 6: %v", err)
	}
	defer old.Close()
	// Version 6's statements, as its workers prepared them.
	const insertV6 = `INSERT INTO cxhub.conflicts
	(sync, pipeline, run_id, connection, stream, key, field, value_a, value_b, rule, winner, created_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`
	const listV6 = `SELECT value_a, value_b FROM cxhub.conflicts ORDER BY id`
	insert := func(key, a, b string) error {
		_, err := old.pool.Exec(ctx, insertV6, "people", "p", nil, "crm", "contacts", []byte(key), "city", a, b, "manual", "", now())
		return err
	}
	list := func() ([][2]string, error) {
		rows, err := old.pool.Query(ctx, listV6)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out [][2]string
		for rows.Next() {
			var v [2]string
			if err := rows.Scan(&v[0], &v[1]); err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, rows.Err()
	}
	if err := insert("k1", `"café"`, `{"x":[1,2]}`); err != nil {
		t.Fatal(err)
	}
	if _, err := list(); err != nil { // prepared before the migration
		t.Fatal(err)
	}

	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	run, err := s.StartRun(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	latin1 := "\"caf\xe9\""
	if err := s.Commit(ctx, state.Commit{RunID: run, Pipeline: "p", Conflicts: []state.Conflict{{Sync: "people", Connection: "crm",
		Stream: "contacts", Key: "k2", Field: "city", ValueA: latin1, ValueB: `"x"`, Rule: "manual"}}}); err != nil {
		t.Fatal(err)
	}
	if err := insert("k3", `"old"`, `"worker"`); err != nil {
		t.Errorf("a version 6 worker records a conflict after the migration: %v", err)
	}
	if got, err := list(); err != nil || len(got) != 3 {
		t.Errorf("a version 6 worker lists the conflicts after the migration: %q, %v", got, err)
	}
	got, err := s.Conflicts(ctx, state.ConflictFilter{})
	if err != nil || len(got) != 3 {
		t.Fatalf("Conflicts = %+v, %v", got, err)
	}
	want := map[string][2]string{"k1": {`"café"`, `{"x":[1,2]}`}, "k2": {latin1, `"x"`}, "k3": {`"old"`, `"worker"`}}
	for _, c := range got {
		if w := want[c.Key]; c.ValueA != w[0] || c.ValueB != w[1] {
			t.Errorf("conflict %s: values %q, %q; want %q, %q", c.Key, c.ValueA, c.ValueB, w[0], w[1])
		}
	}
}
