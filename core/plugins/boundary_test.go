package plugins

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The core reaches connectors only as plugin processes: no package under
// core/ may import one under connectors/ (tests aside, which may build and
// run them), nor the SDK's conformance kit, which is for tests. The
// module's import graph, as `go list -deps` reports it, is checked here.
func TestCoreImportsNoConnectorNorTheTestKit(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "./core/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps ./core/...: %v", err)
	}
	pkgs := strings.Fields(string(out))
	if len(pkgs) < 10 || !slices.Contains(pkgs, "github.com/cxhub/cxhub/core/plugins") {
		t.Fatalf("go list -deps ./core/... listed %d packages, not this one: the check proves nothing", len(pkgs))
	}
	for _, p := range pkgs {
		if strings.HasPrefix(p, "github.com/cxhub/cxhub/connectors/") || p == "github.com/cxhub/cxhub/sdk/sdktest" {
			who := exec.Command("go", "list", "-f", `{{.ImportPath}}: {{join .Imports " "}}`, "./core/...")
			who.Dir = "../.."
			b, _ := who.Output()
			var importers []string
			for _, line := range strings.Split(string(b), "\n") {
				if strings.Contains(line, " "+p) {
					importers = append(importers, strings.SplitN(line, ":", 2)[0])
				}
			}
			t.Errorf("the core depends on %s (imported by %v)", p, importers)
		}
	}
}
