package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// TestConformance runs the SDK's conformance suite against the connector,
// in this process and as the binary TestMain built.
func TestConformance(t *testing.T) {
	t.Run("in_process", func(t *testing.T) {
		sdktest.Suite{Connector: inline{}, Driver: newInlineDriver(t)}.Run(t)
	})
	t.Run("binary", func(t *testing.T) {
		sdktest.Suite{Binary: binary, Driver: newInlineDriver(t)}.Run(t)
	})
}

// inlineDriver holds what the connector serves and where it writes: the
// source's records live in the config, so the driver is a Configurer and
// "seeding" the system means changing the config.
type inlineDriver struct {
	records []map[string]any // the config's records
	file    string           // the destination file
}

var (
	_ sdktest.SourceDriver      = (*inlineDriver)(nil)
	_ sdktest.DestinationDriver = (*inlineDriver)(nil)
	_ sdktest.Configurer        = (*inlineDriver)(nil)
	_ sdktest.BadRecorder       = (*inlineDriver)(nil)
)

func newInlineDriver(t *testing.T) *inlineDriver {
	return &inlineDriver{records: []map[string]any{}, file: filepath.Join(t.TempDir(), "customers.jsonl")}
}

// Config is the connection's config as the system stands now.
func (d *inlineDriver) Config() sdk.Config {
	cfg, err := json.Marshal(map[string]any{"records": d.records, "file": d.file})
	if err != nil {
		panic(fmt.Sprintf("encode the config: %v", err)) // maps of strings always encode
	}
	return cfg
}

// add appends a record with the next id and returns its key.
func (d *inlineDriver) add() string {
	id := fmt.Sprintf("c-%d", len(d.records)+1)
	d.records = append(d.records, map[string]any{"id": id, "email": id + "@example.com"})
	return id
}

func (d *inlineDriver) Seed(_ context.Context, _ string, n int) ([]string, error) {
	d.records = d.records[:0]
	keys := make([]string, n)
	for i := range keys {
		keys[i] = d.add()
	}
	return keys, nil
}

// Change only adds records: the connector's checkpoint is a count of
// records read, so it is for append-only data.
func (d *inlineDriver) Change(_ context.Context, _ string, _ []string, add int) ([]string, error) {
	keys := make([]string, add)
	for i := range keys {
		keys[i] = d.add()
	}
	return keys, nil
}

func (d *inlineDriver) Records(stream string, n, salt int) []sdk.Record {
	recs := make([]sdk.Record, n)
	for i := range recs {
		key := fmt.Sprintf("w-%d", i+1)
		recs[i] = sdk.Record{Stream: stream, Key: key,
			Data: fmt.Appendf(nil, `{"id":%q,"email":"%s@example.com","salt":%d}`, key, key, salt)}
	}
	return recs
}

// Count reads the destination file as the connector does: each key of the
// stream is one customer, whose latest line counts.
func (d *inlineDriver) Count(_ context.Context, stream string, records []sdk.Record) ([]int, error) {
	lines, err := os.ReadFile(d.file)
	if err != nil {
		return nil, err
	}
	held := map[string]bool{}
	dec := json.NewDecoder(bytes.NewReader(lines))
	for dec.More() {
		var l line
		if err := dec.Decode(&l); err != nil {
			return nil, fmt.Errorf("read %s: %w", d.file, err)
		}
		if l.Stream == stream {
			held[l.Key] = true
		}
	}
	counts := make([]int, len(records))
	for i, r := range records {
		if held[r.Key] {
			counts[i] = 1
		}
	}
	return counts, nil
}

// BadRecord is a record whose data is not JSON.
func (d *inlineDriver) BadRecord(stream string) (sdk.Record, bool) {
	return sdk.Record{Stream: stream, Key: "w-bad", Data: []byte(`not json`)}, true
}
