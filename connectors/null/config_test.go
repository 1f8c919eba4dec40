package null

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want config
		err  string // a part of the ConfigError's message; "" for success
	}{
		{"empty", ``, config{Streams: []string{"customers", "interactions"}}, ""},
		{"defaults", `{}`, config{Streams: []string{"customers", "interactions"}}, ""},
		{"all set", `{"streams":["a.b","c"],"return_ids":true,"stats_file":"out/{stream}.json"}`,
			config{Streams: []string{"a.b", "c"}, ReturnIDs: true, StatsFile: "out/{stream}.json"}, ""},
		{"no streams", `{"streams":[]}`, config{}, "streams is []: minItems"},
		{"empty name", `{"streams":[""]}`, config{}, `streams.0 is "": minLength`},
		{"twice", `{"streams":["a","a"]}`, config{}, `streams is ["a","a"]: items at 0 and 1 are equal`},
		{"separator", `{"streams":["../a"]}`, config{}, `streams.0 is "../a": `},
		{"nul", `{"streams":["a\u0000"]}`, config{}, "contains a NUL"},
		{"blank stats file", `{"stats_file":" "}`, config{}, "stats_file is blank"},
		{"unknown", `{"return_id":true}`, config{}, "return_id: unknown property"},
		{"wrong type", `{"return_ids":"yes"}`, config{}, "decode config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseConfig(sdk.Config(tt.raw))
			if tt.err == "" {
				if err != nil || !slices.Equal(got.Streams, tt.want.Streams) || got.ReturnIDs != tt.want.ReturnIDs || got.StatsFile != tt.want.StatsFile {
					t.Fatalf("parseConfig(%s) = %+v, %v; want %+v", tt.raw, got, err, tt.want)
				}
				return
			}
			if sdk.KindOf(err) != sdk.KindConfig || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("parseConfig(%s) = %v; want a config error saying %q", tt.raw, err, tt.err)
			}
		})
	}
}

func TestStatsPath(t *testing.T) {
	tests := []struct {
		file, stream, want string
	}{
		{"", "customers", ""},
		{"stats.json", "customers", "stats.json"},
		{"out/{stream}.json", "customers", "out/customers.json"},
		{"{stream}/{stream}.json", "a", "a/a.json"},
	}
	for _, tt := range tests {
		if got := (config{StatsFile: tt.file}).statsPath(tt.stream); got != tt.want {
			t.Errorf("statsPath(%q, %q) = %q, want %q", tt.file, tt.stream, got, tt.want)
		}
	}
}

func TestCheckStatsDir(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	writeTestFile(t, file, "x")
	tests := []struct {
		name, stats string
		ok          bool
	}{
		{"none", "", true},
		{"in an existing dir", filepath.Join(dir, "s.json"), true},
		{"relative", "s.json", true},
		{"missing dir", filepath.Join(dir, "nope", "s.json"), false},
		{"dir is a file", filepath.Join(file, "s.json"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := config{StatsFile: tt.stats}.checkStatsDir("customers")
			if tt.ok != (err == nil) || (err != nil && sdk.KindOf(err) != sdk.KindConfig) {
				t.Fatalf("checkStatsDir(%q) = %v, want ok %v (or a config error)", tt.stats, err, tt.ok)
			}
		})
	}
}
