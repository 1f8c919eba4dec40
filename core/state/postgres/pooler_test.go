package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestStartupParametersAPoolerAccepts: a worker's connections carry no
// startup parameter that PgBouncer refuses with its default settings
// ("unsupported startup parameter: idle_in_transaction_session_timeout"
// kept every worker from connecting through it, session mode included):
// application_name is the only one cxhub adds.
func TestStartupParametersAPoolerAccepts(t *testing.T) {
	cfg, err := parseDSN("postgres://cxhub@db.internal:6432/cxhub?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range cfg.ConnConfig.RuntimeParams {
		if k != "application_name" {
			t.Errorf("startup parameter %s=%s: PgBouncer refuses it unless told to ignore it", k, v)
		}
	}
}

// TestIdleTransactionEnded: the store's transactions, and only they, run
// with idle_in_transaction_session_timeout (5 s, or the DSN's): a
// transaction left idle past it — a worker paused in the middle of a
// commit, holding its lease's row lock — is ended by the server.
func TestIdleTransactionEnded(t *testing.T) {
	ctx := context.Background()
	dsn := srv.NewDatabase(t)
	show := func(s *Store) (inTx, outside string) {
		t.Helper()
		if err := s.write(ctx, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, "SHOW idle_in_transaction_session_timeout").Scan(&inTx)
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.pool.QueryRow(ctx, "SHOW idle_in_transaction_session_timeout").Scan(&outside); err != nil {
			t.Fatal(err)
		}
		return inTx, outside
	}
	s := mustOpen(t, dsn)
	defer s.Close()
	if in, out := show(s); in != "5s" || out != "0" {
		t.Errorf("idle_in_transaction_session_timeout = %s in a transaction, %s outside; want 5s and the server's 0", in, out)
	}

	short := mustOpen(t, dsn+" idle_in_transaction_session_timeout=300ms")
	defer short.Close()
	if in, _ := show(short); in != "300ms" {
		t.Errorf("idle_in_transaction_session_timeout in a transaction = %s; want the DSN's 300ms", in)
	}
	err := short.write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT 1"); err != nil {
			return err
		}
		time.Sleep(time.Second) // paused
		_, err := tx.Exec(ctx, "SELECT 1")
		return err
	})
	if err == nil {
		t.Error("a transaction idle for 1 s with a 300ms timeout went on; want it ended by the server")
	}
}
