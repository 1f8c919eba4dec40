package benchmark

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"
)

// Options say what to measure and with which binaries.
type Options struct {
	// Cxhub is the cxhub binary (for the memory scenario).
	Cxhub string
	// PluginDir holds cxhub-connector-generator, -null, -hubspot and -zendesk.
	PluginDir string
	// Wirebench is the cxhub-wirebench program (the ceiling).
	Wirebench string
	// Sandbox is the cxhub-sandbox program (the vendor-bound sync's HubSpot).
	Sandbox string
	// Runs is how many times each throughput scenario runs; RunsSlow is
	// for the memory and vendor scenarios.
	Runs, RunsSlow int
	// Records is the throughput scenarios' record count; RecordBytes the
	// approximate size of each record; BatchSize the pipeline's batch size.
	Records, RecordBytes, BatchSize int
	// MemoryRecords are the record counts of the memory scenario.
	MemoryRecords []int
	// VendorContacts is how many contacts the vendor-bound sync writes (0: skip).
	VendorContacts int
	// CustomerRecords is how many records the customer index run indexes (0: skip; see customers.go).
	CustomerRecords int
	// TwoWayContacts is how many contacts the two-way steady state syncs
	// (0: skip), in TwoWayRounds rounds of TwoWayEdits real edits (see
	// twoway.go).
	TwoWayContacts, TwoWayRounds, TwoWayEdits int
	// WebhookRate is the webhook scenario's deliveries per second, for
	// WebhookSeconds (0: skip).
	WebhookRate, WebhookSeconds int
	// Progress receives a line per finished run (nil: none).
	Progress io.Writer
	// CPUProfile, if set, is where a CPU profile of the core (this
	// process) during the throughput pipelines is written, for pprof.
	CPUProfile string
}

// Throughput is a throughput scenario's figures over its runs.
type Throughput struct {
	Name                          string
	RecordsPerSec, MBPerSec       Figure
	CoreNsPerRecord, AllocsPerRec Figure
	OfCeiling                     Figure // percent of the ceiling's median
}

// Memory is the memory scenario's figures at one record count.
type Memory struct {
	Records int
	PeakMB  map[string]*Figure // by process name
	Elapsed Figure
}

// Vendor is the vendor-bound scenario's figures.
type Vendor struct {
	Contacts            int
	Limit               string
	Seconds, MinSeconds Figure
	BurstMinSeconds     Figure
	OfMin               Figure // percent of the theoretical minimum
	Requests, TooMany   Figure
	TooManyPercent      Figure
}

// Webhook is the webhook scenario's figures.
type Webhook struct {
	Rate, Deliveries int
	P50, P99, Max    Figure // milliseconds
}

// Report is everything one `make bench` measured.
type Report struct {
	Webhook    *Webhook
	Options    Options
	Ceiling    Throughput
	Pipelines  []Throughput
	Memory     []Memory
	Vendor     *Vendor
	Customers  *Customers
	TwoWay     *TwoWay
	Started    time.Time
	Elapsed    time.Duration
	GoMaxProcs int
}

