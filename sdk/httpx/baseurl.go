package httpx

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/cxhub/cxhub/sdk"
)

// ParseBaseURL checks the URL a connection's config gives for a vendor's
// API (a sandbox's, a proxy's, another data centre's) and returns it
// parsed. key is the config key it came from and example a URL of the
// right form (https://acme.zendesk.com); both appear in the errors, so
// that an admin reads which setting to fix and how.
//
// The URL must be absolute, http or https, with a host, and carry no query,
// fragment or user info. Plain http is accepted only for a loopback host
// (localhost, 127.0.0.0/8, ::1), that is, a local sandbox: the credentials
// travel in every request, and over http to any other host they would
// travel in clear.
//
// The URL returned has only its scheme, its host (lower-cased) and its path
// (without a trailing slash); a connector adds or trims the API's path on
// it. Every error is an [sdk.ConfigError]; none quotes a password.
func ParseBaseURL(key, raw, example string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, sdk.ConfigError(fmt.Errorf("%s %q: want an http(s) URL such as %s", key, redacted(raw, u, err), example))
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery || u.User != nil {
		return nil, sdk.ConfigError(fmt.Errorf("%s %q: want no query, fragment or user info, such as %s", key, u.Redacted(), example))
	}
	if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		return nil, sdk.ConfigError(fmt.Errorf("%s %q: plain http is only allowed for a loopback host "+
			"(a local sandbox such as http://127.0.0.1:8080), since the credentials travel in every request; use https, such as %s",
			key, u.Redacted(), example))
	}
	return &url.URL{Scheme: u.Scheme, Host: strings.ToLower(u.Host), Path: strings.TrimSuffix(u.Path, "/")}, nil
}

// redacted is raw for a message: without its password when it parsed.
func redacted(raw string, u *url.URL, err error) string {
	if err != nil || u == nil {
		return raw
	}
	return u.Redacted()
}

// isLoopbackHost reports whether host (a URL's Hostname) is this machine:
// localhost or a loopback address.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
