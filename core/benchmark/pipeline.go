package benchmark

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/cxhub/cxhub/core/engine"
	"github.com/cxhub/cxhub/core/hub"
	"github.com/cxhub/cxhub/core/internal/cputime"
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
// process (the core), through the same hub runtime as the CLI — the
// lockfile check, redaction and state lock included — with the connectors
// as real plugin processes, and measures it.
func syncInProcess(ctx context.Context, cfgPath, name string) (PipelineRun, error) {
	h := hub.New(hub.Options{ConfigPath: cfgPath, LogOutput: io.Discard})
	defer h.Close()
	var readBytes atomic.Int64
	h.AddStage(engine.StageFunc(func(_ context.Context, b *engine.Batch) error {
		var n int64
		for i := range b.In {
			n += int64(len(b.In[i].Data))
		}
		readBytes.Add(n)
		return nil
	}))
	if _, err := h.Runner(ctx); err != nil { // start-up (specs, state) is not measured
		return PipelineRun{}, fmt.Errorf("prepare %s: %w", name, err)
	}

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0 := processCPU()
	start := time.Now()
	res := h.Sync(ctx, name)
	elapsed := time.Since(start)
	cpu := processCPU() - cpu0
	runtime.ReadMemStats(&after)
	if res.Err != nil {
		return PipelineRun{}, fmt.Errorf("sync %s: %w", name, res.Err)
	}
	store, err := h.Store()
	if err != nil {
		return PipelineRun{}, err
	}
	links, err := store.CountLinks(ctx)
	if err != nil {
		return PipelineRun{}, err
	}
	return PipelineRun{
		Links:       links,
		Records:     res.Counts.Read,
		Written:     res.Counts.Written,
		SourceBytes: readBytes.Load(),
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
