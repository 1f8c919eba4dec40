package sdktest

import (
	"net"
	"testing"
)

// UnreachableURL returns "http://127.0.0.1:<port>" for a port nothing
// listens on, for Suite.Unreachable: a connection to it is refused at once.
// The port was free a moment ago; another process could take it, but it is
// picked by the kernel among the free ones, so that is unlikely.
func UnreachableURL(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a closed port: %v", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatalf("find a closed port: close %s: %v", addr, err)
	}
	return "http://" + addr
}
