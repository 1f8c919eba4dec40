package file_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/file"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
	"github.com/tidwall/gjson"
)

// TestConformance runs the SDK's conformance suite against the file
// connector, in process and as the built plugin binary, on two streams:
// customers, read by cursor (updated_at), and events, read by offset
// (append-only).
func TestConformance(t *testing.T) {
	t.Run("in_process", func(t *testing.T) {
		d := newFileDriver(t)
		sdktest.Suite{Connector: file.New(), Config: d.config(t), Driver: d}.Run(t)
	})
	t.Run("binary", func(t *testing.T) {
		if testing.Short() {
			t.Skip("builds the plugin binary")
		}
		d := newFileDriver(t)
		sdktest.Suite{Binary: sdktest.BuildPlugin(t, "./cmd/cxhub-connector-file"), Config: d.config(t), Driver: d}.Run(t)
	})
}

// fileDriver seeds and changes the JSON Lines files of a directory, and
// reads back what the connector wrote there.
type fileDriver struct {
	dir   string
	clock time.Time                    // the last updated_at or at given out
	lines map[string][]json.RawMessage // what each stream's file holds, as the driver wrote it
}

func newFileDriver(t *testing.T) *fileDriver {
	return &fileDriver{
		dir:   t.TempDir(),
		clock: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC),
		lines: map[string][]json.RawMessage{},
	}
}

// config reads customers by cursor and events by offset, the default.
func (d *fileDriver) config(t *testing.T) sdk.Config {
	t.Helper()
	cfg, err := json.Marshal(map[string]any{
		"dir": d.dir,
		"streams": map[string]any{
			"customers": map[string]string{"key": "id", "cursor": "updated_at"},
			"events":    map[string]string{},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// tick returns the next instant, as RFC 3339.
func (d *fileDriver) tick() string {
	d.clock = d.clock.Add(time.Second)
	return d.clock.Format(time.RFC3339)
}

// line returns the stream's i-th record (1-based), at version v.
func (d *fileDriver) line(stream string, i, v int) (key string, line json.RawMessage, err error) {
	switch stream {
	case "customers":
		key = fmt.Sprintf("c-%d", i)
		line, err = json.Marshal(map[string]any{"id": key, "name": fmt.Sprintf("Customer %d", i), "version": v, "updated_at": d.tick()})
	case "events":
		key = fmt.Sprintf("e-%d", i)
		line, err = json.Marshal(map[string]any{"id": key, "type": "visit", "at": d.tick()})
	default:
		return "", nil, fmt.Errorf("the driver knows no stream %q", stream)
	}
	return key, line, err
}

func (d *fileDriver) Seed(_ context.Context, stream string, n int) ([]string, error) {
	d.lines[stream] = nil
	keys := make([]string, n)
	for i := range n {
		key, line, err := d.line(stream, i+1, 1)
		if err != nil {
			return nil, err
		}
		keys[i] = key
		d.lines[stream] = append(d.lines[stream], line)
	}
	return keys, d.writeFile(stream)
}

// Change rewrites the changed customers with a later updated_at; events
// are append-only, so it only appends new ones.
func (d *fileDriver) Change(_ context.Context, stream string, keys []string, add int) ([]string, error) {
	var changed []string
	if stream == "customers" {
		for _, k := range keys {
			i := 0
			if _, err := fmt.Sscanf(k, "c-%d", &i); err != nil || i < 1 || i > len(d.lines[stream]) {
				return nil, fmt.Errorf("change customer %q: not one the driver seeded", k)
			}
			_, line, err := d.line(stream, i, 2)
			if err != nil {
				return nil, err
			}
			d.lines[stream][i-1] = line
			changed = append(changed, k)
		}
	}
	for range add {
		key, line, err := d.line(stream, len(d.lines[stream])+1, 1)
		if err != nil {
			return nil, err
		}
		d.lines[stream] = append(d.lines[stream], line)
		changed = append(changed, key)
	}
	return changed, d.writeFile(stream)
}

// writeFile writes the stream's file: replaced (and renamed into place,
// as an editor or an export would) for customers; appended to for events.
func (d *fileDriver) writeFile(stream string) error {
	var buf bytes.Buffer
	for _, l := range d.lines[stream] {
		buf.Write(l)
		buf.WriteByte('\n')
	}
	path := filepath.Join(d.dir, stream+".jsonl")
	if stream == "events" {
		if old, err := os.ReadFile(path); err == nil && bytes.HasPrefix(buf.Bytes(), old) && len(old) > 0 {
			return appendFile(path, buf.Bytes()[len(old):])
		}
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func appendFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Records are the records the core would write, keyed by id.
func (d *fileDriver) Records(stream string, n, salt int) []sdk.Record {
	recs := make([]sdk.Record, n)
	for i := range recs {
		key := fmt.Sprintf("w-%d", i+1)
		recs[i] = sdk.Record{Stream: stream, Key: key,
			Data: fmt.Appendf(nil, `{"id":%q,"name":"Written %d","salt":%d}`, key, i+1, salt)}
	}
	return recs
}

// Count reads the stream's file and counts the lines of each record's id.
func (d *fileDriver) Count(_ context.Context, stream string, records []sdk.Record) ([]int, error) {
	f, err := os.Open(filepath.Join(d.dir, stream+".jsonl"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	byID := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			byID[gjson.Get(line, "id").String()]++
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	counts := make([]int, len(records))
	for i, r := range records {
		counts[i] = byID[gjson.GetBytes(r.Data, "id").String()]
	}
	return counts, nil
}

// BadRecord is a record whose data is not a JSON object.
func (d *fileDriver) BadRecord(stream string) (sdk.Record, bool) {
	return sdk.Record{Stream: stream, Key: "w-bad", Data: []byte(`["not", "an", "object"]`)}, true
}
