package benchmark

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cxhub/cxhub/core/hub"
	"github.com/cxhub/cxhub/core/identity"
	idsqlite "github.com/cxhub/cxhub/core/identity/sqlite"
	"github.com/cxhub/cxhub/core/identity/synth"
	"github.com/cxhub/cxhub/core/internal/cputime"
)

// Targets of the customer index (issue 19).
const (
	TargetIndexSeconds    = 60.0 // index and resolve CustomerRecords records
	TargetProfileP99Ms    = 10.0 // one profile with its timeline
	TargetIndexOverheadPc = 15.0 // added to a sync's time by indexing its records
)

// Customers is the customer index scenario's figures.
type Customers struct {
	Records              int // indexed in the index run
	SyncRecords          int // in each sync of the overhead figure
	IndexSeconds, PeakMB Figure
	IndexCPUSeconds      Figure // the index run's CPU time (user + system), for a loaded machine
	// IndexStolenSeconds is the CPU time the hypervisor took from the
	// machine's CPUs during the index run (Linux's steal time; 0 where it
	// cannot tell): a run that lost much of it is slower than the work.
	IndexStolenSeconds       Figure
	ProfileP99Ms             Figure
	SyncSeconds, SyncIndexed Figure
	OverheadPercent          Figure
	// CatchUpSeconds is how long the index took, after the indexed sync
	// ended, to have resolved every record the sync read (it gives way to
	// syncs: see identity's queue).
	CatchUpSeconds Figure
}

// childEnv makes the bench binary the index run's child (see RunChild).
const childEnv = "CXHUB_BENCH_CUSTOMERS_CHILD"

// childResult is what the child prints.
type childResult struct {
	Seconds float64 `json:"seconds"`
	CPU     float64 `json:"cpu_seconds"`
	Stolen  float64 `json:"stolen_seconds"` // by the hypervisor, from the machine's CPUs, during the run
	PeakKB  int64   `json:"peak_kb"`
	P99Ms   float64 `json:"p99_ms"`
}

// RunChild runs the index run when this process is its child, and says
// whether it was: the bench's main calls it first. The run is a process
// of its own so that its peak RSS is its own.
func RunChild() bool {
	spec := os.Getenv(childEnv)
	if spec == "" {
		return false
	}
	dir, n, _ := strings.Cut(spec, ":")
	records, err := strconv.Atoi(n)
	if err == nil {
		var res childResult
		if res, err = indexRun(context.Background(), dir, records); err == nil {
			err = json.NewEncoder(os.Stdout).Encode(res)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "customers index run:", err)
		os.Exit(1)
	}
	return true
}

// indexBatch is how many records of one stream the index run resolves in
// one transaction: what the background indexer takes from its queue at
// once (8 batches of 500).
const indexBatch = 4000

// indexRun indexes records synthetic records (40% customers of whom 30%
// are a person another system knows, 60% interactions) in transactions
// of indexBatch records of a stream, then times 2,000 profiles of random
// customers with their timelines.
func indexRun(ctx context.Context, dir string, records int) (childResult, error) {
	var res childResult
	store, err := idsqlite.Open(filepath.Join(dir, "bench.customers.db"))
	if err != nil {
		return res, err
	}
	defer store.Close()
	ix, err := identity.Open(ctx, store, identity.DefaultRules(), synth.Catalog())
	if err != nil {
		return res, err
	}
	set := synth.New(synth.Options{Records: records})
	start, cpu0 := time.Now(), processCPU()
	stolen0, _ := cputime.Stolen()
	if err := set.Ingest(ctx, ix, records, indexBatch); err != nil {
		return res, err
	}
	res.Seconds = time.Since(start).Seconds()
	res.CPU = (processCPU() - cpu0).Seconds()
	stolen1, _ := cputime.Stolen()
	res.Stolen = (stolen1 - stolen0).Seconds()
	rng := rand.New(rand.NewPCG(7, 19))
	var lat []time.Duration
	for len(lat) < 2000 {
		_, _, r := set.Record(rng.IntN(set.Customers()))
		c, _, err := ix.CustomerOf(ctx, identity.Ref{Connection: strings.Split(r.Key, "-")[0], Stream: "people", Key: r.Key})
		if err != nil {
			return res, err
		}
		t := time.Now()
		if _, err := ix.Profile(ctx, c); err != nil {
			return res, err
		}
		lat = append(lat, time.Since(t))
	}
	slices.Sort(lat)
	res.P99Ms = float64(lat[len(lat)*99/100].Microseconds()) / 1000
	res.PeakKB, err = ownPeakKB()
	return res, err
}

// ownPeakKB is this process's peak RSS (VmHWM).
func ownPeakKB() (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/self/status")
}

