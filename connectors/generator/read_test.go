package generator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// read reads stream from state with cfg and batch size.
func read(t *testing.T, cfg string, stream string, state []byte, batch int) *sdktest.Collector {
	t.Helper()
	col, err := sdktest.ReadAll(context.Background(), New(), sdk.ReadRequest{
		Config: sdk.Config(cfg), Streams: []sdk.StreamState{{Stream: stream, State: state}}, BatchSize: batch,
	})
	if err != nil {
		t.Fatalf("read %s from %s: %v", stream, state, err)
	}
	return col
}

// keyRange returns the keys of records from to to-1 of the stream with prefix.
func keyRange(prefix string, from, to int) []string {
	var keys []string
	for i := from; i < to; i++ {
		keys = append(keys, fmt.Sprintf("%s%08d", prefix, i+1))
	}
	return keys
}

func TestReadBatchesAndCheckpoints(t *testing.T) {
	tests := []struct {
		name        string
		count       int
		batch       int
		checkpoints []string
	}{
		{"three batches", 1234, 500, []string{`{"next":500}`, `{"next":1000}`, `{"next":1234}`}},
		{"default batch size", 1001, 0, []string{`{"next":500}`, `{"next":1000}`, `{"next":1001}`}},
		{"exact batches", 20, 10, []string{`{"next":10}`, `{"next":20}`}},
		{"one small batch", 3, 10, []string{`{"next":3}`}},
		{"nothing", 0, 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			col := read(t, fmt.Sprintf(`{"count":%d}`, tt.count), StreamInteractions, nil, tt.batch)
			if got, want := col.Keys(StreamInteractions), keyRange("int-", 0, tt.count); !slices.Equal(got, want) {
				t.Fatalf("read %d keys %v..., want %d", len(got), first(got), len(want))
			}
			var states []string
			batch := tt.batch
			if batch == 0 {
				batch = sdk.DefaultBatchSize
			}
			for i, cp := range col.Checkpoints {
				states = append(states, string(cp.State))
				if want := min((i+1)*batch, tt.count); cp.After != want || cp.Stream != StreamInteractions {
					t.Errorf("checkpoint %d of %s after %d records, want after %d", i, cp.Stream, cp.After, want)
				}
			}
			if !slices.Equal(states, tt.checkpoints) {
				t.Errorf("checkpoints %q, want %q", states, tt.checkpoints)
			}
		})
	}
}

func first(keys []string) []string { return keys[:min(len(keys), 3)] }

// TestReadResumes reads from checkpoints: only the records after them
// come, whatever the batch size, and raising count brings only the new
// records.
func TestReadResumes(t *testing.T) {
	tests := []struct {
		name     string
		count    int
		state    string
		from, to int // the records a read must return
	}{
		{"from the start", 30, "", 0, 30},
		{"mid-read", 30, `{"next":12}`, 12, 30},
		{"from the end", 30, `{"next":30}`, 30, 30},
		{"count raised", 45, `{"next":30}`, 30, 45},
		{"count lowered", 20, `{"next":30}`, 30, 30},
		{"not JSON", 30, `next=12`, 0, 30},
		{"negative", 30, `{"next":-4}`, 0, 30},
		{"fraction", 30, `{"next":4.5}`, 0, 30},
		{"no next", 30, `{"after":12}`, 0, 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var state []byte
			if tt.state != "" {
				state = []byte(tt.state)
			}
			col := read(t, fmt.Sprintf(`{"count":%d,"record_size":320}`, tt.count), StreamCustomers, state, 7)
			if got, want := col.Keys(StreamCustomers), keyRange("cus-", tt.from, tt.to); !slices.Equal(got, want) {
				t.Fatalf("read from %q: %d keys %v..., want %d from %v", tt.state, len(got), first(got), len(want), first(want))
			}
			if tt.from == tt.to {
				if len(col.Checkpoints) != 0 {
					t.Errorf("a read with nothing to emit sent checkpoints %v", col.Checkpoints)
				}
				return
			}
			if last, want := string(col.Last(StreamCustomers)), fmt.Sprintf(`{"next":%d}`, tt.to); last != want {
				t.Errorf("last checkpoint %s, want %s", last, want)
			}
		})
	}
}

// TestReadSameRecordsWhenResumed checks that a resumed read emits the same
// bytes as a full one, for the same records.
func TestReadSameRecordsWhenResumed(t *testing.T) {
	cfg := `{"count":50,"seed":42}`
	full := read(t, cfg, StreamInteractions, nil, 8)
	rest := read(t, cfg, StreamInteractions, []byte(`{"next":20}`), 5)
	for j, rec := range rest.Records {
		if want := full.Records[20+j]; !bytes.Equal(rec.Data, want.Data) || rec.Key != want.Key || !rec.UpdatedAt.Equal(want.UpdatedAt) {
			t.Fatalf("resumed record %d differs from the full read's:\n%s\n%s", 20+j, rec.Data, want.Data)
		}
	}
}

