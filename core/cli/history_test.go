package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/core/internal/testfiles"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// fileWorkspace writes config as cxhub.yaml in a new directory, beside
// in/, out/ and plugins/ holding the real file connector, and returns the
// config's path.
func fileWorkspace(t *testing.T, config string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the file connector")
	}
	dir := t.TempDir()
	bin := sdktest.BuildPlugin(t, "../../connectors/file/cmd/cxhub-connector-file")
	for _, d := range []string{"in", "out", "plugins"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	testfiles.CopyExecutable(t, bin, filepath.Join(dir, "plugins", "cxhub-connector-file"))
	cfgPath := filepath.Join(dir, "cxhub.yaml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfgPath
}

// TestReadOnlyCommandsOnAFreshConfigCreateNothing: before anything has run
// with a config, its state file does not exist. A read-only command says
// there is nothing yet and exits 0 (or 1 for a named thing that cannot
// exist), and leaves the state directory as it was: no state file, no
// customer index, no journal files.
func TestReadOnlyCommandsOnAFreshConfigCreateNothing(t *testing.T) {
	cfgPath := fileWorkspace(t, dlqConfig+"customers: {}\n") // the customer index on
	dir := filepath.Dir(cfgPath)
	statePath := filepath.Join(dir, "state.db")
	noState := func(after string) {
		t.Helper()
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), "state") {
				t.Fatalf("%s created %s: a read-only command must not create the state", after, e.Name())
			}
		}
	}
	for _, tc := range []struct {
		args []string
		code int
		out  string // in stdout (text) or the whole stdout (json)
	}{
		{[]string{"runs"}, 0, "No runs yet: nothing has run with " + cfgPath + " (its state file " + statePath + " does not exist yet).\n"},
		{[]string{"runs", "-p", "p"}, 0, "No runs yet"},
		{[]string{"runs", "-o", "json"}, 0, "[]\n"},
		{[]string{"state", "show"}, 0, "No checkpoints yet"},
		{[]string{"state", "show", "-o", "json"}, 0, "[]\n"},
		{[]string{"dlq", "list"}, 0, "No dead letters yet"},
		{[]string{"dlq", "list", "-o", "json"}, 0, "[]\n"},
		{[]string{"dlq", "show", "1"}, 1, ""},
		{[]string{"dlq", "discard", "1"}, 1, ""},
		{[]string{"conflicts", "list"}, 0, "No conflicts yet"},
		{[]string{"conflicts", "list", "-o", "json"}, 0, "[]\n"},
		{[]string{"customers", "search", "ann"}, 0, "No customers yet"},
		{[]string{"customers", "search", "ann", "-o", "json"}, 0, "[]\n"},
		{[]string{"customers", "show", "ann@example.com"}, 1, ""},
		{[]string{"customers", "explain", "ann@example.com"}, 1, ""},
		// A misspelt pipeline is still a mistake, state or not.
		{[]string{"runs", "-p", "typo"}, 1, ""},
		{[]string{"dlq", "list", "-p", "typo"}, 1, ""},
	} {
		name := strings.Join(tc.args, " ")
		code, stdout, stderr := runCLI(append(tc.args, "-c", cfgPath)...)
		if code != tc.code {
			t.Errorf("%s: exit %d, want %d; stdout:\n%s\nstderr:\n%s", name, code, tc.code, stdout, stderr)
		}
		switch {
		case strings.Contains(name, "json"):
			if stdout != tc.out {
				t.Errorf("%s: stdout %q, want %q", name, stdout, tc.out)
			}
			var v []any
			if err := json.Unmarshal([]byte(stdout), &v); err != nil {
				t.Errorf("%s: stdout is not a JSON list: %v", name, err)
			}
		case !strings.Contains(stdout, tc.out):
			t.Errorf("%s: stdout %q, want it to hold %q; stderr:\n%s", name, stdout, tc.out, stderr)
		}
		if tc.code != 0 && !strings.Contains(stderr, "error: ") {
			t.Errorf("%s: exit %d without saying why; stderr:\n%s", name, code, stderr)
		}
		noState(name)
	}
}

