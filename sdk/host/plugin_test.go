package host

// These tests run the connector protocol for real: both fixtures under
// testdata/ are built once per test run (TestMain) and started as separate
// plugin processes with Launch, so every call crosses go-plugin, gRPC and
// TLS exactly as it does in the core.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/internal/fieldcheck"
)

// cookieKey is the handshake's environment variable (sdk/protocol.go), one
// of those go-plugin adds to a plugin's environment.
const cookieKey = "CXHUB_CONNECTOR"

// maxBatchBytes is the size at which the SDK cuts a batch
// (sdk/protocol.go).
const maxBatchBytes = 4 << 20

// fixtures are the test plugins' binaries, built by TestMain.
var fixtures struct {
	connector   string // testdata/testconnector
	connectorV1 string // the same, built to speak protocol version 1 only
	version99   string // testdata/version99
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cxhub-sdk-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdk tests:", err)
		os.Exit(1)
	}
	fixtures.connector = filepath.Join(dir, "testconnector")
	fixtures.connectorV1 = filepath.Join(dir, "testconnector-v1")
	fixtures.version99 = filepath.Join(dir, "version99")
	if err := buildFixtures(map[string][]string{
		fixtures.connector: {"./testdata/testconnector"},
		// As a connector built with an SDK older than packed batches.
		fixtures.connectorV1: {"-ldflags=-X github.com/cxhub/cxhub/sdk.protocolVersions=1", "./testdata/testconnector"},
		fixtures.version99:   {"./testdata/version99"},
	}); err != nil {
		fmt.Fprintln(os.Stderr, "sdk tests: build fixtures:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildFixtures builds each package (the last of its build arguments) into
// its output path, concurrently.
func buildFixtures(outToPkg map[string][]string) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for out, args := range outToPkg {
		pkg := args[len(args)-1]
		wg.Go(func() {
			cmd := exec.Command("go", append([]string{"build", "-o", out}, args...)...)
			if msg, err := cmd.CombinedOutput(); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("go build %s: %w\n%s", pkg, err, msg))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// testContext is a context that ends with the test or after d.
func testContext(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// launch starts a plugin (the test connector unless opts.Path is set) and
// kills it when the test ends.
func launch(t *testing.T, opts Options) *Plugin {
	t.Helper()
	if opts.Path == "" {
		opts.Path = fixtures.connector
	}
	p, err := Launch(testContext(t, 30*time.Second), opts)
	if err != nil {
		t.Fatalf("Launch(%s): %v", opts.Path, err)
	}
	t.Cleanup(p.Kill)
	return p
}

// config marshals a fixture config.
func config(t *testing.T, v map[string]any) sdk.Config {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixtureRecord is the i-th record of a stream as testdata/testconnector
// builds it (keep the two in step).
func fixtureRecord(stream string, i, size int) sdk.Record {
	head := fmt.Sprintf(`{"i":%d,"p":"`, i)
	pad := max(size-len(head)-2, 0)
	data := make([]byte, 0, len(head)+pad+2)
	data = append(data, head...)
	for j := range pad {
		data = append(data, 'a'+byte((i+j)%26))
	}
	data = append(data, `"}`...)
	return sdk.Record{
		Stream:    stream,
		Key:       fmt.Sprintf("%s-%06d", stream, i),
		Data:      data,
		UpdatedAt: time.Unix(1_700_000_000+int64(i), 0).UTC(),
	}
}

// fixtureResultID is the id testdata/testconnector gives a written record
// (keep the two in step).
func fixtureResultID(stream string, r sdk.Record) string {
	var updated int64
	if !r.UpdatedAt.IsZero() {
		updated = r.UpdatedAt.UnixNano()
	}
	return fmt.Sprintf("%s|%s|%s|%d|%s|%s|%d|%08x",
		stream, r.Key, r.Op, updated, r.TargetID, r.Problem, len(r.Data), crc32.ChecksumIEEE(r.Data))
}

// recorder is an Emitter that notes what a Read delivers, one event per
// record or checkpoint, and the size of every batch.
type recorder struct {
	events     []string
	batchLens  []int
	batchBytes []int
	// onEmit, if set, runs after every batch; its error ends the Read.
	onEmit func() error
}

func recordEvent(r sdk.Record) string {
	return fmt.Sprintf("record %s %s op=%s updated=%d len=%d crc=%08x",
		r.Stream, r.Key, r.Op, r.UpdatedAt.UnixNano(), len(r.Data), crc32.ChecksumIEEE(r.Data))
}

func checkpointEvent(stream string, state []byte) string {
	return fmt.Sprintf("checkpoint %s %q", stream, state)
}

func (e *recorder) Emit(records ...sdk.Record) error {
	size := 0
	for _, r := range records {
		e.events = append(e.events, recordEvent(r))
		size += len(r.Data)
	}
	e.batchLens = append(e.batchLens, len(records))
	e.batchBytes = append(e.batchBytes, size)
	if e.onEmit != nil {
		return e.onEmit()
	}
	return nil
}

func (e *recorder) Checkpoint(stream string, state []byte) error {
	e.events = append(e.events, checkpointEvent(stream, state))
	return nil
}

// expectRead is what the test connector sends for one stream read from
// start: its records in [start, total), a checkpoint after every multiple
// of every.
func expectRead(stream string, start, total, every, size int) []string {
	var want []string
	for i := start; i < total; i++ {
		want = append(want, recordEvent(fixtureRecord(stream, i, max(size, 16))))
		if every > 0 && (i+1)%every == 0 {
			want = append(want, checkpointEvent(stream, []byte(strconv.Itoa(i+1))))
		}
	}
	return want
}

// compareEvents fails with the first difference between two event lists.
func compareEvents(t *testing.T, got, want []string) {
	t.Helper()
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Fatalf("event %d of %d:\n got: %s\nwant: %s", i, len(want), got[i], want[i])
		}
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
}

// startedFile is the path a fixture started with FIXTURE_STARTED_FILE
// writes its pid to.
func startedFile(t *testing.T) string {
	return filepath.Join(t.TempDir(), "started")
}

// startedPid returns the pid a fixture wrote to path, or 0 if it never ran.
func startedPid(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(string(b))
	if err != nil {
		t.Fatalf("started file %s: %v", path, err)
	}
	return pid
}

// processExists reports whether pid is a process, zombies included (signal 0
// reaches a zombie until it is reaped).
func processExists(pid int) bool {
	return syscall.Kill(pid, 0) == nil
}

// waitFor polls cond until it holds or d passes.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkKind fails unless err has kind and its message contains msg.
func checkKind(t *testing.T, err error, kind sdk.ErrorKind, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want a %s error containing %q", kind, msg)
	}
	if got := sdk.KindOf(err); got != kind {
		t.Errorf("KindOf(%q) = %s, want %s", err, got, kind)
	}
	if !strings.Contains(err.Error(), msg) {
		t.Errorf("error %q does not contain %q", err, msg)
	}
}

func TestPluginSpec(t *testing.T) {
	t.Parallel()
	out, err := exec.Command(fixtures.connector, "spec").Output()
	if err != nil {
		t.Fatalf("%s spec: %v", fixtures.connector, err)
	}
	var want sdk.Spec
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatalf("decode declared spec: %v\n%s", err, out)
	}
	// The first stream sets every field (the second leaves capabilities off).
	fieldcheck.NoZero(t, "Spec.Streams[0]", reflect.ValueOf(want.Streams[0]))
	fieldcheck.NoZero(t, "Spec", reflect.ValueOf(sdk.Spec{
		Name: want.Name, Version: want.Version, Kind: want.Kind, Description: want.Description,
		ConfigSchema: want.ConfigSchema, Streams: want.Streams[:1],
	}))

	p := launch(t, Options{})
	if got := p.Spec(); !reflect.DeepEqual(got, want) {
		t.Errorf("Launch reported spec\n%+v\nthe connector declares\n%+v", got, want)
	}
	if p.Path() != fixtures.connector {
		t.Errorf("Path() = %q, want %q", p.Path(), fixtures.connector)
	}
	if got := p.Spec().SecretFields(); !slices.Equal(got, []string{"token"}) {
		t.Errorf("SecretFields() = %q, want [token]", got)
	}
}

// Serve run by hand, not by the core, says so and exits 1.
func TestServeRunByHand(t *testing.T) {
	t.Parallel()
	cmd := exec.CommandContext(testContext(t, 30*time.Second), fixtures.connector)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("running the connector by hand: err = %v, want exit status 1", err)
	}
	if !strings.Contains(stderr.String(), "plugin") {
		t.Errorf("stderr %q does not say it is a plugin", stderr.String())
	}
}

func TestLaunchInvalidSpecRefused(t *testing.T) {
	t.Parallel()
	started := startedFile(t)
	var logs syncBuffer
	p, err := Launch(testContext(t, 30*time.Second), Options{
		Path:   fixtures.connector,
		Env:    []string{"FIXTURE_INVALID_SPEC=1", "FIXTURE_STARTED_FILE=" + started},
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err == nil {
		p.Kill()
		t.Fatal("Launch of a connector with an invalid spec succeeded")
	}
	pid := startedPid(t, started)
	if pid == 0 {
		t.Fatal("the connector never started: the test proves nothing")
	}
	if processExists(pid) {
		t.Errorf("Launch failed (%v) but left process %d behind", err, pid)
	}
	if !strings.Contains(logs.String(), "name is empty") {
		t.Errorf("the host log does not carry the connector's reason (name is empty):\n%s", logs.String())
	}
}

func TestPluginCheck(t *testing.T) {
	t.Parallel()
	p := launch(t, Options{})
	ctx := testContext(t, 30*time.Second)

	resp, err := p.Check(ctx, sdk.CheckRequest{Config: config(t, nil)})
	if err != nil || resp.Message != "ok" {
		t.Errorf("Check() = %+v, %v; want message ok and no error", resp, err)
	}

	tests := []struct {
		kind  sdk.ErrorKind
		after time.Duration
	}{
		{sdk.KindUnknown, 0},
		{sdk.KindTransient, 0},
		{sdk.KindRateLimited, 1500 * time.Millisecond},
		{sdk.KindBadRecord, 0},
		{sdk.KindConfig, 0},
		{sdk.KindAuth, 0},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			msg := "check failed: " + tt.kind.String() + " (ü)"
			_, err := p.Check(ctx, sdk.CheckRequest{Config: config(t, map[string]any{
				"check_error": map[string]any{"kind": tt.kind.String(), "message": msg, "retry_after_ms": tt.after.Milliseconds()},
			})})
			checkKind(t, err, tt.kind, msg)
			if got := sdk.RetryAfterOf(err); got != tt.after {
				t.Errorf("RetryAfterOf = %v, want %v", got, tt.after)
			}
			if want := "connector testconnector: check: " + msg; err.Error() != want {
				t.Errorf("error = %q, want %q", err, want)
			}
		})
	}

	t.Run("message not UTF-8", func(t *testing.T) {
		_, err := p.Check(ctx, sdk.CheckRequest{Config: config(t, map[string]any{
			"check_error": map[string]any{"kind": "rate_limited", "message": "slow: ", "retry_after_ms": 5000, "invalid_utf8": true},
		})})
		checkKind(t, err, sdk.KindRateLimited, "slow: \uFFFD")
		if got := sdk.RetryAfterOf(err); got != 5*time.Second {
			t.Errorf("RetryAfterOf = %v, want 5s", got)
		}
	})

	t.Run("bad config is a config error", func(t *testing.T) {
		_, err := p.Check(ctx, sdk.CheckRequest{Config: sdk.Config(`{"records": "many"}`)})
		checkKind(t, err, sdk.KindConfig, "decode config")
	})
}

func TestPluginCheckDeadline(t *testing.T) {
	t.Parallel()
	p := launch(t, Options{})
	ctx, cancel := context.WithTimeout(testContext(t, 30*time.Second), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := p.Check(ctx, sdk.CheckRequest{Config: config(t, map[string]any{"sleep_ms": 20_000})})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Check past its deadline: err = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Check took %v to give up after a 200ms deadline", d)
	}
}

func TestPluginDiscover(t *testing.T) {
	t.Parallel()
	p := launch(t, Options{})
	resp, err := p.Discover(testContext(t, 30*time.Second), sdk.DiscoverRequest{
		Config: config(t, map[string]any{"discover_streams": []string{"orders", "fulfilments"}}),
	})
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	var want []sdk.StreamSpec
	for _, name := range []string{"orders", "fulfilments"} {
		want = append(want, sdk.StreamSpec{Name: name, Canonical: sdk.CanonicalOther, PrimaryKey: []string{"id"},
			Capabilities: sdk.Capabilities{Read: true}})
	}
	if !reflect.DeepEqual(resp.Streams, want) {
		t.Errorf("Discover streams =\n%+v\nwant\n%+v", resp.Streams, want)
	}
}

func TestPluginReadOrderAndCheckpoints(t *testing.T) {
	t.Parallel()
	p := launch(t, Options{})
	ctx := testContext(t, 60*time.Second)
	const total, every, batch = 10_000, 500, 100

	var out recorder
	err := p.Read(ctx, sdk.ReadRequest{
		Config:    config(t, map[string]any{"records": total, "checkpoint_every": every, "record_bytes": 64}),
		Streams:   []sdk.StreamState{{Stream: "contacts"}},
		BatchSize: batch,
	}, &out)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	compareEvents(t, out.events, expectRead("contacts", 0, total, every, 64))
	for i, n := range out.batchLens {
		if n != batch {
			t.Fatalf("batch %d has %d records, want %d (batch size %d, checkpoints every %d)", i, n, batch, batch, every)
		}
	}
}

func TestPluginReadFromCheckpoints(t *testing.T) {
	t.Parallel()
	p := launch(t, Options{})
	var out recorder
	err := p.Read(testContext(t, 60*time.Second), sdk.ReadRequest{
		Config:  config(t, map[string]any{"records": 1000, "checkpoint_every": 500}),
		Streams: []sdk.StreamState{{Stream: "contacts", State: []byte("500")}, {Stream: "tickets"}},
	}, &out)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	want := append(expectRead("contacts", 500, 1000, 500, 16), expectRead("tickets", 0, 1000, 500, 16)...)
	compareEvents(t, out.events, want)
	// With no batch size asked for, the default applies.
	for i, n := range out.batchLens {
		if n > sdk.DefaultBatchSize {
			t.Errorf("batch %d has %d records, more than the default batch size %d", i, n, sdk.DefaultBatchSize)
		}
	}
}

// A read whose total is larger than a gRPC message works, because batches
// are cut by size.
func TestPluginReadLargerThanMaxMessage(t *testing.T) {
	t.Parallel()
	p := launch(t, Options{})
	const total, size = 3000, 40 << 10
	var out recorder
	err := p.Read(testContext(t, 120*time.Second), sdk.ReadRequest{
		Config:    config(t, map[string]any{"records": total, "record_bytes": size, "checkpoint_every": 1000}),
		BatchSize: 1000,
	}, &out)
	if err != nil {
		t.Fatalf("Read of %d records of %d bytes: %v", total, size, err)
	}
	compareEvents(t, out.events, expectRead("contacts", 0, total, 1000, size))
	sum := 0
	for i, b := range out.batchBytes {
		sum += b
		if b > maxBatchBytes {
			t.Errorf("batch %d carries %d bytes, more than maxBatchBytes %d", i, b, maxBatchBytes)
		}
	}
	if sum <= sdk.MaxMessageBytes {
		t.Errorf("read carried %d bytes, not more than MaxMessageBytes %d: the test proves nothing", sum, sdk.MaxMessageBytes)
	}
}

func TestPluginReadError(t *testing.T) {
	t.Parallel()
	p := launch(t, Options{})
	var out recorder
	err := p.Read(testContext(t, 30*time.Second), sdk.ReadRequest{
		Config: config(t, map[string]any{
			"records": 10, "checkpoint_every": 5,
			"read_error": map[string]any{"kind": "rate_limited", "message": "slow down", "retry_after_ms": 30_000},
		}),
	}, &out)
	checkKind(t, err, sdk.KindRateLimited, "slow down")
	if got := sdk.RetryAfterOf(err); got != 30*time.Second {
		t.Errorf("RetryAfterOf = %v, want 30s", got)
	}
	// Everything up to the last checkpoint arrived before the error.
	want := expectRead("contacts", 0, 10, 5, 16)
	if len(out.events) < len(want) {
		t.Fatalf("got %d events before the error, want at least the %d up to the last checkpoint", len(out.events), len(want))
	}
	compareEvents(t, out.events[:len(want)], want)
}

// A host-side Emitter error ends the Read with that error.
func TestPluginReadEmitterError(t *testing.T) {
	t.Parallel()
	p := launch(t, Options{})
	stop := errors.New("host is full")
	out := recorder{onEmit: func() error { return stop }}
	err := p.Read(testContext(t, 30*time.Second), sdk.ReadRequest{Config: config(t, map[string]any{"records": -1})}, &out)
	if !errors.Is(err, stop) {
		t.Fatalf("Read = %v, want the emitter's error %v", err, stop)
	}
}

// writeRecords are records that use every field.
func writeRecords(n, size int) []sdk.Record {
	rs := make([]sdk.Record, n)
	for i := range rs {
		r := fixtureRecord("contacts", i, size)
		switch i % 3 {
		case 1:
			r.Op = sdk.Delete
			r.TargetID = "t-" + strconv.Itoa(i)
		case 2:
			r.UpdatedAt = time.Time{}
			r.Problem = "not JSON"
		}
		rs[i] = r
	}
	return rs
}

func openWriter(t *testing.T, p *Plugin, cfg map[string]any) sdk.Writer {
	t.Helper()
	w, err := p.OpenWriter(testContext(t, 30*time.Second), sdk.OpenWriterRequest{Config: config(t, cfg), Stream: "users"})
	if err != nil {
		t.Fatalf("OpenWriter: %v", err)
	}
	return w
}

// checkWritten fails unless results are one success per record, in order,
// with the ids the connector gives what it received intact.
func checkWritten(t *testing.T, records []sdk.Record, results []sdk.Result) {
	t.Helper()
	if len(results) != len(records) {
		t.Fatalf("%d results for %d records", len(results), len(records))
	}
	for i, r := range records {
		want := sdk.Result{ID: fixtureResultID("users", r), Created: r.TargetID == ""}
		if got := results[i]; got != want {
			t.Fatalf("result %d:\n got %+v\nwant %+v", i, got, want)
		}
	}
}

func TestPluginWrite(t *testing.T) {
	t.Parallel()
	p := launch(t, Options{})
	ctx := testContext(t, 30*time.Second)
	w := openWriter(t, p, nil)
	records := writeRecords(30, 100)
	for i := 0; i < len(records); i += 10 { // several batches on one writer
		resp, err := w.Write(ctx, sdk.WriteRequest{Records: records[i : i+10]})
		if err != nil {
			t.Fatalf("Write batch at %d: %v", i, err)
		}
		checkWritten(t, records[i:i+10], resp.Results)
	}
	if err := w.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// A batch larger than a gRPC message is split by the host.
func TestPluginWriteLargerThanMaxMessage(t *testing.T) {
	t.Parallel()
	p := launch(t, Options{})
	ctx := testContext(t, 120*time.Second)
	w := openWriter(t, p, nil)
	records := writeRecords(2000, 40<<10)
	if size := 2000 * 40 << 10; size <= sdk.MaxMessageBytes {
		t.Fatalf("batch of %d bytes is not larger than MaxMessageBytes: the test proves nothing", size)
	}
	resp, err := w.Write(ctx, sdk.WriteRequest{Records: records})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	checkWritten(t, records, resp.Results)
	if err := w.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// A record larger than the protocol carries fails alone, as a bad record;
// the rest of its batch is written and the writer goes on.
func TestPluginWriteOversizedRecord(t *testing.T) {
	t.Parallel()
	p := launch(t, Options{})
	ctx := testContext(t, 60*time.Second)
	w := openWriter(t, p, nil)
	records := writeRecords(5, 20)
	records[1].Data = make([]byte, sdk.MaxMessageBytes+1) // larger than a gRPC message
	records[2].Data = make([]byte, sdk.MaxRecordBytes)    // the largest record there is
	records[3].Data = make([]byte, sdk.MaxRecordBytes+1)  // too large by one byte
	resp, err := w.Write(ctx, sdk.WriteRequest{Records: records})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if len(resp.Results) != len(records) {
		t.Fatalf("%d results for %d records", len(resp.Results), len(records))
	}
	for _, i := range []int{0, 2, 4} {
		if got, want := resp.Results[i], (sdk.Result{ID: fixtureResultID("users", records[i]), Created: records[i].TargetID == ""}); got != want {
			t.Errorf("result %d = %+v, want %+v", i, got, want)
		}
	}
	for _, i := range []int{1, 3} {
		checkKind(t, resp.Results[i].Err, sdk.KindBadRecord, "more than the protocol's limit")
	}

	more := writeRecords(2, 20)
	resp, err = w.Write(ctx, sdk.WriteRequest{Records: more})
	if err != nil {
		t.Fatalf("Write after an oversized record: %v", err)
	}
	checkWritten(t, more, resp.Results)
	if err := w.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestPluginWriteRecordErrors(t *testing.T) {
	t.Parallel()
	p := launch(t, Options{})
	ctx := testContext(t, 30*time.Second)
	records := writeRecords(8, 50)
	failKeys := map[string]any{}
	wantErr := map[string]struct {
		kind  sdk.ErrorKind
		msg   string
		after time.Duration
	}{}
	for i, kind := range []sdk.ErrorKind{sdk.KindUnknown, sdk.KindTransient, sdk.KindRateLimited, sdk.KindBadRecord, sdk.KindConfig, sdk.KindAuth} {
		key := records[i+1].Key // records[0] and records[7] succeed
		msg := fmt.Sprintf("record %s: %s", key, kind)
		after := time.Duration(i) * time.Second
		failKeys[key] = map[string]any{"kind": kind.String(), "message": msg, "retry_after_ms": after.Milliseconds()}
		if kind != sdk.KindRateLimited {
			after = 0 // only RateLimited carries a wait
		}
		wantErr[key] = struct {
			kind  sdk.ErrorKind
			msg   string
			after time.Duration
		}{kind, msg, after}
	}
	w := openWriter(t, p, map[string]any{"fail_keys": failKeys})
	resp, err := w.Write(ctx, sdk.WriteRequest{Records: records})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if len(resp.Results) != len(records) {
		t.Fatalf("%d results for %d records", len(resp.Results), len(records))
	}
	for i, r := range records {
		got := resp.Results[i]
		want, fails := wantErr[r.Key]
		if !fails {
			if got.Err != nil || got.ID != fixtureResultID("users", r) {
				t.Errorf("result %d (%s) = %+v, want written", i, r.Key, got)
			}
			continue
		}
		if got.Err == nil {
			t.Errorf("result %d (%s) = %+v, want a %s error", i, r.Key, got, want.kind)
			continue
		}
		if sdk.KindOf(got.Err) != want.kind || got.Err.Error() != want.msg || sdk.RetryAfterOf(got.Err) != want.after || got.ID != "" {
			t.Errorf("result %d (%s): kind %s, message %q, retry after %v, id %q; want %s, %q, %v, no id",
				i, r.Key, sdk.KindOf(got.Err), got.Err, sdk.RetryAfterOf(got.Err), got.ID, want.kind, want.msg, want.after)
		}
	}
}

// One record's error message that is not UTF-8 fails that record only.
func TestPluginWriteRecordErrorInvalidUTF8(t *testing.T) {
	t.Parallel()
	p := launch(t, Options{})
	ctx := testContext(t, 30*time.Second)
	records := writeRecords(3, 20)
	w := openWriter(t, p, map[string]any{"fail_keys": map[string]any{
		records[1].Key: map[string]any{"kind": "bad_record", "message": "vendor said: ", "invalid_utf8": true},
	}})
	resp, err := w.Write(ctx, sdk.WriteRequest{Records: records})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if len(resp.Results) != 3 || resp.Results[0].Err != nil || resp.Results[2].Err != nil {
		t.Fatalf("results = %+v, want records 0 and 2 written", resp.Results)
	}
	checkKind(t, resp.Results[1].Err, sdk.KindBadRecord, "vendor said: \uFFFD")
	if err := w.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestPluginWriteBatchError(t *testing.T) {
	t.Parallel()
	p := launch(t, Options{})
	ctx := testContext(t, 30*time.Second)
	for _, kind := range []sdk.ErrorKind{sdk.KindUnknown, sdk.KindTransient, sdk.KindRateLimited, sdk.KindBadRecord, sdk.KindConfig, sdk.KindAuth} {
		t.Run(kind.String(), func(t *testing.T) {
			msg := "the whole batch failed: " + kind.String()
			w := openWriter(t, p, map[string]any{"write_error": map[string]any{"kind": kind.String(), "message": msg}})
			resp, err := w.Write(ctx, sdk.WriteRequest{Records: writeRecords(3, 20)})
			checkKind(t, err, kind, msg)
			if len(resp.Results) != 0 {
				t.Errorf("a failed Write returned %d results", len(resp.Results))
			}
			// The writer is finished; Close reports the same verdict and
			// does not hang.
			if cerr := w.Close(ctx); cerr != nil {
				checkKind(t, cerr, kind, msg)
			}
		})
	}
}

func TestPluginWriteWrongResultCount(t *testing.T) {
	t.Parallel()
	p := launch(t, Options{})
	ctx := testContext(t, 30*time.Second)
	w := openWriter(t, p, map[string]any{"wrong_results": true})
	_, err := w.Write(ctx, sdk.WriteRequest{Records: writeRecords(3, 20)})
	if err == nil || !strings.Contains(err.Error(), "2 results for a batch of 3 records") {
		t.Fatalf("Write with a connector answering 2 results for 3 records: err = %v, want it reported", err)
	}
	if k := sdk.KindOf(err); k != sdk.KindConnectorBug {
		t.Errorf("kind of %v = %v, want connector_bug: no retry fixes it", err, k)
	}
	_ = w.Close(ctx)
}

// A plugin that dies in the middle of a call is reported as such: its exit
// status and its last words (a panic's message), not only the broken
// connection it leaves ("error reading from server: EOF").
func TestPluginThatDiesSaysHow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  map[string]any
		want []string
	}{
		{"panic", map[string]any{"panic_in_write": "boom in Write"},
			[]string{"the plugin process exited (exit status 2; it said: panic: boom in Write", "write"}},
		{"exit", map[string]any{"exit_in_write": 3}, []string{"the plugin process exited (exit status 3", "write"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := launch(t, Options{})
			ctx := testContext(t, 30*time.Second)
			w := openWriter(t, p, tt.cfg)
			_, err := w.Write(ctx, sdk.WriteRequest{Records: writeRecords(3, 20)})
			if err == nil {
				t.Fatal("Write to a plugin that died: no error")
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Write to a plugin that died: %v\nwant it to say %q", err, want)
				}
			}
			if !sdk.KindOf(err).Retryable() {
				t.Errorf("kind %v: a crash stays a failure a restart may mend", sdk.KindOf(err))
			}
		})
	}
}

func TestPluginWriterCloseError(t *testing.T) {
	t.Parallel()
	p := launch(t, Options{})
	ctx := testContext(t, 30*time.Second)
	w := openWriter(t, p, map[string]any{"close_error": map[string]any{"kind": "transient", "message": "flush failed"}})
	records := writeRecords(2, 20)
	resp, err := w.Write(ctx, sdk.WriteRequest{Records: records})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	checkWritten(t, records, resp.Results)
	checkKind(t, w.Close(ctx), sdk.KindTransient, "flush failed")
}

func TestPluginWebhook(t *testing.T) {
	t.Parallel()
	p := launch(t, Options{})
	header := http.Header{
		"X-Signature":  {"sha256=abc"},
		"X-Multi":      {"first", "second", "third"},
		"Content-Type": {"application/json"},
	}
	body := []byte(`{"event":"contact.updated","id":7}`)
	resp, err := p.HandleWebhook(testContext(t, 30*time.Second), sdk.WebhookRequest{
		Method: http.MethodPost, URL: "/hooks/crm?tenant=42&x=1", Header: header, Body: body,
	})
	if err != nil {
		t.Fatalf("HandleWebhook: %v", err)
	}
	if resp.StatusCode != 202 || string(resp.Body) != "accepted" {
		t.Errorf("answer = %d %q, want 202 %q", resp.StatusCode, resp.Body, "accepted")
	}
	if len(resp.Records) != 1 {
		t.Fatalf("got %d records, want 1", len(resp.Records))
	}
	var seen struct {
		Method string
		URL    string
		Header http.Header
		Body   string
	}
	if err := json.Unmarshal(resp.Records[0].Data, &seen); err != nil {
		t.Fatalf("decode the connector's view of the delivery: %v", err)
	}
	if seen.Method != http.MethodPost || seen.URL != "/hooks/crm?tenant=42&x=1" || seen.Body != string(body) {
		t.Errorf("connector saw %s %s body %q; want POST /hooks/crm?tenant=42&x=1 body %q", seen.Method, seen.URL, seen.Body, body)
	}
	if !reflect.DeepEqual(seen.Header, header) {
		t.Errorf("connector saw headers %v, want %v", seen.Header, header)
	}
}

func TestLaunchProtocolVersion99(t *testing.T) {
	t.Parallel()
	started := startedFile(t)
	p, err := Launch(testContext(t, 30*time.Second), Options{
		Path: fixtures.version99,
		Env:  []string{"FIXTURE_STARTED_FILE=" + started},
	})
	if err == nil {
		p.Kill()
		t.Fatal("Launch of a protocol 99 plugin succeeded")
	}
	checkKind(t, err, sdk.KindConfig, "protocol version")
	if !strings.Contains(err.Error(), "99") {
		t.Errorf("error %q does not name the plugin's version 99", err)
	}
	pid := startedPid(t, started)
	if pid == 0 {
		t.Fatal("the plugin never started: the test proves nothing")
	}
	if processExists(pid) {
		t.Errorf("Launch failed but left process %d behind", pid)
	}
}

// The plugin gets the environment it is given and nothing of the host's.
// Not parallel: it sets an environment variable of the test process.
func TestLaunchEnv(t *testing.T) {
	t.Setenv("HOST_SECRET", "hunter2")
	t.Setenv(sdk.LogLevelEnv, "debug")

	pluginEnv := func(t *testing.T, given []string) map[string]string {
		t.Helper()
		p := launch(t, Options{Env: given})
		resp, err := p.Check(testContext(t, 30*time.Second), sdk.CheckRequest{Config: config(t, map[string]any{"check_env": true})})
		if err != nil {
			t.Fatalf("Check: %v", err)
		}
		var env []string
		if err := json.Unmarshal([]byte(resp.Message), &env); err != nil {
			t.Fatalf("decode the plugin's environment: %v", err)
		}
		vars := map[string]string{}
		for _, kv := range env {
			k, v, _ := strings.Cut(kv, "=")
			vars[k] = v
		}
		if _, ok := vars["HOST_SECRET"]; ok {
			t.Errorf("the plugin inherited HOST_SECRET from the host")
		}
		return vars
	}
	// go-plugin adds its own variables: the cookie and PLUGIN_*.
	fromGoPlugin := func(k string) bool {
		return k == cookieKey || strings.HasPrefix(k, "PLUGIN_")
	}

	t.Run("given", func(t *testing.T) {
		vars := pluginEnv(t, []string{"ONLY_THIS=1"})
		if vars["ONLY_THIS"] != "1" {
			t.Errorf("the plugin did not get ONLY_THIS=1: %v", vars)
		}
		for k := range vars {
			if k != "ONLY_THIS" && !fromGoPlugin(k) {
				t.Errorf("the plugin got %s, which it was not given", k)
			}
		}
	})
	t.Run("default is MinimalEnv", func(t *testing.T) {
		vars := pluginEnv(t, nil)
		for _, k := range []string{"PATH", sdk.LogLevelEnv} {
			if want := os.Getenv(k); vars[k] != want {
				t.Errorf("plugin has %s=%q, want the host's %q", k, vars[k], want)
			}
		}
		minimal := map[string]bool{}
		for _, kv := range MinimalEnv() {
			k, _, _ := strings.Cut(kv, "=")
			minimal[k] = true
		}
		for k := range vars {
			if !minimal[k] && !fromGoPlugin(k) {
				t.Errorf("the plugin got %s, which MinimalEnv does not give", k)
			}
		}
	})
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A line the connector logs comes out of the host's slog logger.
func TestPluginLogs(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	p := launch(t, Options{
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})).With("plugin", "fixture"),
	})
	const msg = "hello from the fixture"
	if _, err := p.Check(testContext(t, 30*time.Second), sdk.CheckRequest{Config: config(t, map[string]any{"log": msg})}); err != nil {
		t.Fatalf("Check: %v", err)
	}
	var line map[string]any
	found := waitFor(10*time.Second, func() bool {
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, msg) {
				return json.Unmarshal([]byte(l), &line) == nil
			}
		}
		return false
	})
	if !found {
		t.Fatalf("no log line %q from the plugin within 10s; the host logged:\n%s", msg, logs.String())
	}
	want := map[string]any{
		"msg":    msg,
		"level":  "INFO",
		"plugin": "fixture",   // the host logger's own attribute: how the core tags a connector's lines
		"call":   "check",     // added by the SDK to every call's logger
		"answer": float64(42), // the connector's attributes
		"req.id": "r-7",       // a slog group, flattened
	}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("log line %s = %v (%T), want %v; line: %v", k, line[k], line[k], v, line)
		}
	}
	for _, k := range []string{"@module", "timestamp"} {
		if _, ok := line[k]; ok {
			t.Errorf("log line keeps the plugin's %s, which the host's handler already has: %v", k, line)
		}
	}
}

