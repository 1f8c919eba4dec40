package httpx

import (
	"errors"
	"net"
	"net/url"
	"syscall"
)

// refusedOnLoopback reports whether a connection to a loopback address was
// refused. Nothing listening on this machine is not a passing fault of a
// vendor: retrying it for minutes helps nobody (it is almost always a local
// sandbox or proxy that is not running), so it fails at once, with a hint.
func refusedOnLoopback(err error, u *url.URL) bool {
	if !errors.Is(err, syscall.ECONNREFUSED) || u == nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
