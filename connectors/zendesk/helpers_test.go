package zendesk

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/zendesk/sandbox"
	"github.com/cxhub/cxhub/sdk"
	kit "github.com/cxhub/cxhub/sdk/sandbox"
	"github.com/cxhub/cxhub/sdk/sdktest"
	"github.com/tidwall/gjson"
)

// newClock is a settable clock for a sandbox and a connector, at a fixed
// start.
func newClock() *sdktest.Clock { return sdktest.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)) }

// env is a started sandbox, a connector for it and a config.
type env struct {
	t     *testing.T
	clock *sdktest.Clock
	sb    *sandbox.Sandbox
	srv   *kit.Server
	conn  *Connector
	extra map[string]any // config fields beyond the defaults
}

// newEnv starts a sandbox (rate limits off unless opts sets them, a fake
// clock) and a connector with short waits.
func newEnv(t *testing.T, opts sandbox.Options) *env {
	t.Helper()
	clock := newClock()
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
	srv := sdktest.StartSandbox(t, sb)
	conn := NewWithOptions(Options{Now: clock.Now, JobPollInterval: 5 * time.Millisecond, MinBackoff: 5 * time.Millisecond})
	return &env{t: t, clock: clock, sb: sb, srv: srv, conn: conn, extra: map[string]any{
		"incremental_requests_per_minute": 100000, "requests_per_minute": 100000,
	}}
}

// config is the connection's config, with fields overridden by set (a nil
// value removes the field).
func (e *env) config(set ...any) sdk.Config {
	e.t.Helper()
	m := map[string]any{"base_url": e.srv.URL, "email": sandbox.DefaultEmail, "token": sandbox.DefaultToken,
		"webhook_secret": sandbox.DefaultWebhookSecret}
	maps.Copy(m, e.extra)
	return sdktest.ConfigOf(e.t, m, set...)
}

// read reads one stream from state with cfg.
func (e *env) read(cfg sdk.Config, stream string, state []byte) *sdktest.Collector {
	e.t.Helper()
	return sdktest.MustReadAll(context.Background(), e.t, e.conn, sdk.ReadRequest{Config: cfg,
		Streams: []sdk.StreamState{{Stream: stream, State: state}}})
}

// write writes records to stream in one batch.
func (e *env) write(cfg sdk.Config, stream string, records []sdk.Record) ([]sdk.Result, error) {
	e.t.Helper()
	return e.writeCtx(context.Background(), cfg, stream, records)
}

// writeCtx is write with a context of the caller's.
func (e *env) writeCtx(ctx context.Context, cfg sdk.Config, stream string, records []sdk.Record) ([]sdk.Result, error) {
	e.t.Helper()
	return sdktest.WriteBatch(ctx, e.t, e.conn, sdk.OpenWriterRequest{Config: cfg, Stream: stream}, records)
}

// record is a record of stream with key and JSON data.
func record(stream, key, data string) sdk.Record {
	return sdk.Record{Stream: stream, Key: key, Data: []byte(data)}
}

// kitStorm is a fault setting: the next n requests get 429.
func kitStorm(n int) kit.Faults { return kit.Faults{RateLimitStorm: n} }

func jsonResult(s string) gjson.Result { return gjson.Parse(s) }
