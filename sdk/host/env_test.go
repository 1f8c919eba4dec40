package host

import (
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

// MinimalEnv keeps what a plugin needs and drops the rest. Not parallel: it
// sets environment variables of the test process.
func TestMinimalEnv(t *testing.T) {
	t.Setenv("HOST_SECRET", "hunter2")
	t.Setenv("PATH", "/usr/bin:/bin")
	t.Setenv("HTTPS_PROXY", "http://proxy:3128")
	t.Setenv(sdk.LogLevelEnv, "warn")
	got := map[string]string{}
	for _, kv := range MinimalEnv() {
		k, v, _ := strings.Cut(kv, "=")
		got[k] = v
	}
	for k, v := range map[string]string{"PATH": "/usr/bin:/bin", "HTTPS_PROXY": "http://proxy:3128", sdk.LogLevelEnv: "warn"} {
		if got[k] != v {
			t.Errorf("MinimalEnv has %s=%q, want %q", k, got[k], v)
		}
	}
	if _, ok := got["HOST_SECRET"]; ok {
		t.Error("MinimalEnv passes HOST_SECRET on")
	}
}
