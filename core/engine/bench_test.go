package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/mapping"
	"github.com/cxhub/cxhub/core/state/sqlite"
	"github.com/cxhub/cxhub/sdk"
)

// benchSource emits n prebuilt ~450-byte records in batches, with a
// checkpoint after each, as fast as the engine takes them. Every record
// has its own key (keys[i]), so that each link is a new row.
type benchSource struct {
	batch []sdk.Record
	keys  []string
	n     int
}

func (s *benchSource) Spec() sdk.Spec { return sdk.Spec{Name: "benchsource", Version: "1"} }
func (s *benchSource) Check(context.Context, sdk.CheckRequest) (sdk.CheckResponse, error) {
	return sdk.CheckResponse{}, nil
}

func (s *benchSource) Read(ctx context.Context, req sdk.ReadRequest, out sdk.Emitter) error {
	start := 0
	if st := req.Streams[0].State; st != nil {
		start, _ = strconv.Atoi(string(st))
	}
	for sent := start; sent < s.n; sent += len(s.batch) {
		// A fresh slice per batch: the engine may keep the batch.
		batch := append([]sdk.Record(nil), s.batch...)
		for i := range batch {
			batch[i].Key = s.keys[sent+i]
		}
		if err := out.Emit(batch...); err != nil {
			return err
		}
		if err := out.Checkpoint(req.Streams[0].Stream, strconv.AppendInt(nil, int64(sent+len(s.batch)), 10)); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// benchSink accepts everything, optionally returning an id per record.
type benchSink struct{ ids bool }

func (d benchSink) Spec() sdk.Spec { return sdk.Spec{Name: "benchsink", Version: "1"} }
func (d benchSink) Check(context.Context, sdk.CheckRequest) (sdk.CheckResponse, error) {
	return sdk.CheckResponse{}, nil
}
func (d benchSink) OpenWriter(context.Context, sdk.OpenWriterRequest) (sdk.Writer, error) {
	return d, nil
}
func (d benchSink) Close(context.Context) error { return nil }
func (d benchSink) Write(_ context.Context, req sdk.WriteRequest) (sdk.WriteResponse, error) {
	res := make([]sdk.Result, len(req.Records))
	for i := range res {
		res[i].Created = true
		if d.ids {
			res[i].ID = "id-" + req.Records[i].Key
		}
	}
	return sdk.WriteResponse{Results: res}, nil
}

// BenchmarkSync measures the core's own work per record (map five
// fields, filter, batch, link lookups, one SQLite transaction per batch)
// with in-process connectors: b.N records, reported per record.
func BenchmarkSync(b *testing.B) {
	for _, links := range []bool{false, true} {
		b.Run(fmt.Sprintf("links=%t", links), func(b *testing.B) {
			const batchSize = 500
			batch := make([]sdk.Record, batchSize)
			for i := range batch {
				key := fmt.Sprintf("cus-%08d", i)
				batch[i] = sdk.Record{Stream: "customers", Key: key, UpdatedAt: time.Unix(1700000000, 0),
					Data: fmt.Appendf(nil, `{"id":%q,"email":"person%d@example.com","first_name":"Ada","last_name":"Lovelace","phone":"+44 20 7946 0000","company":"Analytical Engines Ltd","country":"United Kingdom","created_at":"2026-01-02T03:04:05Z","bio":"%0200d"}`, key, i, 0)}
			}
			n := max(b.N, 1)
			n = (n + batchSize - 1) / batchSize * batchSize
			keys := make([]string, n)
			for i := range keys {
				keys[i] = fmt.Sprintf("cus-%08d", i)
			}
			store, err := sqlite.Open(filepath.Join(b.TempDir(), "state.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
			pipe := &config.Pipeline{
				Name: "p", From: config.Endpoint{Connection: "src", Stream: "customers"},
				To: config.Endpoint{Connection: "dst", Stream: "customers"}, OnError: "dead_letter", BatchSize: batchSize,
				Map: []mapping.Field{{Name: "id", Expr: "id"}, {Name: "email", Expr: "email"}, {Name: "name", Expr: "first_name"},
					{Name: "surname", Expr: "last_name"}, {Name: "phone", Expr: "phone"}},
				Where: `email != "" && country != "Atlantis"`,
				Retry: config.Retry{InitialInterval: time.Millisecond, MaxInterval: time.Millisecond, MaxElapsed: time.Second},
			}
			cfg := &config.Config{File: "bench.yaml", Connections: map[string]*config.Connection{
				"src": {Name: "src", Connector: "benchsource", Config: json.RawMessage(`{}`)},
				"dst": {Name: "dst", Connector: "benchsink", Config: json.RawMessage(`{}`)},
			}, Pipelines: []*config.Pipeline{pipe}}
			launch := &fakeLauncher{connectors: map[string]sdk.Connector{"src": &benchSource{batch: batch, keys: keys, n: n}, "dst": benchSink{ids: links}}}
			r := &Runner{Config: cfg, Store: store, Launcher: launch, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
			b.SetBytes(int64(len(batch[0].Data)))
			b.ReportAllocs()
			b.ResetTimer()
			res := r.Sync(context.Background(), "p")
			b.StopTimer()
			if res.Err != nil || res.Counts.Written != int64(n) {
				b.Fatalf("sync: %v, wrote %d of %d", res.Err, res.Counts.Written, n)
			}
			// Per record, whatever b.N was rounded up to.
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/record")
		})
	}
}
