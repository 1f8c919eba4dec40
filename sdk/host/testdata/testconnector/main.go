// Command testconnector is the SDK's test fixture: a connector that is a
// Source, a Destination, a Discoverer and a WebhookHandler, whose behaviour
// is driven entirely by the config JSON of each call, so that one binary
// serves every protocol test in sdk/host/plugin_test.go.
//
// Run with the single argument "spec" it prints its spec as JSON and exits,
// so that the tests compare what Launch reports with what it declares.
// With FIXTURE_INVALID_SPEC=1 in its environment it declares a spec without
// a name, which Serve refuses. With FIXTURE_STARTED_FILE=path it writes its
// pid to path as soon as it starts, so that a test can tell whether it ran.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// config drives the fixture. Every field is optional.
type config struct {
	// Check.
	CheckError *errSpec `json:"check_error"` // Check fails with this error
	CheckEnv   bool     `json:"check_env"`   // Check's message is os.Environ() as a JSON array
	Log        string   `json:"log"`         // Check logs this message (with attributes) before answering
	SleepMS    int      `json:"sleep_ms"`    // Check waits this long (or until ctx ends) before answering

	// Read: each requested stream (default "contacts") has Records records
	// of RecordBytes bytes of data; a checkpoint follows every
	// CheckpointEvery records. A negative Records reads forever.
	Records         int      `json:"records"`
	RecordBytes     int      `json:"record_bytes"`
	CheckpointEvery int      `json:"checkpoint_every"`
	BlockAfter      int      `json:"block_after"` // after this many records (if > 0), wait for ctx to end
	ReadError       *errSpec `json:"read_error"`  // Read ends with this error instead of nil

	// Write.
	FailKeys     map[string]errSpec `json:"fail_keys"`      // records with these keys fail with these errors
	WriteError   *errSpec           `json:"write_error"`    // every Write fails as a whole
	CloseError   *errSpec           `json:"close_error"`    // Writer.Close fails
	WrongResults bool               `json:"wrong_results"`  // Write returns one result too few
	PanicInWrite string             `json:"panic_in_write"` // Write panics with this message
	ExitInWrite  int                `json:"exit_in_write"`  // Write ends the process with this status (if > 0)

	// Discover.
	DiscoverStreams []string `json:"discover_streams"`
}

// errSpec describes an error: its kind (an sdk.ErrorKind name), its message
// and, for rate_limited, how long to wait. InvalidUTF8 appends bytes that
// are not UTF-8 to the message, as a vendor's raw body quoted in an error
// might.
type errSpec struct {
	Kind         string `json:"kind"`
	Message      string `json:"message"`
	RetryAfterMS int64  `json:"retry_after_ms"`
	InvalidUTF8  bool   `json:"invalid_utf8"`
}

func (e *errSpec) err() error {
	msg := e.Message
	if e.InvalidUTF8 {
		msg += "\xff\xfe"
	}
	base := errors.New(msg)
	switch sdk.ParseErrorKind(e.Kind) {
	case sdk.KindTransient:
		return sdk.Transient(base)
	case sdk.KindRateLimited:
		return sdk.RateLimited(base, time.Duration(e.RetryAfterMS)*time.Millisecond)
	case sdk.KindBadRecord:
		return sdk.BadRecord(base)
	case sdk.KindConfig:
		return sdk.ConfigError(base)
	case sdk.KindAuth:
		return sdk.AuthError(base)
	}
	return base
}

type fixture struct{}

var (
	_ sdk.Connector      = fixture{}
	_ sdk.Source         = fixture{}
	_ sdk.Destination    = fixture{}
	_ sdk.Discoverer     = fixture{}
	_ sdk.WebhookHandler = fixture{}
)

// spec sets every field, so that a field the protocol drops shows.
func spec() sdk.Spec {
	name := "testconnector"
	if os.Getenv("FIXTURE_INVALID_SPEC") == "1" {
		name = ""
	}
	return sdk.Spec{
		Name:         name,
		Version:      "1.2.3",
		Kind:         sdk.CRM,
		Description:  "The SDK's test fixture.",
		ConfigSchema: `{"type":"object","properties":{"token":{"type":"string","secret":true}}}`,
		Streams: []sdk.StreamSpec{
			{
				Name:            "contacts",
				Description:     "People.",
				Canonical:       sdk.CanonicalCustomer,
				InteractionKind: "none",
				PrimaryKey:      []string{"id"},
				CursorField:     "updated_at",
				Capabilities:    sdk.Capabilities{Read: true, IncrementalRead: true, Write: true, Delete: true, Webhook: true},
				Schema:          `{"type":"object"}`,
				CanonicalFields: map[string]string{"email": "email", "name": "name"},
			},
			{
				Name:            "tickets",
				Description:     "Help desk tickets.",
				Canonical:       sdk.CanonicalInteraction,
				InteractionKind: "ticket",
				PrimaryKey:      []string{"id", "brand"},
				CursorField:     "updated",
				Capabilities:    sdk.Capabilities{Read: true},
				Schema:          `{"type":"object","required":["id"]}`,
				CanonicalFields: map[string]string{"subject": "subject", "occurred_at": "created"},
			},
		},
	}
}

func (fixture) Spec() sdk.Spec { return spec() }

func decode(c sdk.Config) (config, error) {
	var cfg config
	return cfg, c.Decode(&cfg)
}