// runCustomers measures the customer index: the index run in a child
// process, then the same generator → null sync with and without the index.
func runCustomers(ctx context.Context, o Options, dir string) (*Customers, error) {
	if o.CustomerRecords <= 0 {
		return nil, nil
	}
	c := &Customers{Records: o.CustomerRecords, SyncRecords: min(o.Records, 100_000)}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	for i := range o.RunsSlow {
		runDir := filepath.Join(dir, fmt.Sprintf("customers-%d", i))
		if err := os.MkdirAll(runDir, 0o700); err != nil {
			return nil, err
		}
		cmd := exec.CommandContext(ctx, self)
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s:%d", childEnv, runDir, o.CustomerRecords))
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("customer index run: %w", err)
		}
		var res childResult
		if err := json.Unmarshal(out, &res); err != nil {
			return nil, fmt.Errorf("customer index run: %w", err)
		}
		c.IndexSeconds.Add(res.Seconds)
		c.IndexCPUSeconds.Add(res.CPU)
		c.IndexStolenSeconds.Add(res.Stolen)
		c.PeakMB.Add(float64(res.PeakKB) / 1024)
		c.ProfileP99Ms.Add(res.P99Ms)
		o.progress("customers run %d: %d records indexed in %.1fs (%.1fs of CPU, %.1fs stolen by the hypervisor), peak %d KB, profile p99 %.2f ms",
			i+1, o.CustomerRecords, res.Seconds, res.CPU, res.Stolen, res.PeakKB, res.P99Ms)

		var secs [2]float64
		for j, indexed := range []bool{false, true} {
			syncDir := filepath.Join(runDir, fmt.Sprintf("sync-%t", indexed))
			if err := os.MkdirAll(syncDir, 0o700); err != nil {
				return nil, err
			}
			w := Workload{Records: c.SyncRecords, RecordBytes: o.RecordBytes, BatchSize: o.BatchSize}
			cfg, err := w.write(syncDir, o.PluginDir)
			if err != nil {
				return nil, err
			}
			if indexed { // the customers section turns the index on
				if err := appendFile(cfg, "customers: {max_shared: 10}\n"); err != nil {
					return nil, err
				}
			}
			var run PipelineRun
			if indexed {
				var catchUp time.Duration
				run, catchUp, err = syncIndexed(ctx, cfg, c.SyncRecords)
				c.CatchUpSeconds.Add(catchUp.Seconds())
			} else {
				run, err = syncInProcess(ctx, cfg, pipelineName)
			}
			if err != nil {
				return nil, fmt.Errorf("sync with index %t: %w", indexed, err)
			}
			if err := checkArrived(run, filepath.Join(syncDir, "null-stats.json"), int64(c.SyncRecords)); err != nil {
				return nil, err
			}
			secs[j] = run.Elapsed.Seconds()
		}
		c.SyncSeconds.Add(secs[0])
		c.SyncIndexed.Add(secs[1])
		c.OverheadPercent.Add(100 * (secs[1] - secs[0]) / secs[0])
		o.progress("customers sync run %d: %d records in %.2fs, %.2fs with the index, indexed %.2fs after", i+1, c.SyncRecords, secs[0], secs[1], c.CatchUpSeconds.samples[len(c.CatchUpSeconds.samples)-1])
	}
	return c, nil
}

// syncIndexed runs the workload's pipeline with the customer index on, as
// syncInProcess does, then times how long the index takes to catch up
// (a query waits for it) and checks that it holds every record read.
func syncIndexed(ctx context.Context, cfgPath string, records int) (PipelineRun, time.Duration, error) {
	h := hub.New(hub.Options{ConfigPath: cfgPath, LogOutput: io.Discard})
	defer h.Close()
	if _, err := h.Runner(ctx); err != nil { // start-up (specs, state, index) is not measured
		return PipelineRun{}, 0, fmt.Errorf("prepare %s: %w", pipelineName, err)
	}
	start := time.Now()
	res := h.Sync(ctx, pipelineName)
	elapsed := time.Since(start)
	if res.Err != nil {
		return PipelineRun{}, 0, fmt.Errorf("sync %s: %w", pipelineName, res.Err)
	}
	start = time.Now()
	ix, err := h.CustomerIndex(ctx)
	if err != nil {
		return PipelineRun{}, 0, err
	}
	catchUp := time.Since(start)
	p, err := ix.Partition(ctx)
	if err != nil {
		return PipelineRun{}, 0, err
	}
	if len(p) != records {
		return PipelineRun{}, 0, fmt.Errorf("the customer index holds %d records after the sync, want %d", len(p), records)
	}
	return PipelineRun{Records: res.Counts.Read, Written: res.Counts.Written, Elapsed: elapsed}, catchUp, nil
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteString(text)
	return err
}

// printCustomers writes the customer index table.
func (r *Report) printCustomers(out io.Writer) {
	c := r.Customers
	if c == nil {
		return
	}
	fmt.Fprintf(out, "\nCUSTOMER INDEX\n")
	fmt.Fprintf(out, "  index and resolve %d records (40%% customers, 30%% of them known elsewhere): %s s (%s s of CPU; the hypervisor took %s s of the machine's CPUs meanwhile), peak RSS %s MB\n",
		c.Records, c.IndexSeconds.Format("%.1f"), c.IndexCPUSeconds.Format("%.1f"), c.IndexStolenSeconds.Format("%.1f"), c.PeakMB.Format("%.0f"))
	fmt.Fprintf(out, "  one profile with its timeline: p99 %s ms\n", c.ProfileP99Ms.Format("%.2f"))
	fmt.Fprintf(out, "  generator → null, %d records: %s s without the index, %s s with it: %s%%; every record resolved %s s after the sync\n",
		c.SyncRecords, c.SyncSeconds.Format("%.2f"), c.SyncIndexed.Format("%.2f"), c.OverheadPercent.Format("%+.0f"), c.CatchUpSeconds.Format("%.2f"))
}

// customerTargets says whether the customer index figures meet theirs.
func (r *Report) customerTargets(check func(bool, string, ...any)) {
	if c := r.Customers; c != nil {
		check(c.Records >= 1_000_000 && c.IndexSeconds.Median() <= TargetIndexSeconds, "customer index: %d records in %.1f s (target: 1,000,000 in ≤ %.0f s)", c.Records, c.IndexSeconds.Median(), TargetIndexSeconds)
		check(c.ProfileP99Ms.Median() <= TargetProfileP99Ms, "customer profile p99 %.2f ms (target ≤ %.0f ms)", c.ProfileP99Ms.Median(), TargetProfileP99Ms)
		check(c.OverheadPercent.Median() <= TargetIndexOverheadPc, "indexing adds %.0f%% to a sync (target ≤ %.0f%%)", c.OverheadPercent.Median(), TargetIndexOverheadPc)
	}
}
