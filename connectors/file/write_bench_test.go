package file

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// benchRecords returns batches of n records of about 450 bytes, keys
// cust-0000000 on, with the content varying by rev.
func benchRecords(n, batchSize, rev int) [][]sdk.Record {
	notes := strings.Repeat("lorem ipsum ", 10)
	var batches [][]sdk.Record
	for start := 0; start < n; start += batchSize {
		batch := make([]sdk.Record, 0, batchSize)
		for i := start; i < min(start+batchSize, n); i++ {
			key := fmt.Sprintf("cust-%07d", i)
			data := fmt.Sprintf(`{"id":%q,"email":"customer%d@example.com","name":"Customer Number %d","phone":"+4420%07d",`+
				`"company":{"name":"Company %d Ltd","domain":"company%d.example"},"address":{"street":"%d High Street","city":"London","postcode":"N1 %dAA"},`+
				`"tags":["vip","newsletter"],"notes":%q,"rev":%d,"updated_at":"2024-%02d-%02dT%02d:%02d:00Z"}`,
				key, i, i, i%10_000_000, i%997, i%997, i%300, i%10, notes, rev, 1+i%12, 1+i%28, i%24, i%60)
			batch = append(batch, sdk.Record{Stream: "customers", Key: key, Data: []byte(data)})
		}
		batches = append(batches, batch)
	}
	return batches
}

// BenchmarkWrite writes 200k records (20k with -short) in batches of 500
// into a new file, JSON Lines and CSV, and then the same keys again with
// new content (every line replaced: blanks, and compactions). It reports
// records/s, the process's CPU time per record (the writer's, the
// collector's and the kernel's) and the peak heap in use; memory must not
// grow with the file.
func BenchmarkWrite(b *testing.B) {
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	fresh, updated := benchRecords(n, 500, 0), benchRecords(n, 500, 1)
	for _, format := range []string{"jsonl", "csv"} {
		for _, mode := range []string{"append", "update"} {
			b.Run(format+"/"+mode, func(b *testing.B) {
				var peak uint64
				var total int
				var cpu time.Duration
				b.ReportAllocs()
				for b.Loop() {
					b.StopTimer()
					dir := b.TempDir()
					cfg := testConfig(b, dir, map[string]any{"format": format})
					w, err := New().OpenWriter(context.Background(), sdk.OpenWriterRequest{Config: cfg, Stream: "customers"})
					if err != nil {
						b.Fatal(err)
					}
					if mode == "update" {
						writeBatches(b, w, 0, fresh, nil)
					}
					runtime.GC()
					var base runtime.MemStats
					runtime.ReadMemStats(&base)
					b.StartTimer()
					start := cpuTime(b)
					writeBatches(b, w, base.HeapInuse, map[string][][]sdk.Record{"append": fresh, "update": updated}[mode], &peak)
					cpu += cpuTime(b) - start
					total += n
					b.StopTimer()
					if err := w.Close(context.Background()); err != nil {
						b.Fatal(err)
					}
					os.RemoveAll(dir)
					b.StartTimer()
				}
				b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "records/s")
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(total), "cpu-ns/record")
			})
		}
	}
}

// cpuTime is the CPU time the process has used, user and system: the
// writer's, the collector's and the kernel's work for it (pwrite, fsync),
// which wall time on a shared machine hides.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// writeBatches writes batches, and keeps in peak the most heap in use
// above base that it sees.
func writeBatches(b *testing.B, w sdk.Writer, base uint64, batches [][]sdk.Record, peak *uint64) {
	b.Helper()
	for i, batch := range batches {
		resp, err := w.Write(context.Background(), sdk.WriteRequest{Records: batch})
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range resp.Results {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
		if peak != nil && i%50 == 0 {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			*peak = max(*peak, m.HeapInuse-min(base, m.HeapInuse))
		}
	}
}
