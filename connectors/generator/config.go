package generator

import "github.com/cxhub/cxhub/sdk"

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

// config is a connection's configuration. Its tags are its schema
// (sdk.ConfigSchemaOf) and its defaults; TestSchemaBounds keeps them equal
// to the constants above.
type config struct {
	Count      int64 `json:"count" minimum:"0" maximum:"1000000000" default:"1000" doc:"How many records each stream has. Raise it later and an incremental read returns only the new ones."`
	RecordSize int   `json:"record_size" minimum:"300" maximum:"65536" default:"450" doc:"Size in bytes of each record's JSON: a text field (bio, body) pads every record to it."`
	Seed       int64 `json:"seed" default:"1" doc:"Picks the data: the same seed always gives the same records, another seed other ones."`
}

// parseConfig decodes and checks a config. Every failure is a ConfigError.
func parseConfig(raw sdk.Config) (config, error) { return sdk.DecodeConfig[config](raw) }
