package null

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cxhub/cxhub/sdk"
)

// streamPlaceholder in stats_file is replaced by the writer's stream.
const streamPlaceholder = "{stream}"

// config is a connection's configuration. Its tags are its schema
// (sdk.ConfigSchemaOf) and its defaults.
type config struct {
	Streams   []string `json:"streams" minItems:"1" uniqueItems:"true" minLength:"1" pattern:"^[^/\\\\]+$" default:"[\"customers\",\"interactions\"]" doc:"The streams a pipeline may write to."`
	ReturnIDs bool     `json:"return_ids" default:"false" doc:"Answer each record with the id null-<key>, so that the core keeps a link per record (as for a real destination). Off: no id, no link."`
	StatsFile string   `json:"stats_file" minLength:"1" doc:"A JSON file each writer replaces when it closes with what it received: {\"stream\":...,\"records\":N,\"deletes\":D,\"bytes\":B}. {stream} in it is replaced by the stream's name. A relative path is relative to the plugin process's working directory."`
}

// parseConfig decodes and checks a config. Every failure is a ConfigError.
func parseConfig(raw sdk.Config) (config, error) { return sdk.DecodeConfig[config](raw) }

// Validate checks what the schema does not: a NUL in a stream's name, a
// stats file that is only blanks.
func (c *config) Validate() error {
	for _, s := range c.Streams {
		if strings.ContainsRune(s, 0) {
			return fmt.Errorf("config: streams: %q contains a NUL", s)
		}
	}
	if strings.TrimSpace(c.StatsFile) == "" && c.StatsFile != "" {
		return errors.New("config: stats_file is blank")
	}
	return nil
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
