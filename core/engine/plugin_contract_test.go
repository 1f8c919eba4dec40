package engine

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/host"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// A destination plugin whose Write answers a batch with one result too few
// has a bug no retry fixes: through the real protocol, the sync fails at
// once, naming the connector and calling it a connector bug, instead of
// restarting the run five times.
func TestPluginBreakingTheResultContractFailsAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a plugin binary")
	}
	bin := sdktest.BuildPlugin(t, "../../sdk/host/testdata/testconnector")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := host.Launch(ctx, host.Options{Path: bin})
	if err != nil {
		t.Fatalf("launch %s: %v", bin, err)
	}
	defer p.Kill()

	h := newHarness(t, 10, nil)
	h.runner.Config.Connections["dst"].Config = json.RawMessage(`{"wrong_results": true}`)
	h.launch.connectors["dst"] = p
	res := h.sync()
	if res.Err == nil {
		t.Fatal("sync with a destination answering too few results succeeded")
	}
	msg := res.Err.Error()
	for _, want := range []string{"connector testconnector", "returned 9 results for a batch of 10 records", "connector bug"} {
		if !strings.Contains(msg, want) {
			t.Errorf("sync error %q does not say %q", msg, want)
		}
	}
	if res.Counts.Restarts != 0 || h.launch.starts["dst"] != 1 {
		t.Errorf("a connector bug restarted the run %d times (%d starts of the destination), want none",
			res.Counts.Restarts, h.launch.starts["dst"])
	}
	if k := sdk.KindOf(res.Err); k.Retryable() {
		t.Errorf("kind of the sync error = %v, want one that is not retried", k)
	}
}
