package shopify

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/shopify/sandbox"
	"github.com/cxhub/cxhub/sdk"
	kit "github.com/cxhub/cxhub/sdk/sandbox"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// env is a started sandbox, a connector for it and a config.
type env struct {
	t     *testing.T
	sb    *sandbox.Sandbox
	srv   *kit.Server
	conn  *Connector
	extra map[string]any // config fields beyond the defaults
}

// newEnv starts a sandbox (a large, fast leaky bucket unless opts sets
// one; injected 429s asking for 0.1s) and a connector with short waits.
func newEnv(t *testing.T, opts sandbox.Options) *env {
	t.Helper()
	extra := map[string]any{}
	if opts.BucketSize == 0 {
		opts.BucketSize, opts.LeakRate = 1000, 500
		extra["bucket_size"], extra["leak_rate"] = 1000, 500
	}
	if opts.FaultRetryAfter == 0 {
		opts.FaultRetryAfter = 100 * time.Millisecond
	}
	sb, err := sandbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := sdktest.StartSandbox(t, sb)
	conn := NewWithOptions(Options{MinBackoff: time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	return &env{t: t, sb: sb, srv: srv, conn: conn, extra: extra}
}

// config is the connection's config, with fields overridden by set (a nil
// value removes the field).
func (e *env) config(set ...any) sdk.Config {
	e.t.Helper()
	m := map[string]any{"base_url": e.srv.URL, "access_token": sandbox.DefaultToken, "webhook_secret": sandbox.DefaultWebhookSecret}
	maps.Copy(m, e.extra)
	return sdktest.ConfigOf(e.t, m, set...)
}

// read reads one stream from state.
func (e *env) read(cfg sdk.Config, stream string, state []byte) *sdktest.Collector {
	e.t.Helper()
	return sdktest.MustReadAll(context.Background(), e.t, e.conn, sdk.ReadRequest{Config: cfg,
		Streams: []sdk.StreamState{{Stream: stream, State: state}}})
}

// write writes records to stream in one batch, through a new writer.
func (e *env) write(cfg sdk.Config, stream string, records ...sdk.Record) ([]sdk.Result, error) {
	e.t.Helper()
	return sdktest.WriteBatch(context.Background(), e.t, e.conn, sdk.OpenWriterRequest{Config: cfg, Stream: stream}, records)
}

// record is a record of stream with key and JSON data.
func record(stream, key, data string) sdk.Record {
	return sdk.Record{Stream: stream, Key: key, Data: []byte(data)}
}

func sortedCopy(s []string) []string {
	out := append([]string{}, s...)
	slices.Sort(out)
	return out
}
