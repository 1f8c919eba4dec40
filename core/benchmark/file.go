package benchmark

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
)

// Targets of the generator → file scenario (issue 14).
const (
	TargetFileRecordsPerSec = 150e3 // generator → file, end to end
	TargetFilePeakMB        = 150.0 // every process's peak RSS
)

// FileRow is the generator → file scenario, for one format and record
// count, over its runs.
type FileRow struct {
	Format        string // jsonl or csv
	Records       int
	RecordsPerSec Figure
	PeakMB        map[string]*Figure // by process name
	// CPU per record, in µs: of every process together, and of each by
	// process name; CoresBusy is that total ÷ the wall time.
	CPUPerRecord Figure
	ProcessCPU   map[string]*Figure
	CoresBusy    Figure
}

const fileWorkloadYAML = `version: 1
state: {path: state/cxhub.db}
plugins: {dir: %q}
connections:
  gen:
    connector: generator
    config: {count: %d, record_size: %d, seed: 7}
  out:
    connector: file
    config: {dir: out, format: %s}
pipelines:
  - name: bench
    from: {connection: gen, stream: customers}
    to: {connection: out, stream: customers}
    batch_size: %d
`

// RunFile measures generator → file with the real cxhub binary and
// plugins (o.Cxhub, o.PluginDir: the file connector too), for each format
// and record count, o.RunsSlow times each: records/s over the sync's wall
// time, and each process's peak RSS. Every run is checked: the file must
// hold one line per record.
func RunFile(ctx context.Context, o Options, formats []string, counts []int) ([]FileRow, error) {
	dir, err := os.MkdirTemp("", "cxhub-bench-file-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var rows []FileRow
	for _, format := range formats {
		for _, n := range counts {
			row := FileRow{Format: format, Records: n, PeakMB: map[string]*Figure{}, ProcessCPU: map[string]*Figure{}}
			for i := range max(o.RunsSlow, 1) {
				runDir := filepath.Join(dir, fmt.Sprintf("%s-%d-%d", format, n, i))
				if err := os.MkdirAll(runDir, 0o700); err != nil {
					return nil, err
				}
				cfg := filepath.Join(runDir, "bench.yaml")
				yaml := fmt.Sprintf(fileWorkloadYAML, o.PluginDir, n, o.RecordBytes, format, o.BatchSize)
				if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
					return nil, fmt.Errorf("write file workload config: %w", err)
				}
				run, err := syncBinary(ctx, o.Cxhub, cfg)
				if err != nil {
					return nil, fmt.Errorf("generator → file (%s, %d records): %w", format, n, err)
				}
				out := filepath.Join(runDir, "out", "customers."+format)
				lines, err := countLines(out)
				if err != nil {
					return nil, err
				}
				if format == "csv" {
					lines-- // the header
				}
				if lines != n {
					return nil, fmt.Errorf("generator → file (%s): %d lines in %s, want %d", format, lines, out, n)
				}
				row.RecordsPerSec.Add(float64(n) / run.Elapsed.Seconds())
				for name, kb := range run.PeakKB {
					if row.PeakMB[name] == nil {
						row.PeakMB[name] = &Figure{}
					}
					row.PeakMB[name].Add(float64(kb) / 1024)
				}
				row.CPUPerRecord.Add(float64(run.TotalCPU.Microseconds()) / float64(n))
				row.CoresBusy.Add(run.TotalCPU.Seconds() / run.Elapsed.Seconds())
				for name, cpu := range run.CPU {
					if row.ProcessCPU[name] == nil {
						row.ProcessCPU[name] = &Figure{}
					}
					row.ProcessCPU[name].Add(float64(cpu.Microseconds()) / float64(n))
				}
				o.progress("file %s %d records run %d: %v, peaks %v KB, CPU %v (%v)", format, n, i+1,
					run.Elapsed.Round(1e6), run.PeakKB, run.TotalCPU.Round(1e6), run.CPU)
				os.RemoveAll(runDir)
			}
			rows = append(rows, row)
		}
	}
	return rows, nil
}

// countLines counts the non-blank lines of a file.
func countLines(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("count lines: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	n := 0
	for {
		line, err := r.ReadSlice('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			n++
		}
		switch {
		case err == io.EOF:
			return n, nil
		case err == bufio.ErrBufferFull:
			for err == bufio.ErrBufferFull { // the rest of a long line
				_, err = r.ReadSlice('\n')
			}
			if err == io.EOF {
				return n, nil
			}
		}
		if err != nil {
			return 0, fmt.Errorf("count lines of %s: %w", path, err)
		}
	}
}

// PrintFile writes the generator → file table, each figure beside its
// target and whether it is met.
func PrintFile(out io.Writer, rows []FileRow) {
	if len(rows) == 0 {
		return
	}
	var names []string
	for _, r := range rows {
		for n := range r.PeakMB {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	slices.Sort(names)
	verdict := func(ok bool) string {
		if ok {
			return "MET"
		}
		return "MISSED"
	}
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "GENERATOR → FILE\trecords/s (target ≥ %.0f)\t\tpeak RSS MB: %s (target ≤ %.0f each)\t\n",
		TargetFileRecordsPerSec, strings.Join(names, ", "), TargetFilePeakMB)
	for _, r := range rows {
		var peaks []string
		worst := 0.0
		for _, n := range names {
			f := r.PeakMB[n]
			if f == nil {
				f = &Figure{}
			}
			peaks = append(peaks, f.Format("%.0f"))
			worst = max(worst, f.Max())
		}
		fmt.Fprintf(tw, "%s, %d records\t%s\t%s\t%s\t%s\n", r.Format, r.Records,
			r.RecordsPerSec.Format("%.0f"), verdict(r.RecordsPerSec.Median() >= TargetFileRecordsPerSec),
			strings.Join(peaks, ", "), verdict(worst <= TargetFilePeakMB))
	}
	tw.Flush()

	// What limits the rate: the CPU the processes need per record, on the
	// machine's cores. At perfect overlap the cores give at most
	// cores ÷ CPU per record.
	cores := runtime.NumCPU()
	fmt.Fprintln(out)
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "GENERATOR → FILE, CPU\tall processes µs/record\tcores busy (of %d)\trecords/s at most, all %d cores busy\t%s µs/record\n",
		cores, cores, strings.Join(names, ", "))
	for _, r := range rows {
		var each []string
		for _, n := range names {
			f := r.ProcessCPU[n]
			if f == nil {
				f = &Figure{}
			}
			each = append(each, f.Format("%.1f"))
		}
		bound := 0.0
		if m := r.CPUPerRecord.Median(); m > 0 {
			bound = float64(cores) * 1e6 / m
		}
		fmt.Fprintf(tw, "%s, %d records\t%s\t%s\t%.0f\t%s\n", r.Format, r.Records,
			r.CPUPerRecord.Format("%.1f"), r.CoresBusy.Format("%.2f"), bound, strings.Join(each, ", "))
	}
	tw.Flush()
}
