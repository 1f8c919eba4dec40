package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/core/identity"
	"github.com/cxhub/cxhub/core/identity/postgres"
	"github.com/jackc/pgx/v5"
)

// TestOpenWithSchemaCreatedByDBA: a role without CREATE on the database
// is told how to get the index's schema; once a DBA created it for the
// role (CREATE SCHEMA cxhub_customers AUTHORIZATION ...), Open makes its
// tables there and the index works, reopened too. The index used CREATE
// SCHEMA IF NOT EXISTS, which PostgreSQL refuses without CREATE on the
// database even when the schema exists.
func TestOpenWithSchemaCreatedByDBA(t *testing.T) {
	ctx := context.Background()
	const role = "cxhub_index_no_create"
	if err := srv.Exec(ctx, "postgres", `DROP ROLE IF EXISTS `+role, `CREATE ROLE `+role+` LOGIN PASSWORD 'pw-of-index'`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Exec(context.Background(), "postgres", `DROP ROLE IF EXISTS `+role) })
	dsn := srv.NewDatabase(t)
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var db string
	if err := c.QueryRow(ctx, "SELECT current_database()").Scan(&db); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`REVOKE ALL ON DATABASE ` + db + ` FROM PUBLIC`, `GRANT CONNECT, TEMPORARY ON DATABASE ` + db + ` TO ` + role} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	appDSN := srv.TCPDSN(role, "pw-of-index", db)

	_, err = postgres.Open(ctx, appDSN)
	if err == nil || !strings.Contains(err.Error(), "CREATE SCHEMA cxhub_customers AUTHORIZATION "+role) {
		t.Fatalf("Open without the schema nor CREATE on the database = %v; want an error saying how to create the schema", err)
	}
	if _, err := c.Exec(ctx, `CREATE SCHEMA cxhub_customers AUTHORIZATION `+role); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		s, err := postgres.Open(ctx, appDSN)
		if err != nil {
			t.Fatalf("Open #%d as a role without CREATE on the database, into the schema a DBA created for it: %v", i+1, err)
		}
		if err := s.View(ctx, func(identity.Tx) error { return nil }); err != nil {
			t.Errorf("View #%d: %v", i+1, err)
		}
		s.Close()
	}
}