func (fixture) Check(ctx context.Context, req sdk.CheckRequest) (sdk.CheckResponse, error) {
	cfg, err := decode(req.Config)
	if err != nil {
		return sdk.CheckResponse{}, err
	}
	if cfg.Log != "" {
		sdk.Logger(ctx).Info(cfg.Log, "answer", 42, slog.Group("req", "id", "r-7"))
	}
	if cfg.SleepMS > 0 {
		select {
		case <-time.After(time.Duration(cfg.SleepMS) * time.Millisecond):
		case <-ctx.Done():
			return sdk.CheckResponse{}, ctx.Err()
		}
	}
	if cfg.CheckError != nil {
		return sdk.CheckResponse{}, cfg.CheckError.err()
	}
	if cfg.CheckEnv {
		env, err := json.Marshal(os.Environ())
		return sdk.CheckResponse{Message: string(env)}, err
	}
	return sdk.CheckResponse{Message: "ok"}, nil
}

func (fixture) Discover(_ context.Context, req sdk.DiscoverRequest) (sdk.DiscoverResponse, error) {
	cfg, err := decode(req.Config)
	if err != nil {
		return sdk.DiscoverResponse{}, err
	}
	var out sdk.DiscoverResponse
	for _, name := range cfg.DiscoverStreams {
		out.Streams = append(out.Streams, sdk.StreamSpec{
			Name:         name,
			Canonical:    sdk.CanonicalOther,
			PrimaryKey:   []string{"id"},
			Capabilities: sdk.Capabilities{Read: true},
		})
	}
	return out, nil
}

// record builds the i-th record of a stream; the tests rebuild it to compare.
// Its data is a JSON object of exactly size bytes (at least 16).
func record(stream string, i, size int) sdk.Record {
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

func (fixture) Read(ctx context.Context, req sdk.ReadRequest, out sdk.Emitter) error {
	cfg, err := decode(req.Config)
	if err != nil {
		return err
	}
	streams := req.Streams
	if len(streams) == 0 {
		streams = []sdk.StreamState{{Stream: "contacts"}}
	}
	size := max(cfg.RecordBytes, 16)
	for _, st := range streams {
		start := 0
		if len(st.State) > 0 {
			if start, err = strconv.Atoi(string(st.State)); err != nil {
				return sdk.ConfigError(fmt.Errorf("bad state %q: %w", st.State, err))
			}
		}
		for i := start; cfg.Records < 0 || i < cfg.Records; i++ {
			if cfg.BlockAfter > 0 && i-start == cfg.BlockAfter {
				<-ctx.Done()
				return ctx.Err()
			}
			if err := out.Emit(record(st.Stream, i, size)); err != nil {
				return err
			}
			if cfg.CheckpointEvery > 0 && (i+1)%cfg.CheckpointEvery == 0 {
				if err := out.Checkpoint(st.Stream, []byte(strconv.Itoa(i+1))); err != nil {
					return err
				}
			}
		}
	}
	if cfg.ReadError != nil {
		return cfg.ReadError.err()
	}
	return nil
}

func (fixture) OpenWriter(_ context.Context, req sdk.OpenWriterRequest) (sdk.Writer, error) {
	cfg, err := decode(req.Config)
	if err != nil {
		return nil, err
	}
	return &writer{cfg: cfg, stream: req.Stream}, nil
}

type writer struct {
	cfg    config
	stream string
}

// resultID is the id the fixture gives a written record: it describes what
// arrived, so that the tests see every field cross the protocol.
func resultID(stream string, r sdk.Record) string {
	var updated int64
	if !r.UpdatedAt.IsZero() {
		updated = r.UpdatedAt.UnixNano()
	}
	return fmt.Sprintf("%s|%s|%s|%d|%s|%s|%d|%08x",
		stream, r.Key, r.Op, updated, r.TargetID, r.Problem, len(r.Data), crc32.ChecksumIEEE(r.Data))
}

func (w *writer) Write(_ context.Context, req sdk.WriteRequest) (sdk.WriteResponse, error) {
	if w.cfg.WriteError != nil {
		return sdk.WriteResponse{}, w.cfg.WriteError.err()
	}
	if w.cfg.PanicInWrite != "" {
		panic(w.cfg.PanicInWrite)
	}
	if w.cfg.ExitInWrite > 0 {
		os.Exit(w.cfg.ExitInWrite)
	}
	results := make([]sdk.Result, 0, len(req.Records))
	for _, r := range req.Records {
		if e, ok := w.cfg.FailKeys[r.Key]; ok {
			results = append(results, sdk.Failed(e.err()))
			continue
		}
		results = append(results, sdk.Written(resultID(w.stream, r), r.TargetID == ""))
	}
	if w.cfg.WrongResults && len(results) > 0 {
		results = results[:len(results)-1]
	}
	return sdk.WriteResponse{Results: results}, nil
}

func (w *writer) Close(context.Context) error {
	if w.cfg.CloseError != nil {
		return w.cfg.CloseError.err()
	}
	return nil
}

// HandleWebhook answers with one record whose data is the delivery as JSON.
func (fixture) HandleWebhook(_ context.Context, req sdk.WebhookRequest) (sdk.WebhookResponse, error) {
	data, err := json.Marshal(map[string]any{
		"method": req.Method, "url": req.URL, "header": req.Header, "body": string(req.Body),
	})
	if err != nil {
		return sdk.WebhookResponse{}, sdk.BadRecord(err)
	}
	return sdk.WebhookResponse{
		Records:    []sdk.Record{{Stream: "contacts", Key: "hook", Data: data}},
		StatusCode: 202,
		Body:       []byte("accepted"),
	}, nil
}

func main() {
	if path := os.Getenv("FIXTURE_STARTED_FILE"); path != "" {
		if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	if len(os.Args) == 2 && os.Args[1] == "spec" {
		if err := json.NewEncoder(os.Stdout).Encode(spec()); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	sdk.Serve(fixture{})
}
