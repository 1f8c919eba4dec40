package null

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

// open opens a writer of stream with the config cfg.
func open(t *testing.T, cfg, stream string) sdk.Writer {
	t.Helper()
	w, err := New().OpenWriter(context.Background(), sdk.OpenWriterRequest{Config: sdk.Config(cfg), Stream: stream})
	if err != nil {
		t.Fatalf("open writer of %s: %v", stream, err)
	}
	return w
}

// records returns n records of stream, every third a delete.
func records(stream string, n int) []sdk.Record {
	recs := make([]sdk.Record, n)
	for i := range recs {
		recs[i] = sdk.Record{Stream: stream, Key: fmt.Sprint("k", i), Data: fmt.Appendf(nil, `{"id":"k%d"}`, i)}
		if i%3 == 2 {
			recs[i].Op = sdk.Delete
		}
	}
	return recs
}

// TestWriteResults checks one result per record, in order, all written,
// none created, with ids only when return_ids is on.
func TestWriteResults(t *testing.T) {
	for _, returnIDs := range []bool{false, true} {
		t.Run(fmt.Sprint("return_ids=", returnIDs), func(t *testing.T) {
			w := open(t, fmt.Sprintf(`{"return_ids":%v}`, returnIDs), "customers")
			for _, n := range []int{0, 1, 7, 500} {
				recs := records("customers", n)
				resp, err := w.Write(context.Background(), sdk.WriteRequest{Records: recs})
				if err != nil || len(resp.Results) != n {
					t.Fatalf("write %d records = %d results, %v", n, len(resp.Results), err)
				}
				for i, res := range resp.Results {
					want := ""
					if returnIDs {
						want = "null-" + recs[i].Key
					}
					if res.Err != nil || res.Created || res.ID != want {
						t.Fatalf("record %d: result %+v, want written as %q, not created", i, res, want)
					}
				}
			}
			if err := w.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestStatsFile writes batches through writers and reads their stats
// files: each holds its writer's totals, and {stream} gives each stream
// its own.
func TestStatsFile(t *testing.T) {
	dir := t.TempDir()
	cfg := fmt.Sprintf(`{"streams":["a","b"],"stats_file":%q}`, filepath.Join(dir, "{stream}.json"))
	wa, wb := open(t, cfg, "a"), open(t, cfg, "b")
	var want Stats
	want.Stream = "a"
	for _, n := range []int{3, 10, 0, 4} {
		recs := records("a", n)
		if _, err := wa.Write(context.Background(), sdk.WriteRequest{Records: recs}); err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			want.Records++
			want.Bytes += int64(len(r.Data))
			if r.Op == sdk.Delete {
				want.Deletes++
			}
		}
	}
	if _, err := wb.Write(context.Background(), sdk.WriteRequest{Records: records("b", 2)}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "a.json")); err == nil {
		t.Fatal("the stats file exists before the writer closed")
	}
	for _, w := range []sdk.Writer{wa, wb} {
		if err := w.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ReadStats(filepath.Join(dir, "a.json"))
	if err != nil || got != want {
		t.Fatalf("stats of a = %+v, %v; want %+v", got, err, want)
	}
	if want.Deletes == 0 || want.Deletes == want.Records {
		t.Fatalf("the test wrote %d deletes of %d records: want some of each", want.Deletes, want.Records)
	}
	gotB, err := ReadStats(filepath.Join(dir, "b.json"))
	if wantB := (Stats{Stream: "b", Records: 2, Bytes: int64(len(`{"id":"k0"}`) + len(`{"id":"k1"}`))}); err != nil || gotB != wantB {
		t.Fatalf("stats of b = %+v, %v; want %+v", gotB, err, wantB)
	}
	// A later writer replaces the file with its own totals, and leaves no
	// temporary file behind.
	wa = open(t, cfg, "a")
	if _, err := wa.Write(context.Background(), sdk.WriteRequest{Records: records("a", 1)}); err != nil {
		t.Fatal(err)
	}
	if err := wa.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadStats(filepath.Join(dir, "a.json")); err != nil || got.Records != 1 {
		t.Fatalf("stats of a after another writer = %+v, %v; want its 1 record", got, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"a.json", "b.json"}) {
		t.Errorf("files in the stats dir: %v, want [a.json b.json]", names)
	}
}

// TestStatsFileFailure checks that a stats file that cannot be written
// fails Close, with a transient error, and leaves nothing behind.
func TestStatsFileFailure(t *testing.T) {
	dir := t.TempDir()
	cfg := fmt.Sprintf(`{"stats_file":%q}`, filepath.Join(dir, "sub", "s.json"))
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	w := open(t, cfg, "customers")
	if err := os.Remove(filepath.Join(dir, "sub")); err != nil {
		t.Fatal(err)
	}
	err := w.Close(context.Background())
	if sdk.KindOf(err) != sdk.KindTransient || !strings.Contains(err.Error(), "s.json") {
		t.Fatalf("close with the stats dir gone = %v, want a transient error naming the file", err)
	}
}

func TestOpenWriterErrors(t *testing.T) {
	tests := []struct {
		name, cfg, stream, err string
	}{
		{"stream not listed", `{"streams":["a"]}`, "b", `stream "b" is not in the config's streams (a)`},
		{"default streams", `{}`, "contacts", "(customers, interactions)"},
		{"stats dir missing", `{"stats_file":"/nonexistent-dir-of-null/s.json"}`, "customers", "stats_file"},
		{"bad config", `{"streams":[]}`, "customers", "streams is []: minItems"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New().OpenWriter(context.Background(), sdk.OpenWriterRequest{Config: sdk.Config(tt.cfg), Stream: tt.stream})
			if sdk.KindOf(err) != sdk.KindConfig || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("open writer = %v, want a config error saying %q", err, tt.err)
			}
		})
	}
}

func TestCheckAndDiscover(t *testing.T) {
	dir := t.TempDir()
	cfg := sdk.Config(fmt.Sprintf(`{"streams":["x","y"],"stats_file":%q}`, filepath.Join(dir, "{stream}.json")))
	resp, err := New().Check(context.Background(), sdk.CheckRequest{Config: cfg})
	if want := "accepts x, y; totals to " + filepath.Join(dir, "{stream}.json"); err != nil || resp.Message != want {
		t.Errorf("check = %q, %v; want %q", resp.Message, err, want)
	}
	if _, err := New().Check(context.Background(), sdk.CheckRequest{Config: sdk.Config(`{"stats_file":"/nonexistent-dir-of-null/s"}`)}); sdk.KindOf(err) != sdk.KindConfig {
		t.Errorf("check with a stats dir that does not exist = %v, want a config error", err)
	}
	disc, err := New().Discover(context.Background(), sdk.DiscoverRequest{Config: cfg})
	if err != nil || len(disc.Streams) != 2 || disc.Streams[0].Name != "x" || disc.Streams[1].Name != "y" {
		t.Fatalf("discover = %+v, %v", disc, err)
	}
	for _, st := range disc.Streams {
		if c := st.Capabilities; !c.Write || !c.Delete || c.Read {
			t.Errorf("stream %s: capabilities %+v, want write and delete only", st.Name, c)
		}
	}
	if _, err := New().Discover(context.Background(), sdk.DiscoverRequest{Config: sdk.Config(`{"streams":[]}`)}); sdk.KindOf(err) != sdk.KindConfig {
		t.Errorf("discover with a bad config = %v, want a config error", err)
	}
}

// TestWriteAllocations checks that a batch costs its results and, with
// ids, one string for all of them: nothing per record.
func TestWriteAllocations(t *testing.T) {
	for _, tt := range []struct {
		cfg  string
		want float64
	}{{`{}`, 1}, {`{"return_ids":true}`, 2}} {
		w := open(t, tt.cfg, "customers")
		req := sdk.WriteRequest{Records: records("customers", 500)}
		if _, err := w.Write(context.Background(), req); err != nil { // grow the scratch space
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(10, func() { _, _ = w.Write(context.Background(), req) })
		if allocs > tt.want {
			t.Errorf("%s: a batch of 500 records takes %.0f allocations, want at most %.0f", tt.cfg, allocs, tt.want)
		}
	}
}
