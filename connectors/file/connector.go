package file

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/cxhub/cxhub/sdk"
)

// Connector reads and writes the stream files of a directory. Its methods
// may be called concurrently; the only state it keeps across calls is which
// stream files have a writer open, so that two writers never rewrite one
// file at once.
type Connector struct {
	mu      sync.Mutex
	writing map[string]bool // stream files (dir/stream, absolute) with an open writer
	// cursorHold is cursorHoldBytes; tests lower it.
	cursorHold int
	// noCursorMax is noCursorMaxLines; tests lower it.
	noCursorMax int
}

var (
	_ sdk.Connector   = (*Connector)(nil)
	_ sdk.Source      = (*Connector)(nil)
	_ sdk.Destination = (*Connector)(nil)
	_ sdk.Discoverer  = (*Connector)(nil)
)

// New returns the file connector.
func New() *Connector {
	return &Connector{writing: map[string]bool{}, cursorHold: cursorHoldBytes, noCursorMax: noCursorMaxLines}
}

// Check reports whether dir is a directory, or can be created on the first
// write when create_dir is on, and how many stream files it holds (see
// check.go). A missing dir that cannot be created is a ConfigError; so is
// a missing dir while create_dir is off, and a dir that is not a directory.
// A dir this user may not write passes, with the message saying so: Check
// does not know whether the connection is read (which works) or written.
func (c *Connector) Check(_ context.Context, req sdk.CheckRequest) (sdk.CheckResponse, error) {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return sdk.CheckResponse{}, err
	}
	exists, err := dirExists(cfg)
	if err != nil {
		return sdk.CheckResponse{}, err
	}
	if !exists {
		if err := checkCreatable(cfg.Dir); err != nil {
			return sdk.CheckResponse{}, err
		}
		return sdk.CheckResponse{Message: fmt.Sprintf("0 stream files in %s (it does not exist yet: the writer creates it on the first write, "+
			"as create_dir is on; a pipeline reading from it reads nothing until then)", cfg.Dir)}, nil
	}
	files, err := listStreamFiles(cfg.Dir)
	if err != nil {
		return sdk.CheckResponse{}, err
	}
	msg := fmt.Sprintf("%d stream files in %s", len(files), cfg.Dir)
	if err := writable(cfg.Dir); err != nil {
		msg += fmt.Sprintf(" (not writable by this user: %v; reading works, writing to it fails)", err)
	}
	return sdk.CheckResponse{Message: msg}, nil
}

// dirExists reports whether the configured dir exists. A dir that is not a
// directory, or is missing while create_dir is off, is a ConfigError.
func dirExists(cfg config) (bool, error) {
	info, err := os.Stat(cfg.Dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if !cfg.createDir() {
			return false, sdk.ConfigError(fmt.Errorf("dir %s does not exist (create it, or set create_dir: true)", cfg.Dir))
		}
		return false, nil
	case err != nil:
		return false, sdk.ConfigError(fmt.Errorf("check dir %s: %w", cfg.Dir, err))
	case !info.IsDir():
		return false, sdk.ConfigError(fmt.Errorf("dir %s is not a directory", cfg.Dir))
	}
	return true, nil
}

// Discover returns one stream per data file in dir, and the streams
// declared in the config that have no file yet.
func (c *Connector) Discover(_ context.Context, req sdk.DiscoverRequest) (sdk.DiscoverResponse, error) {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return sdk.DiscoverResponse{}, err
	}
	exists, err := dirExists(cfg)
	if err != nil {
		return sdk.DiscoverResponse{}, err
	}
	var files []streamFile
	if exists {
		if files, err = listStreamFiles(cfg.Dir); err != nil {
			return sdk.DiscoverResponse{}, err
		}
	}
	var streams []sdk.StreamSpec
	seen := map[string]bool{}
	for _, f := range files {
		desc := fmt.Sprintf("%s (%s)", filepath.Base(f.path), formatName(f.format))
		streams = append(streams, streamSpec(cfg, f.stream, desc))
		seen[f.stream] = true
	}
	for name := range cfg.Streams {
		if !seen[name] {
			desc := fmt.Sprintf("%s.%s, created on the first write (%s)", name, cfg.Format, formatName(cfg.Format))
			streams = append(streams, streamSpec(cfg, name, desc))
		}
	}
	sort.Slice(streams, func(i, j int) bool { return streams[i].Name < streams[j].Name })
	return sdk.DiscoverResponse{Streams: streams}, nil
}

func streamSpec(cfg config, stream, desc string) sdk.StreamSpec {
	key, _ := cfg.keyPath(stream)
	return sdk.StreamSpec{
		Name:         stream,
		Description:  desc,
		Canonical:    sdk.CanonicalOther,
		PrimaryKey:   []string{key},
		CursorField:  cfg.cursorPath(stream),
		Capabilities: sdk.Capabilities{Read: true, IncrementalRead: true, Write: true, Delete: true},
	}
}

func formatName(f format) string {
	if f == formatCSV {
		return "CSV"
	}
	return "JSON Lines"
}

// lockStream marks a stream file as being written; it fails if another
// writer has it. The returned func releases it.
func (c *Connector) lockStream(dir, stream string) (func(), error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("resolve dir %s: %w", dir, err)
	}
	id := filepath.Join(abs, stream)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.writing == nil {
		c.writing = map[string]bool{}
	}
	if c.writing[id] {
		return nil, sdk.Transient(fmt.Errorf("stream %q in %s already has a writer open", stream, dir))
	}
	c.writing[id] = true
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			delete(c.writing, id)
		})
	}, nil
}
