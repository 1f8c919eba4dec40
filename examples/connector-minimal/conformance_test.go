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

// Count reads the destination file, where each line is a version of a
// customer (the latest line of a key is the customer): a record is held
// once when its key's latest line carries its data. A rewrite of the same
// data must not add a line, so each line more in that run of identical
// (key, data) lines at the end of the key's history counts as one more
// object: a writer that appends every record it is given shows up as 2
// after an identical rewrite. A record whose key's latest line carries
// other data (an update not written) counts 0. A changed record legitimately
// appends a line for its key: the earlier versions before it are not
// counted.
func (d *inlineDriver) Count(_ context.Context, stream string, records []sdk.Record) ([]int, error) {
	lines, err := os.ReadFile(d.file)
	if err != nil {
		return nil, err
	}
	history := map[string][]string{} // key → compact data of each of its lines, in file order
	dec := json.NewDecoder(bytes.NewReader(lines))
	for dec.More() {
		var l line
		if err := dec.Decode(&l); err != nil {
			return nil, fmt.Errorf("read %s: %w", d.file, err)
		}
		if l.Stream != stream {
			continue
		}
		data, err := compact(l.Data)
		if err != nil {
			return nil, fmt.Errorf("read %s: key %s: %w", d.file, l.Key, err)
		}
		history[l.Key] = append(history[l.Key], data)
	}
	counts := make([]int, len(records))
	for i, r := range records {
		want, err := compact(r.Data)
		if err != nil {
			return nil, fmt.Errorf("record %s: %w", r.Key, err)
		}
		versions := history[r.Key]
		for j := len(versions) - 1; j >= 0 && versions[j] == want; j-- {
			counts[i]++
		}
	}
	return counts, nil
}

// compact returns JSON data without insignificant spaces, to compare.
func compact(data []byte) (string, error) {
	var b bytes.Buffer
	if err := json.Compact(&b, data); err != nil {
		return "", fmt.Errorf("data is not JSON: %w", err)
	}
	return b.String(), nil
}

// BadRecord is a record whose data is not JSON.
func (d *inlineDriver) BadRecord(stream string) (sdk.Record, bool) {
	return sdk.Record{Stream: stream, Key: "w-bad", Data: []byte(`not json`)}, true
}
