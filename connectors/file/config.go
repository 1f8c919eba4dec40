package file

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cxhub/cxhub/sdk"
)

// format is a data file's format.
type format string

const (
	formatJSONL format = "jsonl"
	formatCSV   format = "csv"
)

// dataExtensions are the extensions of stream files, in the order they are
// looked for.
func dataExtensions() []string { return []string{".jsonl", ".ndjson", ".csv"} }

// formatOf returns the format of a file extension, or false.
func formatOf(ext string) (format, bool) {
	switch ext {
	case ".jsonl", ".ndjson":
		return formatJSONL, true
	case ".csv":
		return formatCSV, true
	}
	return "", false
}

// config is a connection's configuration. Its tags are its schema
// (sdk.ConfigSchemaOf) and its defaults.
type config struct {
	Dir       string                  `json:"dir" required:"true" minLength:"1" doc:"Directory holding one file per stream: <stream>.jsonl, <stream>.ndjson or <stream>.csv. A relative path is relative to the plugin process's working directory."`
	Format    format                  `json:"format" enum:"jsonl,csv" default:"jsonl" doc:"Format of the files the connector creates when writing. An existing file keeps its own format."`
	CreateDir bool                    `json:"create_dir" default:"true" doc:"Create dir on the first write if it does not exist."`
	Streams   map[string]streamConfig `json:"streams" keyPattern:"^[^./\\\\][^/\\\\]*$" doc:"Per-stream settings, by stream name. A stream declared here may have no file yet."`
}

// streamConfig is one stream's settings.
type streamConfig struct {
	Key    string `json:"key" minLength:"1" default:"id" doc:"gjson path of the record's key. Written records are upserted and deleted by it; for CSV files it must be a top-level column."`
	Cursor string `json:"cursor" minLength:"1" doc:"gjson path of a field that grows when a record changes (updated_at): read incrementally by it instead of by file offset."`
}

// parseConfig decodes and checks a config. Every failure is a ConfigError.
func parseConfig(raw sdk.Config) (config, error) { return sdk.DecodeConfig[config](raw) }

// Validate refuses a stream name that the schema's pattern lets through
// but a path must not hold (a NUL).
func (c *config) Validate() error {
	for name := range c.Streams {
		if err := checkStreamName(name); err != nil {
			return fmt.Errorf("config: streams: %w", err)
		}
	}
	return nil
}

// createDir reports whether dir is created on the first write.
func (c config) createDir() bool { return c.CreateDir }

// keyPath returns the gjson path of a stream's key and whether it was configured.
func (c config) keyPath(stream string) (path string, configured bool) {
	if k := c.Streams[stream].Key; k != "" {
		return k, true
	}
	return "id", false
}

// cursorPath returns the gjson path of a stream's cursor field, or "".
func (c config) cursorPath(stream string) string { return c.Streams[stream].Cursor }

// declared reports whether the stream is listed under streams.
func (c config) declared(stream string) bool {
	_, ok := c.Streams[stream]
	return ok
}

// checkStreamName refuses a stream name that is not a plain file name: the
// name becomes a path in dir, and must not leave it.
func checkStreamName(name string) error {
	switch {
	case name == "":
		return errors.New("stream name is empty")
	case strings.HasPrefix(name, "."):
		return fmt.Errorf("stream name %q begins with a dot", name)
	case strings.ContainsAny(name, "/\\\x00"):
		return fmt.Errorf("stream name %q contains a path separator", name)
	}
	return nil
}

// streamFile is the data file of one stream.
type streamFile struct {
	stream string
	path   string
	format format
}

// findStreamFile returns the stream's data file in dir; ok is false if it
// has none. Two files for one stream are a ConfigError.
func findStreamFile(dir, stream string) (f streamFile, ok bool, err error) {
	var found []streamFile
	for _, ext := range dataExtensions() {
		path := filepath.Join(dir, stream+ext)
		info, err := os.Stat(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return streamFile{}, false, fmt.Errorf("look for stream %q: %w", stream, err)
		}
		if !info.Mode().IsRegular() {
			return streamFile{}, false, sdk.ConfigError(fmt.Errorf("stream %q: %s is not a regular file", stream, path))
		}
		ft, _ := formatOf(ext)
		found = append(found, streamFile{stream: stream, path: path, format: ft})
	}
	switch len(found) {
	case 0:
		return streamFile{}, false, nil
	case 1:
		return found[0], true, nil
	}
	return streamFile{}, false, ambiguous(dir, found)
}

func ambiguous(dir string, files []streamFile) error {
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = filepath.Base(f.path)
	}
	return sdk.ConfigError(fmt.Errorf("stream %q has %d files in %s (%s): keep one",
		files[0].stream, len(files), dir, strings.Join(names, ", ")))
}

// listStreamFiles returns the data files in dir, sorted by stream name.
// Hidden files, directories and other extensions are ignored.
func listStreamFiles(dir string) ([]streamFile, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, sdk.ConfigError(fmt.Errorf("list dir %s: %w", dir, err))
	}
	byStream := map[string][]streamFile{}
	for _, e := range entries {
		name := e.Name()
		ext := filepath.Ext(name)
		ft, ok := formatOf(ext)
		if !ok || strings.HasPrefix(name, ".") || len(name) == len(ext) {
			continue
		}
		path := filepath.Join(dir, name)
		if !e.Type().IsRegular() {
			info, err := os.Stat(path) // follow a symlink
			if err != nil || !info.Mode().IsRegular() {
				continue
			}
		}
		stream := strings.TrimSuffix(name, ext)
		byStream[stream] = append(byStream[stream], streamFile{stream: stream, path: path, format: ft})
	}
	streams := make([]string, 0, len(byStream))
	for s := range byStream {
		streams = append(streams, s)
	}
	sort.Strings(streams)
	files := make([]streamFile, 0, len(streams))
	for _, s := range streams {
		if len(byStream[s]) > 1 {
			return nil, ambiguous(dir, byStream[s])
		}
		files = append(files, byStream[s][0])
	}
	return files, nil
}
