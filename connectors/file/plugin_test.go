package file

import (
	"context"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/host"
)

// TestPluginProtocol builds the plugin binary and drives it through the
// real go-plugin gRPC protocol, as the core does.
func TestPluginProtocol(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin binary")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH to build the plugin")
	}
	bin := filepath.Join(t.TempDir(), "cxhub-connector-file")
	build := exec.Command(goTool, "build", "-o", bin, "./cmd/cxhub-connector-file")
	build.Dir = "."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build plugin: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := host.Launch(ctx, host.Options{Path: bin})
	if err != nil {
		t.Fatalf("launch: %v", err)
	}
	defer p.Kill()
	if p.Spec().Name != "file" {
		t.Fatalf("spec name = %q", p.Spec().Name)
	}

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "in.jsonl"), "{\"id\":\"1\"}\n{\"id\":\"2\"}\nbroken\n{\"id\":\"4\"}\n{\"id\":\"5\"}\n")
	cfg := testConfig(t, dir, nil)

	if resp, err := p.Check(ctx, sdk.CheckRequest{Config: cfg}); err != nil || resp.Message != "1 stream files in "+dir {
		t.Fatalf("check = %q, %v", resp.Message, err)
	}
	if _, err := p.Check(ctx, sdk.CheckRequest{Config: sdk.Config(`{"dir":"` + dir + `/none","create_dir":false}`)}); sdk.KindOf(err) != sdk.KindConfig {
		t.Fatalf("check of a missing dir = %v, want a ConfigError", err)
	}
	disc, err := p.Discover(ctx, sdk.DiscoverRequest{Config: cfg})
	if err != nil || len(disc.Streams) != 1 || disc.Streams[0].Name != "in" || !disc.Streams[0].Capabilities.Delete {
		t.Fatalf("discover = %+v, %v", disc, err)
	}

	out := &collector{}
	err = p.Read(ctx, sdk.ReadRequest{Config: cfg, Streams: []sdk.StreamState{{Stream: "in"}}, BatchSize: 2}, out)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if want := []string{"1", "2", "in:3", "4", "5"}; !slices.Equal(out.keys(), want) {
		t.Fatalf("read keys = %v, want %v", out.keys(), want)
	}
	if !strings.HasPrefix(out.records[2].Problem, "line 3: invalid JSON") || string(out.records[2].Data) != "broken" {
		t.Errorf("problem record = %+v", out.records[2])
	}
	var after []int
	for _, cp := range out.checkpoints {
		after = append(after, cp.after)
	}
	if !slices.Equal(after, []int{2, 4, 5}) {
		t.Fatalf("checkpoints after %v records, want [2 4 5]", after)
	}
	rest := &collector{}
	err = p.Read(ctx, sdk.ReadRequest{Config: cfg, Streams: []sdk.StreamState{{Stream: "in", State: out.checkpoints[0].state}}}, rest)
	if err != nil || !slices.Equal(rest.keys(), []string{"in:3", "4", "5"}) {
		t.Fatalf("read from the first checkpoint = %v, %v", rest.keys(), err)
	}

	w, err := p.OpenWriter(ctx, sdk.OpenWriterRequest{Config: cfg, Stream: "out"})
	if err != nil {
		t.Fatalf("open writer: %v", err)
	}
	resp, err := w.Write(ctx, sdk.WriteRequest{Records: []sdk.Record{
		{Stream: "out", Key: "1", Data: []byte(`{"id":"1","n":1}`)},
		{Stream: "out", Key: "2", Data: []byte(`[2]`)},
		{Stream: "out", Key: "3", Data: []byte(`{"id":"3","n":3}`)},
	}})
	if err != nil {
		t.Fatalf("write: %v", err)
	}
	checkResults(t, resp.Results, "1+", "!bad_record", "3+")
	if msg := resp.Results[1].Err.Error(); msg != "record data is not a JSON object" {
		t.Errorf("bad record message = %q", msg)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatalf("close writer: %v", err)
	}
	if got := readFile(t, filepath.Join(dir, "out.jsonl")); got != "{\"id\":\"1\",\"n\":1}\n{\"id\":\"3\",\"n\":3}\n" {
		t.Fatalf("written file = %q", got)
	}
}
