package generator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/cxhub/cxhub/sdk"
)

// Bounds and defaults of the config's settings.
const (
	defaultCount      = 1000
	maxCount          = 1_000_000_000
	defaultRecordSize = 450
	// MinRecordSize is the smallest record_size: every field of the
	// longest record but its padding fits in it, so that each record
	// keeps to the size asked (see TestMinRecordSizeFitsEveryRecord).
	MinRecordSize = 300
	// MaxRecordSize is the largest record_size.
	MaxRecordSize = 65536
	defaultSeed   = 1
)

// config is a connection's configuration, defaults applied.
type config struct {
	// count is how many records each stream has.
	count int64
	// recordSize is the size, in bytes, of each record's JSON.
	recordSize int
	// seed picks the data: another seed gives other records.
	seed int64
}

// rawConfig is the config as written, numbers kept as text so that 1e3
// and 1000.0 are read as the integers the schema lets through.
type rawConfig struct {
	Count      json.RawMessage `json:"count"`
	RecordSize json.RawMessage `json:"record_size"`
	Seed       json.RawMessage `json:"seed"`
}

// parseConfig decodes and checks a config. Every failure is a ConfigError.
func parseConfig(raw sdk.Config) (config, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = sdk.Config("{}")
	}
	var rc rawConfig
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rc); err != nil {
		return config{}, sdk.ConfigError(fmt.Errorf("decode config: %w", err))
	}
	c := config{count: defaultCount, recordSize: defaultRecordSize, seed: defaultSeed}
	var err error
	if c.count, err = integer(rc.Count, "count", c.count, 0, maxCount); err != nil {
		return config{}, err
	}
	size, err := integer(rc.RecordSize, "record_size", int64(c.recordSize), MinRecordSize, MaxRecordSize)
	if err != nil {
		return config{}, err
	}
	c.recordSize = int(size)
	if c.seed, err = integer(rc.Seed, "seed", c.seed, math.MinInt64, math.MaxInt64); err != nil {
		return config{}, err
	}
	return c, nil
}

// integer reads a config value that must be a whole number from lo to hi,
// or returns def when it is absent (or null).
func integer(raw json.RawMessage, name string, def, lo, hi int64) (int64, error) {
	text := string(raw)
	if raw == nil || text == "null" {
		return def, nil
	}
	v, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		// 1e3 and 1000.0 are whole numbers too.
		f, ferr := strconv.ParseFloat(text, 64)
		if ferr != nil || f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 {
			return 0, sdk.ConfigError(fmt.Errorf("config: %s is %.40s: want a whole number from %d to %d", name, text, lo, hi))
		}
		v = int64(f)
	}
	if v < lo || v > hi {
		return 0, sdk.ConfigError(fmt.Errorf("config: %s is %d: want a whole number from %d to %d", name, v, lo, hi))
	}
	return v, nil
}
