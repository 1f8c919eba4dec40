package null_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/cxhub/cxhub/connectors/null"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// TestConformance runs the SDK's conformance suite against the null
// connector, in process and as the built plugin binary, with ids on (the
// suite wants an id per written record) and a stats file per stream,
// which is what the driver reads back.
//
// What the suite cannot check here, it skips and says so: null is no
// source (no read checks); it refuses no record, so the driver has no bad
// record to give; and it reaches no system that could fail (no faults).
// Null never says created (it holds nothing, so nothing is new to it):
// its streams are the suite's UpdateOnly ones.
func TestConformance(t *testing.T) {
	t.Run("in_process", func(t *testing.T) {
		d := newNullDriver(t)
		sdktest.Suite{Connector: null.New(), Config: d.config(t), Driver: d, UpdateOnly: neverCreated, NoDeleteCheck: noDeleteCheck}.Run(t)
	})
	t.Run("binary", func(t *testing.T) {
		if testing.Short() {
			t.Skip("builds the plugin binary")
		}
		d := newNullDriver(t)
		bin := sdktest.BuildPlugin(t, "./cmd/cxhub-connector-null")
		sdktest.Suite{Binary: bin, Config: d.config(t), Driver: d, UpdateOnly: neverCreated, NoDeleteCheck: noDeleteCheck}.Run(t)
	})
}

// neverCreated are the streams the suite writes to null.
var neverCreated = []string{"customers", "interactions"}

// noDeleteCheck is why the suite's delete checks do not apply to null.
const noDeleteCheck = "null holds nothing for a delete to remove, and the driver can tell only what the last writer received"

// nullDriver makes records and checks what the stats files say arrived.
// Null holds no objects, so the suite's question "how many objects does
// the destination hold for each record" has no direct answer. The honest
// one it can give: the stats file of the last writer closed (the suite
// writes and closes, then counts) says that writer received exactly
// these records, bytes included. Then each record counts 1, else 0: a
// writer that loses, repeats or miscounts records fails the suite.
type nullDriver struct {
	dir string
}

func newNullDriver(t *testing.T) *nullDriver { return &nullDriver{dir: t.TempDir()} }

func (d *nullDriver) config(t *testing.T) sdk.Config {
	t.Helper()
	cfg, err := json.Marshal(map[string]any{
		"streams":    []string{"customers", "interactions"},
		"return_ids": true,
		"stats_file": filepath.Join(d.dir, "{stream}.json"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// Records are n records keyed w-1 to w-n; salt changes their data.
func (d *nullDriver) Records(stream string, n, salt int) []sdk.Record {
	recs := make([]sdk.Record, n)
	for i := range recs {
		key := fmt.Sprintf("w-%d", i+1)
		recs[i] = sdk.Record{Stream: stream, Key: key,
			Data: fmt.Appendf(nil, `{"id":%q,"name":"Written %d","salt":%d}`, key, i+1, salt)}
	}
	return recs
}

// Count answers 1 for each record when the stream's stats file holds
// exactly their number and bytes, none of them deletes; 0 otherwise.
func (d *nullDriver) Count(_ context.Context, stream string, records []sdk.Record) ([]int, error) {
	got, err := null.ReadStats(filepath.Join(d.dir, stream+".json"))
	if err != nil {
		return nil, err
	}
	want := null.Stats{Stream: stream, Records: int64(len(records))}
	for _, r := range records {
		want.Bytes += int64(len(r.Data))
	}
	counts := make([]int, len(records))
	if got == want {
		for i := range counts {
			counts[i] = 1
		}
	}
	return counts, nil
}

// BadRecord has none to give: null accepts every record.
func (d *nullDriver) BadRecord(string) (sdk.Record, bool) { return sdk.Record{}, false }