func TestPluginKillReaps(t *testing.T) {
	t.Parallel()
	p, err := Launch(testContext(t, 30*time.Second), Options{Path: fixtures.connector})
	if err != nil {
		t.Fatalf("Launch: %v", err)
	}
	pid := p.Pid()
	if pid == 0 || !processExists(pid) {
		p.Kill()
		t.Fatalf("Pid() = %d is not a running process", pid)
	}
	p.Kill()
	// Kill returns once the process is reaped: no zombie, no orphan.
	if processExists(pid) {
		t.Errorf("process %d still exists after Kill returned", pid)
	}
	if !p.Exited() {
		t.Error("Exited() is false after Kill")
	}
}

// Killing the plugin process in the middle of a Read makes the Read fail
// with a transient error (the core restarts the plugin and retries).
func TestPluginKilledMidRead(t *testing.T) {
	t.Parallel()
	p := launch(t, Options{})
	pid := p.Pid()
	var (
		killErr error
		killed  bool // batches already on their way arrive after the kill: kill once
	)
	out := recorder{onEmit: func() error {
		if !killed {
			killed = true
			killErr = syscall.Kill(pid, syscall.SIGKILL)
		}
		return killErr
	}}
	done := make(chan error, 1)
	go func() {
		done <- p.Read(testContext(t, 60*time.Second), sdk.ReadRequest{
			Config:    config(t, map[string]any{"records": -1, "block_after": 50}),
			BatchSize: 10,
		}, &out)
	}()
	select {
	case err := <-done:
		if killErr != nil {
			t.Fatalf("kill %d: %v", pid, killErr)
		}
		checkKind(t, err, sdk.KindTransient, "connector testconnector: read")
	case <-time.After(30 * time.Second):
		t.Fatal("Read did not return within 30s of its plugin being killed")
	}
	if !waitFor(10*time.Second, p.Exited) {
		t.Error("Exited() is still false 10s after the plugin was killed")
	}
}

