package pgtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestStartConnectStop starts a server, creates a database, connects to it
// through the socket and checks that a wrong password is refused over TCP.
func TestStartConnectStop(t *testing.T) {
	s := StartT(t)
	ctx := context.Background()
	dsn := s.NewDatabase(t)
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var one int
	if err := c.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 = %d, %v", one, err)
	}
	if err := s.Exec(ctx, "postgres", "CREATE ROLE alice LOGIN PASSWORD 'right-password'"); err != nil {
		t.Fatal(err)
	}
	if c, err := pgx.Connect(ctx, s.TCPDSN("alice", "right-password", "postgres")); err != nil {
		t.Errorf("right password refused: %v", err)
	} else {
		c.Close(ctx)
	}
	if _, err := pgx.Connect(ctx, s.TCPDSN("alice", "wrong-password", "postgres")); err == nil {
		t.Error("a wrong password was accepted over TCP")
	}
}
