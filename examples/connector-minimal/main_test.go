package main

// These tests build the connector and run it as the core does: as a
// separate plugin process started with host.Launch, over the real protocol.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/host"
)

// binary is the connector built by TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cxhub-connector-inline-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "cxhub-connector-inline")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// launch starts the connector; it is killed when the test ends.
func launch(t *testing.T) (*host.Plugin, context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	p, err := host.Launch(ctx, host.Options{Path: binary})
	if err != nil {
		t.Fatalf("Launch(%s): %v", binary, err)
	}
	t.Cleanup(p.Kill)
	return p, ctx
}

func config(t *testing.T, v map[string]any) sdk.Config {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// customers returns n records for the config: ids 1..n.
func customers(n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{"id": fmt.Sprint(i + 1), "email": fmt.Sprintf("c%d@example.com", i+1)}
	}
	return out
}

// collector is an Emitter that keeps what a Read sends.
type collector struct {
	keys        []string
	checkpoints []string
}

func (c *collector) Emit(records ...sdk.Record) error {
	for _, r := range records {
		c.keys = append(c.keys, r.Key)
	}
	return nil
}

func (c *collector) Checkpoint(stream string, state []byte) error {
	c.checkpoints = append(c.checkpoints, stream+"@"+string(state))
	return nil
}

func TestSpec(t *testing.T) {
	p, _ := launch(t)
	spec := p.Spec()
	if spec.Name != "inline" || spec.Kind != sdk.Generic {
		t.Errorf("spec %s (%s), want inline (generic)", spec.Name, spec.Kind)
	}
	if got := spec.SecretFields(); !slices.Equal(got, []string{"api_key"}) {
		t.Errorf("secret fields %q, want [api_key]", got)
	}
	st, ok := spec.Stream("customers")
	if !ok {
		t.Fatalf("no customers stream in %v", spec.StreamNames())
	}
	want := sdk.Capabilities{Read: true, IncrementalRead: true, Write: true}
	if st.Capabilities != want || st.Canonical != sdk.CanonicalCustomer {
		t.Errorf("customers: %+v, %s; want %+v, customer", st.Capabilities, st.Canonical, want)
	}
}

func TestCheck(t *testing.T) {
	p, ctx := launch(t)
	dir := t.TempDir()
	tests := []struct {
		name    string
		config  map[string]any
		want    string
		wantErr sdk.ErrorKind
	}{
		{"records only", map[string]any{"records": customers(3), "api_key": "k"}, "3 records, no file", 0},
		{"with a file", map[string]any{"file": filepath.Join(dir, "out.jsonl")}, "0 records, file " + filepath.Join(dir, "out.jsonl"), 0},
		{"no such directory", map[string]any{"file": filepath.Join(dir, "nope", "out.jsonl")}, "", sdk.KindConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := p.Check(ctx, sdk.CheckRequest{Config: config(t, tt.config)})
			if tt.wantErr != 0 {
				if sdk.KindOf(err) != tt.wantErr {
					t.Errorf("Check = %v (kind %s), want a %s error", err, sdk.KindOf(err), tt.wantErr)
				}
				return
			}
			if err != nil || resp.Message != tt.want {
				t.Errorf("Check = %q, %v; want %q", resp.Message, err, tt.want)
			}
		})
	}
}

