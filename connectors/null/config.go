package null

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cxhub/cxhub/sdk"
)

// defaultStreams are the streams accepted when the config lists none: the
// generator connector's.
func defaultStreams() []string { return []string{"customers", "interactions"} }

// streamPlaceholder in stats_file is replaced by the writer's stream.
const streamPlaceholder = "{stream}"

// config is a connection's configuration, defaults applied.
type config struct {
	Streams   []string `json:"streams"`
	ReturnIDs bool     `json:"return_ids"`
	StatsFile string   `json:"stats_file"`
}

// parseConfig decodes and checks a config. Every failure is a ConfigError.
func parseConfig(raw sdk.Config) (config, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = sdk.Config("{}")
	}
	var c config
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return config{}, sdk.ConfigError(fmt.Errorf("decode config: %w", err))
	}
	if c.Streams == nil {
		c.Streams = defaultStreams()
	}
	if len(c.Streams) == 0 {
		return config{}, sdk.ConfigError(errors.New("config: streams is empty: list the streams to accept, or leave it out"))
	}
	seen := map[string]bool{}
	for _, s := range c.Streams {
		switch {
		case s == "":
			return config{}, sdk.ConfigError(errors.New("config: streams holds an empty name"))
		case strings.ContainsAny(s, "/\\\x00"):
			return config{}, sdk.ConfigError(fmt.Errorf("config: streams: %q contains a path separator", s))
		case seen[s]:
			return config{}, sdk.ConfigError(fmt.Errorf("config: streams lists %q twice", s))
		}
		seen[s] = true
	}
	if c.StatsFile != "" && strings.TrimSpace(c.StatsFile) == "" {
		return config{}, sdk.ConfigError(errors.New("config: stats_file is blank"))
	}
	return c, nil
}

// accepts reports whether the config lists stream.
func (c config) accepts(stream string) bool {
	for _, s := range c.Streams {
		if s == stream {
			return true
		}
	}
	return false
}

// statsPath returns the stats file of stream's writer, or "" for none.
func (c config) statsPath(stream string) string {
	return strings.ReplaceAll(c.StatsFile, streamPlaceholder, stream)
}

// checkStatsDir returns a ConfigError if the stats file of stream could
// not be written: its directory does not exist.
func (c config) checkStatsDir(stream string) error {
	path := c.statsPath(stream)
	if path == "" {
		return nil
	}
	dir := filepath.Dir(path)
	info, err := os.Stat(dir)
	switch {
	case err != nil:
		return sdk.ConfigError(fmt.Errorf("config: stats_file %s: %w", path, err))
	case !info.IsDir():
		return sdk.ConfigError(fmt.Errorf("config: stats_file %s: %s is not a directory", path, dir))
	}
	return nil
}
