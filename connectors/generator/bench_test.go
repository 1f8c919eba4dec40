package generator

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/cxhub/cxhub/connectors/internal/cputime"
	"github.com/cxhub/cxhub/sdk"
)

// discard is an Emitter that counts what it is given and keeps nothing.
type discard struct{ records, bytes int }

func (d *discard) Emit(records ...sdk.Record) error {
	d.records += len(records)
	for i := range records {
		d.bytes += len(records[i].Data)
	}
	return nil
}

func (d *discard) Checkpoint(string, []byte) error { return nil }

// BenchmarkGenerate reads 100,000 records of each stream, of 450 and 4096
// bytes, in batches of 500, into an emitter that drops them: the cost of
// the generator alone. It reports records/s, the process's CPU time per
// record (which a machine busy with other work does not inflate as it
// does the wall clock), and the allocations and bytes allocated per record.
func BenchmarkGenerate(b *testing.B) {
	const n = 100_000
	for _, stream := range []string{StreamCustomers, StreamInteractions} {
		for _, size := range []int{450, 4096} {
			b.Run(fmt.Sprintf("%s/%dB", stream, size), func(b *testing.B) {
				c := New()
				req := sdk.ReadRequest{
					Config:    sdk.Config(fmt.Sprintf(`{"count":%d,"record_size":%d}`, n, size)),
					Streams:   []sdk.StreamState{{Stream: stream}},
					BatchSize: 500,
				}
				b.SetBytes(int64(n * size))
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				cpuBefore, cpuOK := cputime.Process()
				records := 0
				for b.Loop() {
					out := &discard{}
					if err := c.Read(context.Background(), req, out); err != nil {
						b.Fatal(err)
					}
					if out.records != n {
						b.Fatalf("read %d records, want %d", out.records, n)
					}
					records += out.records
				}
				cpuAfter, _ := cputime.Process()
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
				if cpuOK {
					b.ReportMetric(float64(cpuAfter-cpuBefore)/float64(records), "cpu-ns/record")
				}
				b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(records), "allocs/record")
				b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(records), "B/record")
			})
		}
	}
}
