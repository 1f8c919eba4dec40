package file

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

func TestSpec(t *testing.T) {
	spec := New().Spec()
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	if spec.Name != "file" || spec.Kind != sdk.Generic || len(spec.Streams) != 0 ||
		!strings.Contains(spec.Description, "lists none") {
		t.Errorf("spec = %+v", spec)
	}
	schema := gjson.Parse(spec.ConfigSchema)
	if !gjson.Valid(spec.ConfigSchema) {
		t.Fatal("config schema is not valid JSON")
	}
	for _, path := range []string{"additionalProperties", "properties.streams.additionalProperties.additionalProperties"} {
		if v := schema.Get(path); v.Type != gjson.False {
			t.Errorf("schema %s = %s, want false", path, v.Raw)
		}
	}
	if r := fmt.Sprint(schema.Get("required").Value()); r != `[dir]` {
		t.Errorf("required = %s", r)
	}
	if got := fmt.Sprint(schema.Get("properties.format.enum").Value()); got != `[jsonl csv]` {
		t.Errorf("format enum = %s", got)
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.jsonl"), "")
	writeFile(t, filepath.Join(dir, "b.csv"), "id\n")
	writeFile(t, filepath.Join(dir, "notes.txt"), "")
	regular := filepath.Join(dir, "notes.txt")
	missing := filepath.Join(dir, "missing", "deeper")

	ok := []struct {
		name, config, message string
	}{
		{"dir with files", `{"dir":"` + dir + `"}`, "2 stream files in " + dir},
		{"missing dir to create", `{"dir":"` + missing + `"}`, "0 stream files in " + missing},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := New().Check(context.Background(), sdk.CheckRequest{Config: sdk.Config(tt.config)})
			if err != nil || !strings.HasPrefix(resp.Message, tt.message) {
				t.Fatalf("check = %q, %v; want %q", resp.Message, err, tt.message)
			}
		})
	}
	bad := []struct {
		name, config, mention string
	}{
		{"missing dir, no create", `{"dir":"` + missing + `","create_dir":false}`, missing},
		{"dir is a file", `{"dir":"` + regular + `"}`, regular},
		{"dir under a file", `{"dir":"` + filepath.Join(regular, "x") + `"}`, regular},
		{"no dir", `{}`, "dir: missing"},
		{"bad format", `{"dir":"` + dir + `","format":"xml"}`, `format is "xml": value must be one of`},
		{"unknown field", `{"dir":"` + dir + `","dri":"x"}`, "dri"},
		{"unknown stream field", `{"dir":"` + dir + `","streams":{"a":{"kye":"id"}}}`, "kye"},
		{"stream name is a path", `{"dir":"` + dir + `","streams":{"../a":{}}}`, "../a"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New().Check(context.Background(), sdk.CheckRequest{Config: sdk.Config(tt.config)})
			if sdk.KindOf(err) != sdk.KindConfig || !strings.Contains(err.Error(), tt.mention) {
				t.Fatalf("check = %v (%s), want a ConfigError mentioning %q", err, sdk.KindOf(err), tt.mention)
			}
		})
	}
}

func TestDiscover(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"customers.jsonl", "orders.ndjson", "tickets.csv", ".hidden.jsonl", ".customers.jsonl.123.tmp", "notes.txt", ".jsonl"} {
		writeFile(t, filepath.Join(dir, name), "")
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.jsonl"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t, dir, map[string]any{"streams": map[string]any{
		"customers": map[string]string{"key": "email", "cursor": "updated_at"},
		"later":     map[string]string{},
	}})
	resp, err := New().Discover(context.Background(), sdk.DiscoverRequest{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range resp.Streams {
		names = append(names, s.Name)
	}
	if want := []string{"customers", "later", "orders", "tickets"}; !slices.Equal(names, want) {
		t.Fatalf("streams = %v, want %v", names, want)
	}
	c := resp.Streams[0]
	all := sdk.Capabilities{Read: true, IncrementalRead: true, Write: true, Delete: true}
	if c.Canonical != sdk.CanonicalOther || !slices.Equal(c.PrimaryKey, []string{"email"}) || c.CursorField != "updated_at" ||
		c.Capabilities != all || c.Description != "customers.jsonl (JSON Lines)" {
		t.Errorf("customers = %+v", c)
	}
	if o := resp.Streams[2]; !slices.Equal(o.PrimaryKey, []string{"id"}) || o.CursorField != "" || o.Capabilities != all {
		t.Errorf("orders = %+v", o)
	}

	writeFile(t, filepath.Join(dir, "orders.csv"), "")
	_, err = New().Discover(context.Background(), sdk.DiscoverRequest{Config: cfg})
	if sdk.KindOf(err) != sdk.KindConfig || !strings.Contains(err.Error(), "orders") {
		t.Fatalf("discover with orders.ndjson and orders.csv = %v, want a ConfigError", err)
	}
}
