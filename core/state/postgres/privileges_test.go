package postgres

import (
	"context"
	"strings"
	"testing"
)

// TestOpenWithSchemaCreatedByDBA: a role without CREATE on the database
// is told how to get the cxhub schema (docs/scale-out.md, Privileges);
// once a DBA created the schema for it (CREATE SCHEMA cxhub AUTHORIZATION
// ...), Open migrates into it, and reopening works too.
func TestOpenWithSchemaCreatedByDBA(t *testing.T) {
	ctx := context.Background()
	const role = "cxhub_app_no_create"
	admin := srv.DSN("postgres")
	exec(t, admin, `DROP ROLE IF EXISTS `+role, `CREATE ROLE `+role+` LOGIN PASSWORD 'pw-of-app'`)
	t.Cleanup(func() { exec(t, admin, `DROP ROLE IF EXISTS `+role) }) // after the database is dropped
	dsn := srv.NewDatabase(t)
	db := query[string](t, dsn, "SELECT current_database()")
	exec(t, dsn,
		`REVOKE ALL ON DATABASE `+db+` FROM PUBLIC`,
		`GRANT CONNECT, TEMPORARY ON DATABASE `+db+` TO `+role)
	appDSN := srv.TCPDSN(role, "pw-of-app", db)

	_, err := Open(ctx, appDSN)
	if err == nil || !strings.Contains(err.Error(), "CREATE SCHEMA cxhub AUTHORIZATION "+role) {
		t.Fatalf("Open without the schema nor CREATE on the database = %v; want an error saying how to create the schema", err)
	}

	exec(t, dsn, `CREATE SCHEMA cxhub AUTHORIZATION `+role)
	for i := range 2 {
		s, err := Open(ctx, appDSN)
		if err != nil {
			t.Fatalf("Open #%d as a role without CREATE on the database, into the schema a DBA created for it: %v", i+1, err)
		}
		if _, err := s.StartRun(ctx, "p"); err != nil {
			t.Errorf("StartRun #%d: %v", i+1, err)
		}
		s.Close()
	}
	if v := query[int](t, dsn, "SELECT max(version) FROM cxhub.schema_version"); v != SchemaVersion() {
		t.Errorf("schema version = %d, want %d", v, SchemaVersion())
	}
}