// Cancelling a Read returns promptly with the context's error and leaves
// no goroutine behind. Not parallel: it counts the process's goroutines.
func TestPluginReadCancel(t *testing.T) {
	tests := []struct {
		name string
		cfg  map[string]any
	}{
		// The connector waits for the context after 50 records.
		{"plugin blocked", map[string]any{"records": -1, "block_after": 50}},
		// The connector keeps sending; the host stops reading.
		{"plugin sending", map[string]any{"records": -1, "record_bytes": 1024}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := launch(t, Options{})
			if _, err := p.Check(testContext(t, 30*time.Second), sdk.CheckRequest{}); err != nil {
				t.Fatalf("Check: %v", err)
			}
			before := runtime.NumGoroutine()

			ctx, cancel := context.WithCancel(testContext(t, 60*time.Second))
			defer cancel()
			var cancelled time.Time
			out := recorder{onEmit: func() error {
				if cancelled.IsZero() {
					cancelled = time.Now()
					cancel()
				}
				return nil
			}}
			err := p.Read(ctx, sdk.ReadRequest{Config: config(t, tt.cfg), BatchSize: 10}, &out)
			if cancelled.IsZero() {
				t.Fatalf("Read returned (%v) before any batch arrived", err)
			}
			if d := time.Since(cancelled); d > 2*time.Second {
				t.Errorf("Read took %v to return after its context was cancelled", d)
			}
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Read = %v, want context.Canceled", err)
			}

			if !waitFor(5*time.Second, func() bool { return runtime.NumGoroutine() <= before }) {
				buf := make([]byte, 1<<20)
				t.Errorf("%d goroutines 5s after the cancelled Read, %d before it:\n%s",
					runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
			}
			// The plugin still works.
			if _, err := p.Check(testContext(t, 30*time.Second), sdk.CheckRequest{}); err != nil {
				t.Errorf("Check after a cancelled Read: %v", err)
			}
		})
	}
}
