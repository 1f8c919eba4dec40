package httpx

import (
	"errors"
	"net/url"
	"syscall"
)

// errNothingListens marks a connection refused on a loopback address.
// Nothing listening on this machine is rarely a passing fault (it is almost
// always a local sandbox or proxy that is not running): the request is not
// retried with backoff — the failure stays transient, so the caller's own
// retry policy (the engine's restarts, the next scheduled run) still
// applies — and its message says what to start.
var errNothingListens = errors.New("connection refused on this machine")

// refusedOnLoopback reports whether a connection to a loopback address was
// refused.
func refusedOnLoopback(err error, u *url.URL) bool {
	if !errors.Is(err, syscall.ECONNREFUSED) || u == nil {
		return false
	}
	return isLoopbackHost(u.Hostname())
}
