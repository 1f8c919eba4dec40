package generator

import (
	"math"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want config
		err  string // a part of the ConfigError's message; "" for success
	}{
		{"empty", ``, config{Count: 1000, RecordSize: 450, Seed: 1}, ""},
		{"defaults", `{}`, config{Count: 1000, RecordSize: 450, Seed: 1}, ""},
		{"all set", `{"count":5,"record_size":1024,"seed":-9}`, config{Count: 5, RecordSize: 1024, Seed: -9}, ""},
		{"bounds", `{"count":1000000000,"record_size":65536}`, config{Count: 1e9, RecordSize: 65536, Seed: 1}, ""},
		{"lower bounds", `{"count":0,"record_size":300}`, config{Count: 0, RecordSize: 300, Seed: 1}, ""},
		{"exponent", `{"count":1e3,"record_size":500.0}`, config{Count: 1000, RecordSize: 500, Seed: 1}, ""},
		{"largest seed", `{"seed":9223372036854775807}`, config{Count: 1000, RecordSize: 450, Seed: math.MaxInt64}, ""},
		{"negative count", `{"count":-1}`, config{}, "count is -1"},
		{"count too large", `{"count":1000000001}`, config{}, "count is 1000000001"},
		{"fraction", `{"count":1.5}`, config{}, "count is 1.5"},
		{"size too small", `{"record_size":299}`, config{}, "record_size is 299"},
		{"size too large", `{"record_size":65537}`, config{}, "record_size is 65537"},
		{"seed too large", `{"seed":1e30}`, config{}, "seed is 1e30: does not fit"},
		{"string", `{"count":"10"}`, config{}, `count is "10"`},
		{"null", `{"count":null}`, config{}, "count is null"},
		{"unknown", `{"cuont":10}`, config{}, "cuont: unknown property"},
		{"not an object", `[1]`, config{}, "decode config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseConfig(sdk.Config(tt.raw))
			if tt.err == "" {
				if err != nil || got != tt.want {
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

// TestSchemaBounds keeps the config schema's bounds and defaults equal to
// those parseConfig applies.
func TestSchemaBounds(t *testing.T) {
	schema := New().Spec().ConfigSchema
	tests := []struct {
		path string
		want int64
	}{
		{"properties.count.minimum", 0},
		{"properties.count.maximum", maxCount},
		{"properties.count.default", defaultCount},
		{"properties.record_size.minimum", MinRecordSize},
		{"properties.record_size.maximum", MaxRecordSize},
		{"properties.record_size.default", defaultRecordSize},
		{"properties.seed.default", defaultSeed},
	}
	for _, tt := range tests {
		if got := gjson.Get(schema, tt.path); !got.Exists() || got.Int() != tt.want {
			t.Errorf("schema %s = %s, want %d", tt.path, got.Raw, tt.want)
		}
	}
}
