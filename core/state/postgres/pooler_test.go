package postgres

import (
	"context"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"
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

// pooler is a connection pooler's front door as PgBouncer keeps it with
// its default settings: a startup packet with a parameter it does not
// track is refused ("unsupported startup parameter", SQLSTATE 08P01);
// any other connection is passed on to the database server of dsn.
func pooler(t *testing.T, dsn string) (port int) {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	upstream := filepath.Join(cfg.Host, fmt.Sprintf(".s.PGSQL.%d", cfg.Port))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	tracked := map[string]bool{"user": true, "database": true, "application_name": true, "client_encoding": true,
		"datestyle": true, "timezone": true, "standard_conforming_strings": true}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				be := pgproto3.NewBackend(c, c)
				msg, err := be.ReceiveStartupMessage()
				sm, ok := msg.(*pgproto3.StartupMessage)
				if err != nil || !ok {
					return
				}
				for k := range sm.Parameters {
					if !tracked[strings.ToLower(k)] {
						be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "08P01", Message: "unsupported startup parameter: " + k})
						_ = be.Flush()
						return
					}
				}
				up, err := net.Dial("unix", upstream)
				if err != nil {
					return
				}
				defer up.Close()
				buf, err := sm.Encode(nil)
				if err != nil {
					return
				}
				if _, err := up.Write(buf); err != nil {
					return
				}
				go func() { _, _ = io.Copy(up, c) }()
				_, _ = io.Copy(c, up)
			}()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// TestReadOnlyThroughAPooler: the read-only commands (cxhub runs, dlq
// list, ...) open the state through a connection pooler too: PgBouncer
// refuses the default_transaction_read_only startup parameter, so the
// store then reads without it, in read-only transactions, its write
// methods still refused.
func TestReadOnlyThroughAPooler(t *testing.T) {
	ctx := context.Background()
	dsn := srv.NewDatabase(t)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	viaPooler := fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", cfg.User, pooler(t, dsn), cfg.Database)
	w, err := Open(ctx, viaPooler)
	if err != nil {
		t.Fatalf("Open through the pooler: %v", err)
	}
	defer w.Close()
	run, err := w.StartRun(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	r, err := OpenReadOnly(ctx, viaPooler)
	if err != nil {
		t.Fatalf("OpenReadOnly through the pooler: %v", err)
	}
	defer r.Close()
	if got, err := r.Run(ctx, run); err != nil || got.Pipeline != "p" {
		t.Errorf("read-only Run = %+v, %v", got, err)
	}
	if _, err := r.StartRun(ctx, "p"); err == nil {
		t.Error("StartRun on a read-only store succeeded")
	}
	if err := r.write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "DELETE FROM cxhub.runs")
		return err
	}); err == nil {
		t.Error("a write transaction of the read-only store succeeded")
	}
	r.readOnly = false // as if a write method forgot its check: the transaction is read-only still
	if err := r.write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "DELETE FROM cxhub.runs")
		return err
	}); err == nil || !strings.Contains(err.Error(), "read-only transaction") {
		t.Errorf("a DELETE in a transaction of the read-only store = %v, want a read-only refusal", err)
	}
}
