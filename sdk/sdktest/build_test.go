package sdktest_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cxhub/cxhub/sdk/sdktest"
)

// BuildPlugin(t, ".") from a connector's own directory, as a test beside
// the connector's main package writes it, gives an executable named after
// that directory, not the temporary directory itself.
func TestBuildPluginOfTheCurrentDirectory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a plugin binary")
	}
	t.Chdir("../host/testdata/testconnector")
	bin := sdktest.BuildPlugin(t, ".")
	st, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Mode().IsRegular() || st.Mode().Perm()&0o100 == 0 {
		t.Errorf("BuildPlugin(t, \".\") = %s, mode %v: want an executable file", bin, st.Mode())
	}
	if got := filepath.Base(bin); got != "testconnector" {
		t.Errorf("BuildPlugin(t, \".\") named the binary %q, want %q (the directory's name)", got, "testconnector")
	}
}
