package sdktest

import (
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// BuildPlugin builds the connector's main package pkg (a path as `go build`
// takes it, relative to the test's directory: "./cmd/cxhub-connector-acme")
// into a temporary directory removed after the test, and returns the
// binary's path, ready for Suite.Binary or host.Launch. The binary is named
// after the package's last element ("." or "..": after that directory). A failed build fails the test with the
// compiler's output; it is never skipped, so a binary test cannot pass
// without a binary.
func BuildPlugin(t testing.TB, pkg string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("build %s: no go tool on PATH: %v", pkg, err)
	}
	name := path.Base(strings.TrimSuffix(filepath.ToSlash(pkg), "/"))
	if name == "." || name == ".." {
		// "." from the connector's own directory: name it after that.
		abs, err := filepath.Abs(pkg)
		if err != nil {
			t.Fatalf("build %s: %v", pkg, err)
		}
		name = filepath.Base(abs)
	}
	bin := filepath.Join(t.TempDir(), name)
	if out, err := exec.Command(goTool, "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", pkg, err, out)
	}
	return bin
}
