package file

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

// collector is an Emitter that keeps what it is sent. With failAfter set,
// the checkpoint after that many fails, as if the core had crashed: what
// came after the last kept checkpoint was never persisted.
type collector struct {
	records     []sdk.Record
	checkpoints []checkpoint
	failAfter   int
	onEmit      func(*collector)
}

// checkpoint is a checkpoint and how many records came before it.
type checkpoint struct {
	stream string
	state  []byte
	after  int
}

var errCrash = errors.New("core crashed")

func (c *collector) Emit(records ...sdk.Record) error {
	c.records = append(c.records, records...)
	if c.onEmit != nil {
		c.onEmit(c)
	}
	return nil
}

func (c *collector) Checkpoint(stream string, state []byte) error {
	if c.failAfter > 0 && len(c.checkpoints) >= c.failAfter {
		return errCrash
	}
	c.checkpoints = append(c.checkpoints, checkpoint{stream: stream, state: append([]byte(nil), state...), after: len(c.records)})
	return nil
}

// last returns the last checkpoint of stream, or nil.
func (c *collector) last(stream string) *checkpoint {
	for i := len(c.checkpoints) - 1; i >= 0; i-- {
		if c.checkpoints[i].stream == stream {
			return &c.checkpoints[i]
		}
	}
	return nil
}

func (c *collector) keys() []string {
	keys := make([]string, len(c.records))
	for i, r := range c.records {
		keys[i] = r.Key
	}
	return keys
}

// testConfig builds a config for dir; streams maps stream → settings.
func testConfig(t testing.TB, dir string, extra map[string]any) sdk.Config {
	t.Helper()
	cfg := map[string]any{"dir": dir}
	for k, v := range extra {
		cfg[k] = v
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// streamsConfig is the extra config of one stream's settings.
func streamsConfig(stream string, settings map[string]string) map[string]any {
	return map[string]any{"streams": map[string]any{stream: settings}}
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func appendFile(t testing.TB, path, content string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(content); err != nil {
		t.Fatal(err)
	}
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// read reads one stream from state with the given batch size.
func read(t testing.TB, cfg sdk.Config, stream string, state []byte, batch int) *collector {
	t.Helper()
	out := &collector{}
	if err := readInto(New(), cfg, stream, state, batch, out); err != nil {
		t.Fatalf("read %s: %v", stream, err)
	}
	return out
}

func readInto(c *Connector, cfg sdk.Config, stream string, state []byte, batch int, out *collector) error {
	req := sdk.ReadRequest{Config: cfg, Streams: []sdk.StreamState{{Stream: stream, State: state}}, BatchSize: batch}
	return c.Read(context.Background(), req, out)
}

// readAfter reads again from the last checkpoint of a previous read.
func readAfter(t testing.TB, cfg sdk.Config, stream string, prev *collector) *collector {
	t.Helper()
	cp := prev.last(stream)
	if cp == nil {
		t.Fatalf("no checkpoint for %s", stream)
	}
	return read(t, cfg, stream, cp.state, 0)
}

func newDir(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "data")
}
