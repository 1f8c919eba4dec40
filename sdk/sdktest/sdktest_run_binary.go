package sdktest

import "testing"

// RunBinary builds the connector's plugin binary from the main package
// pkg, as [BuildPlugin] does (a path relative to the test's directory,
// such as "./cmd/cxhub-connector-acme"), and runs the suite against it
// through the real protocol, exactly as the core starts it: s.Binary is
// set to the built file, and s.Connector must be nil. Under -short it
// skips the test, since the build takes a while.
func (s Suite) RunBinary(t *testing.T, pkg string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the plugin binary")
	}
	s.Binary = BuildPlugin(t, pkg)
	s.Run(t)
}
