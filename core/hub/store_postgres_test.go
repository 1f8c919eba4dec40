package hub

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/core/state/postgres/pgtest"
)

// TestPostgresState: a config naming the postgres driver gets a PostgreSQL
// store from the hub, writer and reader, and neither shows the password.
func TestPostgresState(t *testing.T) {
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
	if err := os.WriteFile(cfgPath, []byte("version: 1\nstate: {driver: postgres, dsn: \"${CXHUB_PG_DSN}\"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	h := New(Options{ConfigPath: cfgPath, LogOutput: &strings.Builder{}})
	r, err := h.ReadStore()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.StartRun(ctx, "p"); err == nil {
		t.Error("the read-only store wrote")
	}
	w, err := h.Store()
	if err != nil {
		t.Fatal(err)
	}
	run, err := w.StartRun(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(ctx, state.Commit{RunID: run, Pipeline: "p", Checkpoints: []state.Checkpoint{{Stream: "s", State: []byte("c1")}}}); err != nil {
		t.Fatal(err)
	}
	if loc := w.Location(); strings.Contains(loc, "hub-pass-42") || !strings.Contains(loc, "hubtest@127.0.0.1") {
		t.Errorf("Location = %q", loc)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}

	// A wrong password: the hub's error says so, without the password.
	t.Setenv("CXHUB_PG_DSN", srv.TCPDSN("hubtest", "wrong-pass-43", "hubtest"))
	h = New(Options{ConfigPath: cfgPath, LogOutput: &strings.Builder{}})
	defer h.Close()
	_, err = h.Store()
	if err == nil || strings.Contains(err.Error(), "wrong-pass-43") || !strings.Contains(err.Error(), "password authentication failed") {
		t.Errorf("Store with a wrong password = %v", err)
	}
}
