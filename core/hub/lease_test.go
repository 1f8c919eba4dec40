package hub

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/core/state/postgres"
	"github.com/cxhub/cxhub/core/state/postgres/pgtest"
)

// TestCLILeaseOnPostgres: on a PostgreSQL state, a writing command of the
// hub (state reset) is refused while a worker holds the pipeline's lease,
// naming the worker, and writes nothing; once the lease is free it runs
// under the lease (a new token) and gives it back.
func TestCLILeaseOnPostgres(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.StartT(t).NewDatabase(t)
	t.Setenv("CXHUB_PG_DSN", dsn)
	cfgPath := filepath.Join(t.TempDir(), "cxhub.yaml")
	if err := os.WriteFile(cfgPath, []byte("version: 1\nstate: {driver: postgres, dsn: \"${CXHUB_PG_DSN}\"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	worker, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer worker.Close()
	l, err := worker.AcquireLease(ctx, "p", "w1#abc", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	fenced := state.WithFence(ctx, state.Fence{Pipeline: "p", Token: l.Token})
	run, err := worker.StartRun(fenced, "p")
	if err == nil {
		err = worker.Commit(fenced, state.Commit{RunID: run, Pipeline: "p", Checkpoints: []state.Checkpoint{{Stream: "s", State: []byte("c1")}}})
	}
	if err != nil {
		t.Fatal(err)
	}

	h := New(Options{ConfigPath: cfgPath, LogOutput: &strings.Builder{}})
	defer h.Close()
	_, err = h.ResetCheckpoints(ctx, "p")
	if !errors.Is(err, state.ErrLeaseHeld) || !strings.Contains(err.Error(), "worker w1 ") || !strings.Contains(err.Error(), "stop that worker") {
		t.Fatalf("a reset while w1 holds the lease = %v; want a refusal naming w1", err)
	}
	if cps, err := worker.Checkpoints(ctx, "p"); err != nil || len(cps) != 1 {
		t.Fatalf("checkpoints after the refused reset: %v, %v", cps, err)
	}

	if err := worker.ReleaseLease(ctx, l); err != nil {
		t.Fatal(err)
	}
	if n, err := h.ResetCheckpoints(ctx, "p"); err != nil || n != 1 {
		t.Fatalf("a reset with the lease free = %d, %v", n, err)
	}
	leases, err := worker.Leases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(leases) != 1 || leases[0].Holder != "" || leases[0].Token != l.Token+1 {
		t.Errorf("leases after the reset %+v: want p's taken (token %d) and given back", leases, l.Token+1)
	}
}

// TestCLILeaseHeldByAnotherCommand: while another cxhub command (not a
// worker) holds the pipeline's lease, a writing command is refused with
// that said — wait for it or stop it — not with the advice for a worker
// (stop the worker, trigger the pipeline on its API), which has none.
func TestCLILeaseHeldByAnotherCommand(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.StartT(t).NewDatabase(t)
	t.Setenv("CXHUB_PG_DSN", dsn)
	cfgPath := filepath.Join(t.TempDir(), "cxhub.yaml")
	if err := os.WriteFile(cfgPath, []byte("version: 1\nstate: {driver: postgres, dsn: \"${CXHUB_PG_DSN}\"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	other, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.AcquireLease(ctx, "p", "cli ops-host:4242#0123456789abcdef", time.Minute); err != nil {
		t.Fatal(err)
	}
	h := New(Options{ConfigPath: cfgPath, LogOutput: &strings.Builder{}})
	defer h.Close()
	_, err = h.ResetCheckpoints(ctx, "p")
	if !errors.Is(err, state.ErrLeaseHeld) {
		t.Fatalf("a reset while another command holds the lease = %v; want ErrLeaseHeld", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "another cxhub command (ops-host:4242)") || strings.Contains(msg, "run by worker") || strings.Contains(msg, "/trigger") {
		t.Errorf("refusal = %q; want it to name the other command (ops-host:4242), without a worker's advice", msg)
	}
}