func TestRead(t *testing.T) {
	p, ctx := launch(t)
	read := func(t *testing.T, n int, state string) collector {
		t.Helper()
		var out collector
		err := p.Read(ctx, sdk.ReadRequest{
			Config:  config(t, map[string]any{"records": customers(n)}),
			Streams: []sdk.StreamState{{Stream: "customers", State: []byte(state)}},
		}, &out)
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		return out
	}
	// A full read of three records, then two records are added to the
	// config: a read from the checkpoint returns only those two.
	first := read(t, 3, "")
	if want := []string{"1", "2", "3"}; !slices.Equal(first.keys, want) {
		t.Errorf("full read: keys %q, want %q", first.keys, want)
	}
	if want := []string{"customers@3"}; !slices.Equal(first.checkpoints, want) {
		t.Fatalf("full read: checkpoints %q, want %q", first.checkpoints, want)
	}
	state := strings.TrimPrefix(first.checkpoints[0], "customers@")
	second := read(t, 5, state)
	if want := []string{"4", "5"}; !slices.Equal(second.keys, want) {
		t.Errorf("read from checkpoint %s: keys %q, want %q", state, second.keys, want)
	}
	if nothing := read(t, 5, "5"); len(nothing.keys) != 0 {
		t.Errorf("read from the last checkpoint returned %q, want nothing", nothing.keys)
	}
}

// fileLines returns the destination file's lines as stream/key/data.
func fileLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out = append(out, l.Stream+"/"+l.Key+" "+string(l.Data))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Writing the same records twice, in two write sessions as after a crash
// and a replay, leaves one line per record.
func TestWriteTwiceNoDuplicates(t *testing.T) {
	p, ctx := launch(t)
	file := filepath.Join(t.TempDir(), "customers.jsonl")
	cfg := config(t, map[string]any{"file": file})
	records := []sdk.Record{
		{Stream: "customers", Key: "1", Data: []byte(`{"id": "1", "email": "ada@example.com"}`)},
		{Stream: "customers", Key: "2", Data: []byte(`{"id": "2", "email": "alan@example.com"}`)},
	}
	write := func(t *testing.T, records []sdk.Record) []sdk.Result {
		t.Helper()
		w, err := p.OpenWriter(ctx, sdk.OpenWriterRequest{Config: cfg, Stream: "customers"})
		if err != nil {
			t.Fatalf("OpenWriter: %v", err)
		}
		resp, err := w.Write(ctx, sdk.WriteRequest{Records: records})
		if err != nil {
			t.Fatalf("Write: %v", err)
		}
		if err := w.Close(ctx); err != nil {
			t.Fatalf("Close: %v", err)
		}
		return resp.Results
	}
	want := []string{
		`customers/1 {"id":"1","email":"ada@example.com"}`,
		`customers/2 {"id":"2","email":"alan@example.com"}`,
	}

	if got := write(t, records); !reflect.DeepEqual(got, []sdk.Result{sdk.Written("1", true), sdk.Written("2", true)}) {
		t.Errorf("first write: results %+v, want 1 and 2 created", got)
	}
	if got := fileLines(t, file); !slices.Equal(got, want) {
		t.Fatalf("after the first write the file holds\n%q\nwant\n%q", got, want)
	}

	if got := write(t, records); !reflect.DeepEqual(got, []sdk.Result{sdk.Written("1", false), sdk.Written("2", false)}) {
		t.Errorf("second write: results %+v, want 1 and 2 written, not created", got)
	}
	if got := fileLines(t, file); !slices.Equal(got, want) {
		t.Fatalf("writing the same records again changed the file:\n%q\nwant\n%q", got, want)
	}

	// A changed record is appended once; a bad one fails alone.
	changed := sdk.Record{Stream: "customers", Key: "2", Data: []byte(`{"id":"2","email":"turing@example.com"}`)}
	bad := sdk.Record{Stream: "customers", Key: "3", Data: []byte(`not json`)}
	results := write(t, []sdk.Record{changed, bad, changed})
	if len(results) != 3 || results[0] != sdk.Written("2", false) || results[2] != sdk.Written("2", false) ||
		sdk.KindOf(results[1].Err) != sdk.KindBadRecord {
		t.Errorf("third write: results %+v, want 2 written, 3 a bad record, 2 written", results)
	}
	want = append(want, `customers/2 {"id":"2","email":"turing@example.com"}`)
	if got := fileLines(t, file); !slices.Equal(got, want) {
		t.Fatalf("after a change the file holds\n%q\nwant\n%q", got, want)
	}
}
