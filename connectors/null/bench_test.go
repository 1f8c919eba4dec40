package null

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/cxhub/cxhub/connectors/internal/cputime"
	"github.com/cxhub/cxhub/sdk"
)

// BenchmarkNullWrite writes batches of 500 records of 450 bytes through a
// writer, with return_ids off and on: what null adds to a pipeline. It
// reports records/s, the process's CPU time per record, and the
// allocations and bytes allocated per record.
func BenchmarkNullWrite(b *testing.B) {
	const batch = 500
	recs := make([]sdk.Record, batch)
	for i := range recs {
		recs[i] = sdk.Record{Stream: "customers", Key: fmt.Sprintf("cus-%08d", i+1), Data: make([]byte, 450)}
	}
	for _, returnIDs := range []bool{false, true} {
		b.Run(fmt.Sprint("return_ids=", returnIDs), func(b *testing.B) {
			w, err := New().OpenWriter(context.Background(), sdk.OpenWriterRequest{
				Config: sdk.Config(fmt.Sprintf(`{"return_ids":%v}`, returnIDs)), Stream: "customers"})
			if err != nil {
				b.Fatal(err)
			}
			req := sdk.WriteRequest{Records: recs}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			cpuBefore, cpuOK := cputime.Process()
			records := 0
			for b.Loop() {
				resp, err := w.Write(context.Background(), req)
				if err != nil || len(resp.Results) != batch {
					b.Fatalf("write = %d results, %v", len(resp.Results), err)
				}
				records += batch
			}
			cpuAfter, _ := cputime.Process()
			runtime.ReadMemStats(&after)
			if err := w.Close(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
			if cpuOK {
				b.ReportMetric(float64(cpuAfter-cpuBefore)/float64(records), "cpu-ns/record")
			}
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(records), "allocs/record")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(records), "B/record")
		})
	}
}
