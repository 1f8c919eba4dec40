package sdktest

import (
	"testing"

	"github.com/cxhub/cxhub/sdk/sandbox"
)

// Sandbox is a vendor's sandbox (connectors/<vendor>/sandbox, built on
// sdk/sandbox) as a test starts it.
type Sandbox interface {
	// Start serves the sandbox on addr, a loopback address.
	Start(addr string) (*sandbox.Server, error)
}

// StartSandbox serves sb on a free port of 127.0.0.1 for the rest of the
// test, and returns the server (its URL is the connector's base_url). It
// fails t at once if the sandbox does not start, and closes it when the
// test ends, failing t if closing fails.
func StartSandbox(t testing.TB, sb Sandbox) *sandbox.Server {
	t.Helper()
	srv, err := sb.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(func() { closeSandbox(t, srv) })
	return srv
}

// closeSandbox closes srv, failing t if that fails.
func closeSandbox(t testing.TB, srv *sandbox.Server) {
	if err := srv.Close(); err != nil {
		t.Errorf("close sandbox at %s: %v", srv.URL, err)
	}
}
