package null

import (
	"context"
	"fmt"
	"strings"

	"github.com/cxhub/cxhub/sdk"
)

// Connector is the null destination. It holds no state: every writer
// keeps its own counts.
type Connector struct{}

var (
	_ sdk.Connector   = (*Connector)(nil)
	_ sdk.Destination = (*Connector)(nil)
	_ sdk.Discoverer  = (*Connector)(nil)
)

// New returns the null connector.
func New() *Connector { return &Connector{} }

// Check succeeds when the config is valid and the stats file's directory
// exists; there is no system to reach.
func (c *Connector) Check(_ context.Context, req sdk.CheckRequest) (sdk.CheckResponse, error) {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return sdk.CheckResponse{}, err
	}
	for _, s := range cfg.Streams {
		if err := cfg.checkStatsDir(s); err != nil {
			return sdk.CheckResponse{}, err
		}
	}
	msg := "accepts " + strings.Join(cfg.Streams, ", ")
	if cfg.StatsFile != "" {
		msg += "; totals to " + cfg.StatsFile
	}
	return sdk.CheckResponse{Message: msg}, nil
}

// Discover returns the streams the config lists.
func (c *Connector) Discover(_ context.Context, req sdk.DiscoverRequest) (sdk.DiscoverResponse, error) {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return sdk.DiscoverResponse{}, err
	}
	streams := make([]sdk.StreamSpec, len(cfg.Streams))
	for i, s := range cfg.Streams {
		streams[i] = streamSpec(s)
	}
	return sdk.DiscoverResponse{Streams: streams}, nil
}

// OpenWriter opens a writer of a stream the config lists.
func (c *Connector) OpenWriter(_ context.Context, req sdk.OpenWriterRequest) (sdk.Writer, error) {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return nil, err
	}
	if !cfg.accepts(req.Stream) {
		return nil, sdk.ConfigError(fmt.Errorf("stream %q is not in the config's streams (%s): add it there",
			req.Stream, strings.Join(cfg.Streams, ", ")))
	}
	if err := cfg.checkStatsDir(req.Stream); err != nil {
		return nil, err
	}
	return &writer{stats: Stats{Stream: req.Stream}, returnIDs: cfg.ReturnIDs, statsPath: cfg.statsPath(req.Stream)}, nil
}
