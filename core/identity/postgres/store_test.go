package postgres_test

import (
	"context"
	"os"
	"testing"

	"github.com/cxhub/cxhub/core/identity"
	"github.com/cxhub/cxhub/core/identity/identitytest"
	"github.com/cxhub/cxhub/core/identity/postgres"
	"github.com/cxhub/cxhub/core/state/postgres/pgtest"
)

// srv is the package's PostgreSQL server; each test gets a database on it.
var srv *pgtest.Server

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, &srv)) }

// TestAcceptance runs the customer index's storage suite against a real
// PostgreSQL.
func TestAcceptance(t *testing.T) {
	identitytest.Run(t, func(t *testing.T) identity.Store {
		s, err := postgres.Open(context.Background(), srv.NewDatabase(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
