// Command cxhub-bench measures cxhub end to end and prints one table: the
// protocol's ceiling, the engine's throughput with and without links, peak
// memory as the record count grows, and a rate-limited vendor sync. `make
// bench` builds the binaries it needs and runs it; see docs/performance.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/cxhub/cxhub/core/benchmark"
	"github.com/cxhub/cxhub/sdk/host"
)

func main() {
	host.TuneGC()             // the core's settings: this process is the core under test
	if benchmark.RunChild() { // the customer index run, a process of its own
		return
	}
	o := benchmark.Options{}
	var memory string
	flag.StringVar(&o.Cxhub, "cxhub", "bin/cxhub", "the cxhub binary")
	flag.StringVar(&o.PluginDir, "plugins", "bin/plugins", "the directory with the generator, null, file, hubspot, zendesk and shopify connectors")
	flag.StringVar(&o.Wirebench, "wirebench", "bin/cxhub-wirebench", "the cxhub-wirebench program (the ceiling)")
	flag.StringVar(&o.Sandbox, "sandbox", "bin/cxhub-sandbox", "the cxhub-sandbox program (the vendor-bound sync)")
	flag.IntVar(&o.Runs, "runs", 5, "runs per throughput figure")
	flag.IntVar(&o.RunsSlow, "runs-slow", 3, "runs per memory and vendor figure")
	flag.IntVar(&o.Records, "records", 1_000_000, "records per throughput run")
	flag.IntVar(&o.RecordBytes, "record-bytes", 450, "approximate size of each record")
	flag.IntVar(&o.BatchSize, "batch", 500, "records per batch")
	flag.StringVar(&memory, "memory", "100000,1000000,5000000", "record counts of the memory scenario (comma-separated; empty: skip)")
	flag.IntVar(&o.VendorContacts, "vendor", 20_000, "contacts written to the HubSpot sandbox (0: skip)")
	flag.IntVar(&o.WebhookRate, "webhook-rate", 100, "webhook deliveries per second to cxhub serve (0: skip)")
	flag.IntVar(&o.WebhookSeconds, "webhook-seconds", 10, "how long the webhook scenario sends")
	flag.IntVar(&o.TwoWayContacts, "twoway", 5000, "contacts of the two-way steady state, HubSpot ↔ Zendesk (0: skip)")
	flag.IntVar(&o.TwoWayRounds, "twoway-rounds", 3, "rounds of the two-way steady state after its initial sync")
	flag.IntVar(&o.TwoWayEdits, "twoway-edits", 50, "real edits per round of the two-way steady state, half on each side")
	onlyTwoWay := flag.Bool("only-twoway", false, "measure only the two-way steady state")
	fileCounts := flag.String("file", "1000000", "record counts of the generator → file scenario, JSON Lines and CSV (comma-separated; empty: skip)")
	onlyFile := flag.Bool("only-file", false, "measure only the generator → file scenario")
	flag.IntVar(&o.CustomerRecords, "customers", 1_000_000, "records the customer index run indexes (0: skip)")
	var wo benchmark.WorkersOptions
	flag.IntVar(&wo.Workers, "workers", 3, "cxhub serve workers of the scale-out scenario, on a PostgreSQL it starts (0: skip)")
	flag.IntVar(&wo.Pipelines, "workers-pipelines", 30, "pipelines the scale-out scenario's workers share")
	flag.IntVar(&wo.Kills, "workers-kills", 5, "workers SIGKILLed in turn for the failover figure")
	onlyWorkers := flag.Bool("only-workers", false, "measure only the scale-out scenario")
	quiet := flag.Bool("quiet", false, "print only the table, not each run")
	flag.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the core during the throughput pipelines to this file")
	flag.Parse()
	o.MemoryRecords = recordCounts("memory", memory)
	fileRecords := recordCounts("file", *fileCounts)
	for _, p := range []*string{&o.Cxhub, &o.PluginDir, &o.Wirebench, &o.Sandbox} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			fmt.Fprintln(os.Stderr, "cxhub-bench:", err)
			os.Exit(2)
		}
		*p = abs
	}
	if !*quiet {
		o.Progress = os.Stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *onlyTwoWay {
		rep, err := benchmark.RunTwoWay(ctx, o)
		if err != nil {
			fmt.Fprintln(os.Stderr, "cxhub-bench:", err)
			os.Exit(1)
		}
		rep.PrintTwoWay(os.Stdout)
		return
	}
	if !*onlyFile && !*onlyWorkers {
		rep, err := benchmark.Run(ctx, o)
		if err != nil {
			fmt.Fprintln(os.Stderr, "cxhub-bench:", err)
			os.Exit(1)
		}
		rep.Print(os.Stdout)
	}
	if len(fileRecords) > 0 && !*onlyWorkers {
		rows, err := benchmark.RunFile(ctx, o, []string{"jsonl", "csv"}, fileRecords)
		if err != nil {
			fmt.Fprintln(os.Stderr, "cxhub-bench:", err)
			os.Exit(1)
		}
		benchmark.PrintFile(os.Stdout, rows)
	}
	if wo.Workers > 0 && !*onlyFile {
		row, err := benchmark.RunWorkers(ctx, o, wo)
		if err != nil {
			fmt.Fprintln(os.Stderr, "cxhub-bench: scale-out:", err)
			os.Exit(1)
		}
		benchmark.PrintWorkers(os.Stdout, row)
	}
}

// recordCounts parses the comma-separated record counts of flag name.
func recordCounts(name, list string) []int {
	var counts []int
	for _, f := range strings.Split(list, ",") {
		if f = strings.TrimSpace(strings.ReplaceAll(f, "_", "")); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "cxhub-bench: -%s: %q is not a record count\n", name, f)
			os.Exit(2)
		}
		counts = append(counts, n)
	}
	return counts
}
