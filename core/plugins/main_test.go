package plugins

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
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
	copyFile(t, fileConnectorBinary, filepath.Join(dir, "cxhub-connector-file"))
	return dir
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
