package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestCheckTimeoutNamesTheTimeoutGiven: `check --timeout 1ms` (and
// `discover`) that runs out of time says it gave up after the 1ms it was
// given, not after the connector start's own 30s bound, and exits 1.
func TestCheckTimeoutNamesTheTimeoutGiven(t *testing.T) {
	cfgPath, _, _, _ := dlqWorkspace(t)
	for _, command := range []string{"check", "discover"} {
		t.Run(command, func(t *testing.T) {
			code, stdout, stderr := runCLI("-c", cfgPath, command, "in", "--timeout", "1ms")
			if code != 1 {
				t.Fatalf("%s --timeout 1ms: exit %d, want 1; stdout %q, stderr:\n%s", command, code, stdout, stderr)
			}
			want := "the connector did not answer within 1ms (--timeout 1ms)"
			if !strings.Contains(stderr, want) || strings.Contains(stderr, "30s") {
				t.Errorf("%s --timeout 1ms said:\n%s\nwant it to say %q and not mention 30s", command, stderr, want)
			}
		})
	}
	code, stdout, stderr := runCLI("-c", cfgPath, "-o", "json", "check", "in", "--timeout", "1ms")
	var out struct {
		OK          bool
		Error, Kind string
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil || code != 1 || out.OK ||
		!strings.Contains(out.Error, "within 1ms (--timeout 1ms)") || strings.Contains(out.Error, "30s") || out.Kind != "transient" {
		t.Errorf("check -o json --timeout 1ms: exit %d, %+v (%v), want ok false, kind transient and the error naming 1ms; stdout %q stderr %q", code, out, err, stdout, stderr)
	}
}

// TestInspectRefusesANonPositiveTimeout: --timeout 0 or below is refused
// before any connector starts, instead of "did not answer within 0s".
func TestInspectRefusesANonPositiveTimeout(t *testing.T) {
	cfgPath, _, _, _ := dlqWorkspace(t)
	for _, tc := range []struct{ command, timeout string }{{"check", "0s"}, {"discover", "-1s"}} {
		code, stdout, stderr := runCLI("-c", cfgPath, tc.command, "in", "--timeout", tc.timeout)
		want := "error: --timeout: expected a positive duration such as 30s or 2m, got " + tc.timeout + "\n"
		if code != 1 || stdout != "" || stderr != want {
			t.Errorf("%s --timeout %s: exit %d, stdout %q, stderr %q; want exit 1 and %q", tc.command, tc.timeout, code, stdout, stderr, want)
		}
	}
}
