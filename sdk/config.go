package sdk

import (
	"encoding/json"
	"fmt"

	"github.com/tidwall/gjson"
)

// Config is a connection's configuration: one JSON object, already
// validated by the core against the connector's ConfigSchema, with
// environment variables interpolated.
type Config []byte

// Decode unmarshals the config into v (a pointer to a struct with json
// tags). A failure is a ConfigError.
func (c Config) Decode(v any) error {
	raw := []byte(c)
	if len(raw) == 0 {
		raw = []byte("{}")
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return ConfigError(fmt.Errorf("decode config: %w", err))
	}
	return nil
}

// Get reads one value at a gjson path.
func (c Config) Get(path string) gjson.Result { return gjson.GetBytes(c, path) }
