package plugins

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/cxhub/cxhub/core/internal/testfiles"
)

// fileConnectorBinary is the file connector, built once by TestMain for
// the tests that need a real plugin.
var fileConnectorBinary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cxhub-plugins-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "plugins tests:", err)
		os.Exit(1)
	}
	fileConnectorBinary = filepath.Join(dir, "cxhub-connector-file")
	// Locked binaries run from verified copies in the user's cache
	// directory (sdk/host): the tests' own go under dir.
	if err := os.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache")); err != nil {
		fmt.Fprintln(os.Stderr, "plugins tests:", err)
		os.Exit(1)
	}
	cmd := exec.Command("go", "build", "-o", fileConnectorBinary, "./connectors/file/cmd/cxhub-connector-file")
	cmd.Dir = "../.."
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "plugins tests: build the file connector: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildFileConnector returns a fresh plugins directory holding a copy of
// the file connector, which the test may change without touching others.
func buildFileConnector(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	testfiles.CopyExecutable(t, fileConnectorBinary, filepath.Join(dir, "cxhub-connector-file"))
	return dir
}
