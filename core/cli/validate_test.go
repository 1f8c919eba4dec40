package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/cxhub/cxhub/core/internal/testfiles"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// TestValidateCountsConfiguredConnections: the built-in profile store of
// `to: {profiles: true}` is not one of the file's connections.
func TestValidateCountsConfiguredConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the generator plugin")
	}
	plugins := t.TempDir()
	bin := sdktest.BuildPlugin(t, "../../connectors/generator/cmd/cxhub-connector-generator")
	testfiles.CopyExecutable(t, bin, filepath.Join(plugins, "cxhub-connector-generator"))
	cfgPath := filepath.Join(t.TempDir(), "cxhub.yaml")
	content := fmt.Sprintf(`version: 1
state: {path: state.db}
plugins: {dir: %q}
connections:
  gen: {connector: generator, config: {count: 3}}
pipelines:
  - name: people
    from: {connection: gen, stream: customers}
    to:   {profiles: true}
`, plugins)
	if err := os.WriteFile(cfgPath, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI("validate", "--config", cfgPath)
	if want := cfgPath + " is valid: 1 connections, 1 pipelines\n"; code != 0 || stdout != want {
		t.Errorf("validate: exit %d, stdout %q, want %q; stderr:\n%s", code, stdout, want, stderr)
	}
	code, stdout, stderr = runCLI("validate", "--config", cfgPath, "-o", "json")
	var out struct{ Connections, Pipelines int }
	if err := json.Unmarshal([]byte(stdout), &out); code != 0 || err != nil || out.Connections != 1 || out.Pipelines != 1 {
		t.Errorf("validate -o json: exit %d, %+v (%v), want 1 connection and 1 pipeline; stderr:\n%s", code, out, err, stderr)
	}
}

// TestValidateReportsCustomerRules: `cxhub validate` prints the customers
// section's problems with file, line and key, and fails.
func TestValidateReportsCustomerRules(t *testing.T) {
	cfgPath := filepath.Join(t.TempDir(), "cxhub.yaml")
	content := fmt.Sprintf("version: 1\nstate: {path: state.db}\nplugins: {dir: %q}\ncustomers: {max_shared: 0}\n", t.TempDir())
	if err := os.WriteFile(cfgPath, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI("validate", "--config", cfgPath)
	want := cfgPath + ":4:25: customers.max_shared: expected a whole number of at least 1\n1 error(s) in config\n"
	if code == 0 || stderr != want {
		t.Errorf("validate: exit %d, stderr %q, want %q", code, stderr, want)
	}
}

// TestValidateWithAFileArgumentSaysToUseDashC: `cxhub validate f.yaml`
// says how to validate f.yaml, not `unknown command "f.yaml"`.
func TestValidateWithAFileArgumentSaysToUseDashC(t *testing.T) {
	code, stdout, stderr := runCLI("validate", "prod.yaml")
	want := "error: validate takes no arguments: it checks the config file given with -c; to check prod.yaml, run: cxhub -c prod.yaml validate\n"
	if code != 1 || stdout != "" || stderr != want {
		t.Errorf("validate prod.yaml: exit %d, stdout %q, stderr %q; want exit 1 and %q", code, stdout, stderr, want)
	}
}