// Run measures every scenario.
func Run(ctx context.Context, o Options) (*Report, error) {
	rep := &Report{Options: o, Started: time.Now()}
	dir, err := os.MkdirTemp("", "cxhub-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	rep.Ceiling = Throughput{Name: "ceiling: one go-plugin gRPC hop, no processing"}
	for i := range o.Runs {
		res, err := runCeiling(ctx, o.Wirebench, o.Records, o.RecordBytes, o.BatchSize)
		if err != nil {
			return nil, fmt.Errorf("ceiling: %w", err)
		}
		rep.Ceiling.RecordsPerSec.Add(float64(res.Records) / res.Elapsed.Seconds())
		rep.Ceiling.MBPerSec.Add(float64(res.Bytes) / res.Elapsed.Seconds() / 1e6)
		o.progress("ceiling run %d: %d records in %v", i+1, res.Records, res.Elapsed.Round(time.Millisecond))
	}
	ceiling := rep.Ceiling.RecordsPerSec.Median()

	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile)
		if err != nil {
			return nil, fmt.Errorf("cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, fmt.Errorf("cpu profile: %w", err)
		}
	}

	for _, links := range []bool{false, true} {
		t := Throughput{Name: "generator → core (map 5 fields, where, SQLite checkpoints) → null"}
		if links {
			t.Name = "the same, with a link stored per record"
		}
		for i := range o.Runs {
			runDir := filepath.Join(dir, fmt.Sprintf("pipeline-%t-%d", links, i))
			if err := os.MkdirAll(runDir, 0o700); err != nil {
				return nil, err
			}
			w := Workload{Records: o.Records, RecordBytes: o.RecordBytes, BatchSize: o.BatchSize, Links: links}
			cfg, err := w.write(runDir, o.PluginDir)
			if err != nil {
				return nil, err
			}
			run, err := syncInProcess(ctx, cfg, pipelineName)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", t.Name, err)
			}
			if err := checkArrived(run, filepath.Join(runDir, "null-stats.json"), int64(o.Records)); err != nil {
				return nil, fmt.Errorf("%s: %w", t.Name, err)
			}
			if wantLinks := map[bool]int64{false: 0, true: int64(o.Records)}[links]; run.Links != wantLinks {
				return nil, fmt.Errorf("%s: %d links stored, want %d", t.Name, run.Links, wantLinks)
			}
			rps := float64(run.Records) / run.Elapsed.Seconds()
			t.RecordsPerSec.Add(rps)
			t.MBPerSec.Add(float64(run.SourceBytes) / run.Elapsed.Seconds() / 1e6)
			t.CoreNsPerRecord.Add(float64(run.CoreCPU.Nanoseconds()) / float64(run.Records))
			t.AllocsPerRec.Add(float64(run.CoreAllocs) / float64(run.Records))
			t.OfCeiling.Add(100 * rps / ceiling)
			o.progress("%s run %d: %d records in %v", map[bool]string{false: "pipeline", true: "pipeline+links"}[links],
				i+1, run.Records, run.Elapsed.Round(time.Millisecond))
		}
		rep.Pipelines = append(rep.Pipelines, t)
	}
	if o.CPUProfile != "" {
		pprof.StopCPUProfile()
	}

	for _, n := range o.MemoryRecords {
		m := Memory{Records: n, PeakMB: map[string]*Figure{}}
		for i := range o.RunsSlow {
			runDir := filepath.Join(dir, fmt.Sprintf("memory-%d-%d", n, i))
			if err := os.MkdirAll(runDir, 0o700); err != nil {
				return nil, err
			}
			w := Workload{Records: n, RecordBytes: o.RecordBytes, BatchSize: o.BatchSize}
			cfg, err := w.write(runDir, o.PluginDir)
			if err != nil {
				return nil, err
			}
			run, err := syncBinary(ctx, o.Cxhub, cfg)
			if err != nil {
				return nil, fmt.Errorf("memory at %d records: %w", n, err)
			}
			got, err := nullStats(filepath.Join(runDir, "null-stats.json"))
			if err != nil {
				return nil, err
			}
			if got != int64(n) {
				return nil, fmt.Errorf("memory at %d records: null received %d", n, got)
			}
			for name, kb := range run.PeakKB {
				if m.PeakMB[name] == nil {
					m.PeakMB[name] = &Figure{}
				}
				m.PeakMB[name].Add(float64(kb) / 1024)
			}
			m.Elapsed.Add(run.Elapsed.Seconds())
			o.progress("memory %d records run %d: %v, peaks %v KB", n, i+1, run.Elapsed.Round(time.Millisecond), run.PeakKB)
		}
		rep.Memory = append(rep.Memory, m)
	}

	if o.VendorContacts > 0 {
		v := &Vendor{Contacts: o.VendorContacts}
		for i := range o.RunsSlow {
			runDir := filepath.Join(dir, fmt.Sprintf("vendor-%d", i))
			if err := os.MkdirAll(runDir, 0o700); err != nil {
				return nil, err
			}
			run, err := syncToHubSpot(ctx, runDir, o.PluginDir, o.Sandbox, o.VendorContacts)
			if err != nil {
				return nil, fmt.Errorf("vendor-bound sync: %w", err)
			}
			v.Seconds.Add(run.Elapsed.Seconds())
			v.MinSeconds.Add(run.TheoreticalMin.Seconds())
			v.BurstMinSeconds.Add(run.BurstMin.Seconds())
			v.Limit = run.Limit
			v.OfMin.Add(100 * run.Elapsed.Seconds() / run.TheoreticalMin.Seconds())
			v.Requests.Add(float64(run.Requests))
			v.TooMany.Add(float64(run.TooMany))
			v.TooManyPercent.Add(100 * float64(run.TooMany) / float64(run.Requests))
			o.progress("vendor run %d: %d contacts in %v, %d requests, %d answered 429", i+1, run.Contacts,
				run.Elapsed.Round(time.Millisecond), run.Requests, run.TooMany)
		}
		rep.Vendor = v
	}
	if o.WebhookRate > 0 && o.WebhookSeconds > 0 {
		wh := &Webhook{Rate: o.WebhookRate}
		for i := range o.RunsSlow {
			runDir := filepath.Join(dir, fmt.Sprintf("webhook-%d", i))
			if err := os.MkdirAll(runDir, 0o700); err != nil {
				return nil, err
			}
			run, err := webhookLatency(ctx, o.Cxhub, o.PluginDir, runDir, o.WebhookRate, time.Duration(o.WebhookSeconds)*time.Second)
			if err != nil {
				return nil, fmt.Errorf("webhook latency: %w", err)
			}
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			wh.Deliveries = run.Deliveries
			wh.P50.Add(ms(run.Percentile(50)))
			wh.P99.Add(ms(run.Percentile(99)))
			wh.Max.Add(ms(run.Percentile(100)))
			o.progress("webhook run %d: %d deliveries at %d/s, p50 %v, p99 %v", i+1, run.Deliveries, run.Rate,
				run.Percentile(50).Round(time.Millisecond), run.Percentile(99).Round(time.Millisecond))
		}
		rep.Webhook = wh
	}
	if rep.TwoWay, err = o.twoWay(ctx, dir); err != nil {
		return nil, err
	}
	if rep.Customers, err = runCustomers(ctx, o, dir); err != nil {
		return nil, fmt.Errorf("customer index: %w", err)
	}
	rep.Elapsed = time.Since(rep.Started)
	return rep, nil
}

// checkArrived fails a run that did not carry every record to null.
func checkArrived(run PipelineRun, statsFile string, want int64) error {
	got, err := nullStats(statsFile)
	if err != nil {
		return err
	}
	if run.Records != want || run.Written != want || got != want {
		return fmt.Errorf("read %d, wrote %d, null received %d: want %d each", run.Records, run.Written, got, want)
	}
	return nil
}

func (o Options) progress(format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, format+"\n", args...)
	}
}
