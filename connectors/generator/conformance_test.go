package generator_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/cxhub/cxhub/connectors/generator"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// TestConformance runs the SDK's conformance suite against the generator,
// in process and as the built plugin binary. Its data lives in its config,
// so the driver is a Configurer whose count the suite's Seed and Change
// set.
func TestConformance(t *testing.T) {
	t.Run("in_process", func(t *testing.T) {
		sdktest.Suite{Connector: generator.New(), Driver: &genDriver{}}.Run(t)
	})
	t.Run("binary", func(t *testing.T) {
		if testing.Short() {
			t.Skip("builds the plugin binary")
		}
		bin := sdktest.BuildPlugin(t, "./cmd/cxhub-connector-generator")
		sdktest.Suite{Binary: bin, Driver: &genDriver{}}.Run(t)
	})
}

// genDriver "seeds" the generator by setting count, the number of records
// of every stream. The suite drives one stream at a time, so one count
// serves both. Records never change: Change adds records, and returns
// only those, as an append-only system does.
type genDriver struct {
	count int
}

func (d *genDriver) Config() sdk.Config {
	return sdk.Config(fmt.Sprintf(`{"count":%d,"record_size":512,"seed":99}`, d.count))
}

// keys returns the keys of records from to to-1 of stream.
func keys(stream string, from, to int) ([]string, error) {
	prefix := map[string]string{generator.StreamCustomers: "cus", generator.StreamInteractions: "int"}[stream]
	if prefix == "" {
		return nil, fmt.Errorf("the driver knows no stream %q", stream)
	}
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("%s-%08d", prefix, i+1))
	}
	return out, nil
}

func (d *genDriver) Seed(_ context.Context, stream string, n int) ([]string, error) {
	d.count = n
	return keys(stream, 0, n)
}

func (d *genDriver) Change(_ context.Context, stream string, _ []string, add int) ([]string, error) {
	from := d.count
	d.count += add
	return keys(stream, from, d.count)
}
