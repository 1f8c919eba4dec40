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

// TestFingerprintsMigration: a database of schema version 4 keeps its
// fingerprints when it is migrated (statetest.RunFingerprintsMigration).
func TestFingerprintsMigration(t *testing.T) {
	statetest.RunFingerprintsMigration(t, func(t *testing.T, links []state.Link, fps []statetest.V4Fingerprint) state.Store {
		ctx := context.Background()
		dsn := srv.NewDatabase(t)
		old, err := open(ctx, dsn, false, migrations[:4])
		if err != nil {
			t.Fatalf("open at version 4: %v", err)
		}
		for _, l := range links {
			if _, err := old.pool.Exec(ctx, `INSERT INTO cxhub.links (src_connection, src_stream, src_key, dst_connection, dst_stream, dst_id, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, now(), now())`, l.SrcConnection, l.SrcStream, []byte(l.SrcKey), l.DstConnection, l.DstStream, []byte(l.DstID)); err != nil {
				t.Fatal(err)
			}
		}
		for _, f := range fps {
			if _, err := old.pool.Exec(ctx, `INSERT INTO cxhub.fingerprints (scope, connection, stream, key, data, updated_at) VALUES ($1, $2, $3, $4, $5, now())`,
				f.Scope, f.Connection, f.Stream, []byte(f.Key), f.Data); err != nil {
				t.Fatal(err)
			}
		}
		old.Close()
		s, err := Open(ctx, dsn)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	})
}
