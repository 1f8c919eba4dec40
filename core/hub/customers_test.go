package hub

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/cxhub/cxhub/core/internal/testfiles"
	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

const reloadConfig = `version: 1
state: {path: state.db}
connections:
  gen: {connector: generator, config: {count: 30, record_size: 300, seed: 7}}
customers: {match: [%s]}
pipelines:
  - name: people
    from: {connection: gen, stream: customers}
    to:   {profiles: true}
  - name: events
    from: {connection: gen, stream: interactions}
    to:   {profiles: true}
`

// TestReloadTakesNewCustomerRules: a SIGHUP (Hub.Reload) that changes the
// customers section changes the answers of the hub already running, with
// no restart: interactions join their customer through links while the
// rules match on them, and stand alone once the reloaded rules do not.
func TestReloadTakesNewCustomerRules(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the generator plugin")
	}
	plugins := t.TempDir()
	bin := sdktest.BuildPlugin(t, "../../connectors/generator/cmd/cxhub-connector-generator")
	testfiles.CopyExecutable(t, bin, filepath.Join(plugins, "cxhub-connector-generator"))
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "cxhub.yaml")
	write := func(match string) {
		if err := os.WriteFile(cfgPath, fmt.Appendf(nil, reloadConfig, match), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("email, phone, links")
	ctx := context.Background()
	h := New(Options{ConfigPath: cfgPath, PluginsDir: plugins, LogOutput: io.Discard})
	defer h.Close()
	for _, p := range []string{"people", "events"} {
		if res := h.Sync(ctx, p); res.Err != nil || res.Status != state.RunSucceeded {
			t.Fatalf("sync %s: %v %v", p, res.Status, res.Err)
		}
	}
	// The customers' timelines hold every interaction.
	timelines := func() int {
		n := 0
		for i := 1; i <= 30; i++ {
			p, err := h.Customer(ctx, fmt.Sprintf("gen/customers/cus-%08d", i))
			if err != nil {
				t.Fatal(err)
			}
			n += len(p.Timeline)
		}
		return n
	}
	if got := timelines(); got != 30 {
		t.Fatalf("with links: the customers' timelines hold %d interactions, want all 30", got)
	}

	write("email, phone")
	if _, err := h.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if got := timelines(); got != 0 {
		t.Errorf("after a reload without links: the customers' timelines hold %d interactions, want none", got)
	}
	// A sync after the reload indexes under the new rules too.
	write("email, phone, links")
	if _, err := h.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if got := timelines(); got != 30 {
		t.Errorf("after a reload back to links: %d interactions on timelines, want 30", got)
	}
}
