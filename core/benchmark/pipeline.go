package benchmark

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/engine"
	"github.com/cxhub/cxhub/core/internal/cputime"
	"github.com/cxhub/cxhub/core/plugins"
	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/host"
)

// PipelineRun is what one measured sync did and cost.
type PipelineRun struct {
	Records     int64         // records read from the source
	Written     int64         // records the destination accepted
	SourceBytes int64         // bytes of record data read from the source
	Elapsed     time.Duration // wall time of the sync
	CoreCPU     time.Duration // CPU time (user + system) of the core's process
	CoreAllocs  uint64        // heap allocations in the core's process
	Links       int64         // links in the state file after the sync
}

// syncInProcess runs pipeline name of the config at cfgPath once, in this
// process (the core), with the connectors as real plugin processes from
// pluginDir, and measures it.
func syncInProcess(ctx context.Context, cfgPath, name string) (PipelineRun, error) {
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return PipelineRun{}, fmt.Errorf("load %s: %w", cfgPath, err)
	}
	store, err := state.Open(cfg.StatePath)
	if err != nil {
		return PipelineRun{}, fmt.Errorf("open state: %w", err)
	}
	defer store.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	host := plugins.NewHost(cfg.PluginsDir, filepath.Dir(cfgPath), quiet)
	defer host.StopAll()
	launcher := &countingLauncher{host: host, cfg: cfg}
	runner := &engine.Runner{Config: cfg, Store: store, Launcher: launcher, Logger: quiet}

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0 := processCPU()
	start := time.Now()
	res := runner.Sync(ctx, name)
	elapsed := time.Since(start)
	cpu := processCPU() - cpu0
	runtime.ReadMemStats(&after)
	if res.Err != nil {
		return PipelineRun{}, fmt.Errorf("sync %s: %w", name, res.Err)
	}
	links, err := store.CountLinks(ctx)
	if err != nil {
		return PipelineRun{}, err
	}
	return PipelineRun{
		Links:       links,
		Records:     res.Counts.Read,
		Written:     res.Counts.Written,
		SourceBytes: launcher.bytes.Load(),
		Elapsed:     elapsed,
		CoreCPU:     cpu,
		CoreAllocs:  after.Mallocs - before.Mallocs,
	}, nil
}

// processCPU returns this process's CPU time so far. Plugin processes are
// children and are not counted.
func processCPU() time.Duration {
	d, _ := cputime.Process()
	return d
}

// countingLauncher starts connections' plugins and counts the record bytes
// their reads deliver.
type countingLauncher struct {
	host  *plugins.Host
	cfg   *config.Config
	bytes atomic.Int64
}

func (l *countingLauncher) Start(ctx context.Context, connection string) (sdk.Connector, error) {
	conn, ok := l.cfg.Connections[connection]
	if !ok {
		return nil, fmt.Errorf("no connection named %q", connection)
	}
	p, err := l.host.Start(ctx, conn.Connector)
	if err != nil {
		return nil, err
	}
	return &countedPlugin{Plugin: p, bytes: &l.bytes}, nil
}

func (l *countingLauncher) Stop(c sdk.Connector) {
	if p, ok := c.(*countedPlugin); ok {
		l.host.Stop(p.Plugin)
	}
}

// countedPlugin is a plugin whose reads are counted.
type countedPlugin struct {
	*host.Plugin
	bytes *atomic.Int64
}

func (p *countedPlugin) Read(ctx context.Context, req sdk.ReadRequest, out sdk.Emitter) error {
	return p.Plugin.Read(ctx, req, countingEmitter{Emitter: out, bytes: p.bytes})
}

type countingEmitter struct {
	sdk.Emitter
	bytes *atomic.Int64
}

func (e countingEmitter) Emit(records ...sdk.Record) error {
	var n int64
	for i := range records {
		n += int64(len(records[i].Data))
	}
	e.bytes.Add(n)
	return e.Emitter.Emit(records...)
}

// nullStats reads what the null connector's stats file says arrived.
func nullStats(path string) (records int64, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read null connector stats: %w", err)
	}
	var s struct {
		Records int64 `json:"records"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return 0, fmt.Errorf("null connector stats %s: %w", path, err)
	}
	return s.Records, nil
}
