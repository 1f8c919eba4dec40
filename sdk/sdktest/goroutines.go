package sdktest

import (
	"time"

	"go.uber.org/goleak"
)

// leakOptions are the goleak options of a check for goroutines started
// since the snapshot before: it ignores those that outlive a call by
// design and belong to the system rather than the connector — net/http's
// idle keep-alive connections (client side, and server side when the
// system is a sandbox in the test process).
func leakOptions(before goleak.Option) []goleak.Option {
	return []goleak.Option{
		before,
		goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreAnyFunction("net/http.(*conn).serve"),
	}
}

// waitForNoLeaks waits up to within for every goroutine started since the
// snapshot before to end, and returns goleak's report of those left.
func waitForNoLeaks(before goleak.Option, within time.Duration) error {
	deadline := time.Now().Add(within)
	opts := leakOptions(before)
	for {
		err := goleak.Find(opts...)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}