// TestReadBothStreams reads the two streams in one read, in the order asked.
func TestReadBothStreams(t *testing.T) {
	col, err := sdktest.ReadAll(context.Background(), New(), sdk.ReadRequest{
		Config:    sdk.Config(`{"count":4}`),
		Streams:   []sdk.StreamState{{Stream: StreamInteractions}, {Stream: StreamCustomers, State: []byte(`{"next":2}`)}},
		BatchSize: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, r := range col.Records {
		keys = append(keys, r.Key)
	}
	want := append(keyRange("int-", 0, 4), keyRange("cus-", 2, 4)...)
	if !slices.Equal(keys, want) {
		t.Fatalf("keys %v, want %v", keys, want)
	}
}

// TestReadDataIsNotReused keeps the records of every batch and checks,
// once the read is over, that none was overwritten by a later batch: Emit
// owns what it was given.
func TestReadDataIsNotReused(t *testing.T) {
	col := read(t, `{"count":300}`, StreamCustomers, nil, 50)
	again := read(t, `{"count":300}`, StreamCustomers, nil, 300)
	for i := range col.Records {
		if !bytes.Equal(col.Records[i].Data, again.Records[i].Data) || col.Records[i].Key != again.Records[i].Key {
			t.Fatalf("record %d changed after it was emitted: %s", i, col.Records[i].Data)
		}
		if cap(col.Records[i].Data) != len(col.Records[i].Data) {
			t.Fatalf("record %d: data has room to grow into the next record's bytes (len %d, cap %d)",
				i, len(col.Records[i].Data), cap(col.Records[i].Data))
		}
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name   string
		cfg    string
		stream string
		kind   sdk.ErrorKind
	}{
		{"unknown stream", `{}`, "orders", sdk.KindConfig},
		{"bad config", `{"count":-1}`, StreamCustomers, sdk.KindConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			col, err := sdktest.ReadAll(context.Background(), New(), sdk.ReadRequest{
				Config: sdk.Config(tt.cfg), Streams: []sdk.StreamState{{Stream: tt.stream}}})
			if sdk.KindOf(err) != tt.kind || len(col.Records) > 0 {
				t.Fatalf("read = %d records, %v; want an error of kind %s", len(col.Records), err, tt.kind)
			}
		})
	}
}

// cancellingEmitter cancels the read's context when it is first given
// records, and counts the records it accepts.
type cancellingEmitter struct {
	cancel  context.CancelFunc
	records int
	fail    error // returned by every call, if set
}

func (e *cancellingEmitter) Emit(records ...sdk.Record) error {
	if e.fail != nil {
		return e.fail
	}
	e.records += len(records)
	e.cancel()
	return nil
}

func (e *cancellingEmitter) Checkpoint(string, []byte) error { return e.fail }

// TestReadStops checks that a read ends at the first batch after its
// context is cancelled, with the context's error, and that an emitter's
// error ends it at once.
func TestReadStops(t *testing.T) {
	req := sdk.ReadRequest{Config: sdk.Config(`{"count":1000000}`), Streams: []sdk.StreamState{{Stream: StreamCustomers}}, BatchSize: 100}
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		out := &cancellingEmitter{cancel: cancel}
		err := New().Read(ctx, req, out)
		if !errors.Is(err, context.Canceled) || out.records != 100 {
			t.Fatalf("read = %v after %d records; want context.Canceled after the first batch of 100", err, out.records)
		}
	})
	t.Run("emit fails", func(t *testing.T) {
		boom := errors.New("core is gone")
		out := &cancellingEmitter{cancel: func() {}, fail: boom}
		if err := New().Read(context.Background(), req, out); !errors.Is(err, boom) {
			t.Fatalf("read = %v, want the emitter's error", err)
		}
	})
}

func TestCheck(t *testing.T) {
	resp, err := New().Check(context.Background(), sdk.CheckRequest{Config: sdk.Config(`{"count":10,"record_size":512,"seed":3}`)})
	if want := "10 customers and 10 interactions of 512 bytes each, seed 3"; err != nil || resp.Message != want {
		t.Errorf("check = %q, %v; want %q", resp.Message, err, want)
	}
	if _, err := New().Check(context.Background(), sdk.CheckRequest{Config: sdk.Config(`{"record_size":10}`)}); sdk.KindOf(err) != sdk.KindConfig {
		t.Errorf("check of a bad config = %v, want a config error", err)
	}
}
