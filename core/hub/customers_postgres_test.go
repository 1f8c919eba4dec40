package hub

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/core/identity"
	"github.com/cxhub/cxhub/core/state/postgres/pgtest"
	"github.com/jackc/pgx/v5"
)

// TestPostgresCustomerIndex: a config whose state is in PostgreSQL gets
// its customer index in the same database (schema cxhub_customers), kept
// across hubs.
func TestPostgresCustomerIndex(t *testing.T) {
	srv := pgtest.StartT(t)
	ctx := context.Background()
	if err := srv.Exec(ctx, "postgres", "CREATE ROLE hubtest LOGIN PASSWORD 'hub-pass-42'", "CREATE DATABASE hubtest OWNER hubtest"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CXHUB_STATE_PATH", "")
	t.Setenv("CXHUB_STATE_DRIVER", "")
	t.Setenv("CXHUB_STATE_DSN", "")
	t.Setenv("CXHUB_PG_DSN", srv.TCPDSN("hubtest", "hub-pass-42", "hubtest"))
	cfgPath := filepath.Join(t.TempDir(), "cxhub.yaml")
	plugins := t.TempDir() // none: the config names no connector
	if err := os.WriteFile(cfgPath, []byte("version: 1\nstate: {driver: postgres, dsn: \"${CXHUB_PG_DSN}\"}\ncustomers: {max_shared: 5}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := New(Options{ConfigPath: cfgPath, PluginsDir: plugins, LogOutput: &strings.Builder{}})
	ix, err := h.CustomerIndex(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ann := identity.Record{Ref: identity.Ref{Connection: "crm", Stream: "contacts", Key: "1"}, Kind: identity.KindCustomer,
		Fields: map[string]string{"email": " Ann@Example.org", "name": "Ann"}}
	if err := ix.Put(ctx, ann); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}

	h = New(Options{ConfigPath: cfgPath, PluginsDir: plugins, LogOutput: &strings.Builder{}})
	defer h.Close()
	p, err := h.Customer(ctx, "ann@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if p.Records != 1 || p.Fields["name"].Value != "Ann" {
		t.Errorf("profile from PostgreSQL: %+v", p)
	}
	var n int
	if err := srvQueryRow(ctx, srv, "hubtest", "SELECT count(*) FROM cxhub_customers.records", &n); err != nil || n != 1 {
		t.Errorf("records in cxhub_customers: %d %v", n, err)
	}
}

func srvQueryRow(ctx context.Context, srv *pgtest.Server, db, q string, dest ...any) error {
	c, err := pgx.Connect(ctx, srv.DSN(db))
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	return c.QueryRow(ctx, q).Scan(dest...)
}
