package file

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

// countingEmitter counts records and samples the live heap as they go.
type countingEmitter struct {
	n, checkpoints int
	peakHeap       uint64
}

func (e *countingEmitter) Emit(records ...sdk.Record) error {
	before := e.n
	e.n += len(records)
	if e.n/50_000 != before/50_000 {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		e.peakHeap = max(e.peakHeap, m.HeapInuse)
	}
	return nil
}

func (e *countingEmitter) Checkpoint(string, []byte) error { e.checkpoints++; return nil }

// BenchmarkReadJSONL reads a file of 1M lines of about 450 bytes (50k
// with -short), by offset and by cursor, and reports the peak heap in use.
func BenchmarkReadJSONL(b *testing.B) {
	lines := 1_000_000
	if testing.Short() {
		lines = 50_000
	}
	dir := b.TempDir()
	path := filepath.Join(dir, "customers.jsonl")
	size := writeBenchFile(b, path, lines)
	for _, mode := range []string{"offset", "cursor"} {
		b.Run(mode, func(b *testing.B) {
			var extra map[string]any
			if mode == "cursor" {
				extra = streamsConfig("customers", map[string]string{"cursor": "updated_at"})
			}
			req := sdk.ReadRequest{Config: testConfig(b, dir, extra), Streams: []sdk.StreamState{{Stream: "customers"}}}
			b.SetBytes(size)
			b.ReportAllocs()
			var peak uint64
			for b.Loop() {
				out := &countingEmitter{}
				if err := New().Read(context.Background(), req, out); err != nil {
					b.Fatal(err)
				}
				if out.n != lines {
					b.Fatalf("read %d records, want %d", out.n, lines)
				}
				peak = max(peak, out.peakHeap)
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		})
	}
}

func writeBenchFile(b *testing.B, path string, lines int) int64 {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	notes := strings.Repeat("lorem ipsum ", 10)
	for i := range lines {
		fmt.Fprintf(w, `{"id":"cust-%07d","email":"customer%d@example.com","name":"Customer Number %d","phone":"+4420%07d",`+
			`"company":{"name":"Company %d Ltd","domain":"company%d.example"},"address":{"street":"%d High Street","city":"London","postcode":"N1 %dAA"},`+
			`"tags":["vip","newsletter"],"notes":%q,"updated_at":"2024-%02d-%02dT%02d:%02d:00Z"}`+"\n",
			i, i, i, i%10_000_000, i%997, i%997, i%300, i%10, notes, 1+i%12, 1+i%28, i%24, i%60)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	info, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	return info.Size()
}
