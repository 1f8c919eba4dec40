package hubspot

import (
	"context"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/hubspot/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// env is a sandbox on 127.0.0.1 and a connector pointed at it.
type env struct {
	t       *testing.T
	sb      *sandbox.Sandbox
	url     string
	conn    *Connector
	counter *httpx.Counter
}

// newEnv starts a sandbox with o (small counts and no rate limits unless
// set) and a connector with short retry waits.
func newEnv(t *testing.T, o sandbox.Options) *env {
	t.Helper()
	if o.Contacts == 0 {
		o.Contacts = 60
	}
	if o.Companies == 0 {
		o.Companies = 20
	}
	if o.Notes == 0 {
		o.Notes = 40
	}
	if o.RateLimit == 0 && o.SearchLimit == 0 {
		o.NoRateLimit = true
	}
	sb, err := sandbox.New(o)
	if err != nil {
		t.Fatal(err)
	}
	srv := sdktest.StartSandbox(t, sb)
	counter := &httpx.Counter{}
	conn := NewWithOptions(Options{Counter: counter, MinBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	return &env{t: t, sb: sb, url: srv.URL, conn: conn, counter: counter}
}

// config returns a config for the sandbox, with extra members.
func (e *env) config(extra map[string]any) sdk.Config {
	cfg := map[string]any{"base_url": e.url, "token": sandbox.DefaultToken, "search_requests_per_second": 100}
	maps.Copy(cfg, extra)
	return sdktest.ConfigOf(e.t, cfg)
}

// read reads one stream from state with a batch size.
func (e *env) read(stream string, state []byte, batch int) *sdktest.Collector {
	e.t.Helper()
	return sdktest.MustReadAll(e.t.Context(), e.t, e.conn, readRequest(e, stream, state, batch))
}

// ids returns the ids of the sandbox's objects of a stream.
func (e *env) ids(stream string) []string {
	var out []string
	for _, o := range e.sb.Objects(stream) {
		out = append(out, o.ID)
	}
	return out
}

// write writes records to a stream in one session, in batches of size.
func (e *env) write(cfg sdk.Config, stream string, recs []sdk.Record, size int) []sdk.Result {
	e.t.Helper()
	ctx := e.t.Context()
	w, err := e.conn.OpenWriter(ctx, sdk.OpenWriterRequest{Config: cfg, Stream: stream})
	if err != nil {
		e.t.Fatalf("open writer %s: %v", stream, err)
	}
	var out []sdk.Result
	for start := 0; start < len(recs); start += size {
		resp, err := w.Write(ctx, sdk.WriteRequest{Records: recs[start:min(start+size, len(recs))]})
		if err != nil {
			e.t.Fatalf("write %s: %v", stream, err)
		}
		out = append(out, resp.Results...)
	}
	if err := w.Close(context.WithoutCancel(ctx)); err != nil {
		e.t.Fatalf("close writer: %v", err)
	}
	return out
}

// sortedKeys returns a collector's keys of stream, sorted.
func sortedKeys(col *sdktest.Collector, stream string) []string {
	return slices.Sorted(slices.Values(col.Keys(stream)))
}

// dups returns the keys that come more than once.
func dups(keys []string) []string {
	seen := map[string]int{}
	var out []string
	for _, k := range keys {
		if seen[k]++; seen[k] == 2 {
			out = append(out, k)
		}
	}
	return out
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

// sdktestCollector is the suite's collector, embedded by test emitters.
type sdktestCollector = sdktest.Collector

// readRequest is a read of one stream from state.
func readRequest(e *env, stream string, state []byte, batch int) sdk.ReadRequest {
	return sdk.ReadRequest{Config: e.config(nil), Streams: []sdk.StreamState{{Stream: stream, State: state}}, BatchSize: batch}
}

// Emit keeps the records, and runs once after batch number at (the first
// if at is 0).
func (c *changer) Emit(records ...sdk.Record) error {
	if err := c.sdktestCollector.Emit(records...); err != nil {
		return err
	}
	if c.batch++; c.batch == max(c.at, 1) && c.once != nil {
		c.once()
	}
	return nil
}

func slicesCompact(s []string) []string { return slices.Compact(slices.Clone(s)) }

// httpServer serves handle on 127.0.0.1 and returns its base URL; handle
// gets the body read and the base URL.
func httpServer(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, body []byte, base string)) string {
	t.Helper()
	var base string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("read delivery: %v", err)
		}
		handle(w, r, body, base)
	}))
	base = srv.URL
	t.Cleanup(srv.Close)
	return base
}
