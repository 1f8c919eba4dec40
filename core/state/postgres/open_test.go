package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/cxhub/cxhub/core/state"
	"github.com/jackc/pgx/v5"
)

// query runs a one-value query on dsn's database, bypassing the store.
func query[T any](t testing.TB, dsn, q string, args ...any) T {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var v T
	if err := c.QueryRow(ctx, q, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v
}

func exec(t testing.TB, dsn string, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	for _, q := range stmts {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func TestOpenCreatesSchemaAndReopens(t *testing.T) {
	ctx := context.Background()
	dsn := srv.NewDatabase(t)
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	run, err := s.StartRun(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if v := query[int](t, dsn, "SELECT max(version) FROM cxhub.schema_version"); v != SchemaVersion() {
		t.Errorf("schema version = %d, want %d", v, SchemaVersion())
	}
	// Reopening migrates nothing and finds the data. Unlike SQLite's Open,
	// it leaves a running run alone: another worker may be running it.
	s, err = Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if r, err := s.Run(ctx, run); err != nil || r.Status != state.RunRunning {
		t.Errorf("run after reopen = %+v, %v", r, err)
	}
	if n := query[int](t, dsn, "SELECT count(*) FROM cxhub.schema_version"); n != SchemaVersion() {
		t.Errorf("%d schema versions recorded, want %d", n, SchemaVersion())
	}
}

// TestNewerSchemaRefused: a database migrated by a newer cxhub is refused,
// by Open and OpenReadOnly, without a write.
func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	dsn := srv.NewDatabase(t)
	s := mustOpen(t, dsn)
	s.Close()
	exec(t, dsn, fmt.Sprintf("INSERT INTO cxhub.schema_version (version) VALUES (%d)", SchemaVersion()+1))
	before := query[string](t, dsn, "SELECT string_agg(version || '@' || applied_at, ',' ORDER BY version) FROM cxhub.schema_version")
	for name, open := range map[string]func(context.Context, string) (*Store, error){"Open": Open, "OpenReadOnly": OpenReadOnly} {
		_, err := open(ctx, dsn)
		if !errors.Is(err, state.ErrNewerSchema) {
			t.Fatalf("%s = %v, want ErrNewerSchema", name, err)
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("schema version %d; this cxhub knows up to %d", SchemaVersion()+1, SchemaVersion())) {
			t.Errorf("%s error does not say the versions: %v", name, err)
		}
	}
	if after := query[string](t, dsn, "SELECT string_agg(version || '@' || applied_at, ',' ORDER BY version) FROM cxhub.schema_version"); after != before {
		t.Errorf("schema versions changed: %s → %s", before, after)
	}
}

// TestForeignSchemaRefused: a cxhub schema that another application made
// is not taken over.
func TestForeignSchemaRefused(t *testing.T) {
	dsn := srv.NewDatabase(t)
	exec(t, dsn, "CREATE SCHEMA cxhub", "CREATE TABLE cxhub.things (id int)")
	_, err := Open(context.Background(), dsn)
	if !errors.Is(err, state.ErrNotStateDatabase) || !strings.Contains(err.Error(), "things") {
		t.Fatalf("Open = %v, want ErrNotStateDatabase naming the table", err)
	}
	if n := query[int](t, dsn, "SELECT count(*) FROM pg_tables WHERE schemaname = 'cxhub'"); n != 1 {
		t.Errorf("Open created tables in a foreign schema: %d tables", n)
	}
	// An empty cxhub schema (made by a DBA for cxhub) is taken.
	dsn = srv.NewDatabase(t)
	exec(t, dsn, "CREATE SCHEMA cxhub")
	mustOpen(t, dsn).Close()
}

// TestMigrationStepIsTransactional: a step that fails part-way leaves the
// database at the previous version, with nothing of the step in it, and
// the next Open (with the step fixed) applies it.
func TestMigrationStepIsTransactional(t *testing.T) {
	ctx := context.Background()
	dsn := srv.NewDatabase(t)
	mustOpen(t, dsn).Close()
	broken := append(append([]string(nil), migrations...),
		`CREATE TABLE cxhub.newer (id int); ALTER TABLE cxhub.runs ADD COLUMN worker text; SELECT 1/0;`)
	_, err := open(ctx, dsn, false, broken)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("migrate to schema version %d", len(broken))) ||
		!strings.Contains(err.Error(), "division by zero") {
		t.Fatalf("open with a broken step = %v", err)
	}
	if v := query[int](t, dsn, "SELECT max(version) FROM cxhub.schema_version"); v != SchemaVersion() {
		t.Errorf("version after a failed step = %d, want %d", v, SchemaVersion())
	}
	if n := query[int](t, dsn, "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'cxhub' AND (table_name = 'newer' OR column_name = 'worker')"); n != 0 {
		t.Errorf("the failed step left %d of its changes", n)
	}
	// The fixed step applies, and this code then refuses the newer database.
	fixed := append(append([]string(nil), migrations...), `CREATE TABLE cxhub.newer (id int); ALTER TABLE cxhub.runs ADD COLUMN worker text;`)
	s, err := open(ctx, dsn, false, fixed)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if v := query[int](t, dsn, "SELECT max(version) FROM cxhub.schema_version"); v != len(fixed) {
		t.Errorf("version = %d, want %d", v, len(fixed))
	}
	if _, err := Open(ctx, dsn); !errors.Is(err, state.ErrNewerSchema) {
		t.Errorf("Open after a newer step = %v, want ErrNewerSchema", err)
	}

	// On a fresh database, a failing second step leaves version 1 complete.
	dsn = srv.NewDatabase(t)
	if _, err := open(ctx, dsn, false, []string{migrations[0], `CREATE TABLE cxhub.half (id int); SELECT 1/0;`}); err == nil {
		t.Fatal("a broken second step succeeded")
	}
	if v := query[int](t, dsn, "SELECT max(version) FROM cxhub.schema_version"); v != 1 {
		t.Errorf("version = %d, want 1", v)
	}
	if half := query[bool](t, dsn, "SELECT to_regclass('cxhub.half') IS NOT NULL"); half {
		t.Error("the failed step's table exists")
	}
}

// TestConcurrentOpensMigrateOnce: processes opening a new database at once
// wait for each other's steps (the advisory lock) instead of failing on
// tables that another just created.
func TestConcurrentOpensMigrateOnce(t *testing.T) {
	ctx := context.Background()
	dsn := srv.NewDatabase(t)
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Go(func() {
			s, err := Open(ctx, dsn)
			if err != nil {
				errs <- err
				return
			}
			s.Close()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := query[int](t, dsn, "SELECT count(*) FROM cxhub.schema_version"); n != SchemaVersion() {
		t.Errorf("%d schema versions recorded, want %d", n, SchemaVersion())
	}
}

// TestReadOnlyStoreCannotWrite: a read-only store reads what a writer
// wrote, and neither its methods nor a stray statement can write.
func TestReadOnlyStoreCannotWrite(t *testing.T) {
	ctx := context.Background()
	dsn := srv.NewDatabase(t)
	w := mustOpen(t, dsn)
	defer w.Close()
	run, _ := w.StartRun(ctx, "p")
	r, err := OpenReadOnly(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got, err := r.Run(ctx, run); err != nil || got.Pipeline != "p" {
		t.Errorf("read-only Run = %+v, %v", got, err)
	}
	if _, err := r.StartRun(ctx, "p"); err == nil {
		t.Error("StartRun on a read-only store succeeded")
	}
	if err := r.Commit(ctx, state.Commit{Pipeline: "p", Checkpoints: []state.Checkpoint{{Stream: "s"}}}); err == nil {
		t.Error("Commit on a read-only store succeeded")
	}
	if _, err := r.pool.Exec(ctx, "DELETE FROM cxhub.runs"); err == nil || !strings.Contains(err.Error(), "read-only transaction") {
		t.Errorf("a DELETE through the read-only pool = %v, want a read-only refusal", err)
	}
}

func mustOpen(t testing.TB, dsn string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}