// TestEmptyListingsAreJSONLists: with a state that holds no runs or
// conflicts yet (here one a pause created), -o json prints an empty list,
// not null, as it does for dead letters and checkpoints.
func TestEmptyListingsAreJSONLists(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "cxhub.yaml")
	if err := os.WriteFile(cfgPath, []byte(dlqConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI("pause", "p", "-c", cfgPath); code != 0 {
		t.Fatalf("pause p: exit %d; stderr:\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "state.db")); err != nil {
		t.Fatalf("pause p left no state file: %v", err)
	}
	for _, args := range [][]string{
		{"runs"}, {"runs", "-p", "p"}, {"dlq", "list"}, {"state", "show"}, {"conflicts", "list"},
	} {
		name := strings.Join(args, " ")
		code, stdout, stderr := runCLI(append(args, "-o", "json", "-c", cfgPath)...)
		if code != 0 || stdout != "[]\n" {
			t.Errorf("%s -o json: exit %d, stdout %q, want [] and exit 0; stderr:\n%s", name, code, stdout, stderr)
		}
	}
}

// TestListingLimitsAreChecked: a --limit a listing cannot honour is refused
// with what it expects, as runs and dlq list do, rather than quietly taken
// for another (customers search took 0 and -1 for 50; conflicts list took
// -1 for all).
func TestListingLimitsAreChecked(t *testing.T) {
	cfgPath := filepath.Join(t.TempDir(), "cxhub.yaml")
	if err := os.WriteFile(cfgPath, []byte(dlqConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"customers", "search", "ann", "-n", "0"}, "error: --limit: expected 1 or more, got 0\n"},
		{[]string{"customers", "search", "ann", "-n", "-1"}, "error: --limit: expected 1 or more, got -1\n"},
		{[]string{"conflicts", "list", "-n", "-1"}, "error: --limit: expected 0 (all) or more, got -1\n"},
		{[]string{"runs", "-n", "0"}, "error: --limit: expected 1 or more, got 0\n"},
		{[]string{"dlq", "list", "-n", "-1"}, "error: --limit: expected 0 (all) or more, got -1\n"},
	} {
		name := strings.Join(tc.args, " ")
		code, stdout, stderr := runCLI(append(tc.args, "-c", cfgPath)...)
		if code != 1 || stderr != tc.want || stdout != "" {
			t.Errorf("%s: exit %d, stderr %q, stdout %q; want exit 1 and stderr %q", name, code, stderr, stdout, tc.want)
		}
	}
}

// TestCustomersWithTheIndexOff: a config that does not turn the customer
// index on (no customers section, no pipeline to the profile store, no
// $customer. map field) has no customers to show. The customers commands
// say so and how to turn it on, exit 1, and create no index file.
func TestCustomersWithTheIndexOff(t *testing.T) {
	cfgPath := fileWorkspace(t, dlqConfig)
	dir := filepath.Dir(cfgPath)
	if code, _, stderr := runCLI("pause", "p", "-c", cfgPath); code != 0 { // the state exists
		t.Fatalf("pause p: exit %d; stderr:\n%s", code, stderr)
	}
	for _, args := range [][]string{
		{"customers", "search", "ann"}, {"customers", "show", "ann@example.com"}, {"customers", "explain", "cx-1"},
	} {
		name := strings.Join(args, " ")
		code, stdout, stderr := runCLI(append(args, "-c", cfgPath)...)
		want := "error: " + cfgPath + " does not turn the customer index on, so it holds no customers: " +
			"add a customers: section (customers: {} for the default rules) and a pipeline that reads customer data; see docs/customers.md\n"
		if code != 1 || !strings.HasSuffix(stderr, want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 1 and stderr ending %q", name, code, stdout, stderr, want)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if strings.Contains(e.Name(), "customers") {
				t.Errorf("%s created %s", name, e.Name())
			}
		}
	}
}
