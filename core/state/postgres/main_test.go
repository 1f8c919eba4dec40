package postgres

import (
	"context"
	"os"
	"testing"

	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/core/state/postgres/pgtest"
	"github.com/cxhub/cxhub/core/state/statetest"
)

// srv is the package's PostgreSQL server, started by TestMain; each test
// gets its own database on it.
var srv *pgtest.Server

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, &srv)) }

// openFresh opens a store on a new, empty database, closed at the test's end.
func openFresh(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), srv.NewDatabase(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestAcceptance runs the backend-agnostic state suite against PostgreSQL.
func TestAcceptance(t *testing.T) {
	statetest.Run(t, func(t *testing.T) state.Store {
		s, err := Open(context.Background(), srv.NewDatabase(t))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	})
}
