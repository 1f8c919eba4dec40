package hub

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cxhub/cxhub/sdk/host"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// TestABurstToAColdConnectionStartsOnePlugin: twenty deliveries that
// arrive together at a connection with no warm plugin yet share one
// plugin start (each starting its own, a burst on a small machine starved
// every start past its deadline); once it is warm, more start none.
func TestABurstToAColdConnectionStartsOnePlugin(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the generator plugin")
	}
	plugins := t.TempDir()
	bin := sdktest.BuildPlugin(t, "../../connectors/generator/cmd/cxhub-connector-generator")
	// The plugin's binary is a script that counts its starts, then runs it.
	starts := filepath.Join(t.TempDir(), "starts")
	script := fmt.Sprintf("#!/bin/sh\necho start >> '%s'\nexec '%s' \"$@\"\n", starts, bin)
	if err := os.WriteFile(filepath.Join(plugins, "cxhub-connector-generator"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "cxhub.yaml")
	cfg := "version: 1\nstate: {path: state.db}\nconnections:\n  gen: {connector: generator, config: {count: 1}}\n"
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	h := New(Options{ConfigPath: cfgPath, PluginsDir: plugins, LogOutput: io.Discard})
	defer h.Close()
	conn, err := h.Connection(ctx, "gen") // validating the config starts the plugin once, for its spec
	if err != nil {
		t.Fatal(err)
	}
	count := func() int {
		b, err := os.ReadFile(starts)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return strings.Count(string(b), "start")
	}
	burst := func() *host.Plugin {
		t.Helper()
		const deliveries = 20
		got := make([]*host.Plugin, deliveries)
		errs := make([]error, deliveries)
		var wg sync.WaitGroup
		for i := range deliveries {
			wg.Go(func() { got[i], errs[i] = h.webhooks.plugin(ctx, h, conn) })
		}
		wg.Wait()
		for i := range deliveries {
			if errs[i] != nil || got[i] == nil || got[i] != got[0] {
				t.Fatalf("delivery %d: plugin %p, %v; the first got %p", i, got[i], errs[i], got[0])
			}
		}
		return got[0]
	}

	before := count()
	first := burst()
	if n := count() - before; n != 1 {
		t.Errorf("a burst of 20 deliveries to a cold connection started %d plugins, want 1", n)
	}
	warm := count()
	if again := burst(); again != first || count() != warm {
		t.Errorf("a burst to the warm plugin started %d more (the same plugin: %t)", count()-warm, again == first)
	}
}
