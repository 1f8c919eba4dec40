package zendesk

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/zendesk/sandbox"
	"github.com/cxhub/cxhub/sdk"
	kit "github.com/cxhub/cxhub/sdk/sandbox"
	"github.com/cxhub/cxhub/sdk/sdktest"
	"github.com/tidwall/gjson"
)

// fakeClock is a settable clock shared by a sandbox and a connector.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is a started sandbox, a connector for it and a config.
type env struct {
	t     *testing.T
	clock *fakeClock
	sb    *sandbox.Sandbox
	srv   *kit.Server
	conn  *Connector
	extra map[string]any // config fields beyond the defaults
}

// newEnv starts a sandbox (rate limits off unless opts sets them, a fake
// clock) and a connector with short waits.
func newEnv(t *testing.T, opts sandbox.Options) *env {
	t.Helper()
	clock := newFakeClock()
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	if opts.RateLimit == 0 && opts.IncrementalLimit == 0 {
		opts.NoRateLimits = true
	}
	if opts.FaultRetryAfter == 0 {
		opts.FaultRetryAfter = -1 // Retry-After: 0
	}
	sb, err := sandbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sb.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close sandbox: %v", err)
		}
	})
	conn := NewWithOptions(Options{Now: clock.Now, JobPollInterval: 5 * time.Millisecond, MinBackoff: 5 * time.Millisecond})
	return &env{t: t, clock: clock, sb: sb, srv: srv, conn: conn, extra: map[string]any{
		"incremental_requests_per_minute": 100000, "requests_per_minute": 100000,
	}}
}

// config is the connection's config, with fields overridden by set.
func (e *env) config(set ...any) sdk.Config {
	e.t.Helper()
	m := map[string]any{"base_url": e.srv.URL, "email": sandbox.DefaultEmail, "token": sandbox.DefaultToken,
		"webhook_secret": sandbox.DefaultWebhookSecret}
	for k, v := range e.extra {
		m[k] = v
	}
	for i := 0; i+1 < len(set); i += 2 {
		if set[i+1] == nil {
			delete(m, set[i].(string))
			continue
		}
		m[set[i].(string)] = set[i+1]
	}
	b, err := json.Marshal(m)
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

// read reads one stream from state with cfg.
func (e *env) read(cfg sdk.Config, stream string, state []byte) *sdktest.Collector {
	e.t.Helper()
	col, err := sdktest.ReadAll(context.Background(), e.conn, sdk.ReadRequest{Config: cfg,
		Streams: []sdk.StreamState{{Stream: stream, State: state}}})
	if err != nil {
		e.t.Fatalf("read %s: %v", stream, err)
	}
	return col
}

// write writes records to stream in one batch.
func (e *env) write(cfg sdk.Config, stream string, records []sdk.Record) ([]sdk.Result, error) {
	e.t.Helper()
	return e.writeCtx(context.Background(), cfg, stream, records)
}

// writeCtx is write with a context of the caller's.
func (e *env) writeCtx(ctx context.Context, cfg sdk.Config, stream string, records []sdk.Record) ([]sdk.Result, error) {
	e.t.Helper()
	w, err := e.conn.OpenWriter(ctx, sdk.OpenWriterRequest{Config: cfg, Stream: stream})
	if err != nil {
		e.t.Fatalf("open writer %s: %v", stream, err)
	}
	defer func() {
		if err := w.Close(ctx); err != nil {
			e.t.Errorf("close writer: %v", err)
		}
	}()
	resp, err := w.Write(ctx, sdk.WriteRequest{Records: records})
	if err == nil && len(resp.Results) != len(records) {
		e.t.Fatalf("write of %d records gave %d results", len(records), len(resp.Results))
	}
	return resp.Results, err
}

// record is a record of stream with key and JSON data.
func record(stream, key, data string) sdk.Record {
	return sdk.Record{Stream: stream, Key: key, Data: []byte(data)}
}

// kitStorm is a fault setting: the next n requests get 429.
func kitStorm(n int) kit.Faults { return kit.Faults{RateLimitStorm: n} }

func jsonResult(s string) gjson.Result { return gjson.Parse(s) }
