package sdktest

import (
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

// WantBaseURLChecked fails t unless a connector checks a base URL in its
// config as [httpx.ParseBaseURL] does. parse decodes a config whose key
// (base_url) holds the URL given, the other settings valid, and returns
// the decoding's error; example is the URL the connector's errors suggest.
//
// It wants https URLs and plain http to a loopback host (a local sandbox)
// accepted, and these refused with a config error that names key and
// example: plain http to any other host (the credentials would travel in
// clear), a query, a fragment, user info (its password never quoted), no
// host.
//
// [httpx.ParseBaseURL]: https://pkg.go.dev/github.com/cxhub/cxhub/sdk/httpx#ParseBaseURL
func WantBaseURLChecked(t testing.TB, key, example string, parse func(baseURL string) error) {
	t.Helper()
	for _, ok := range []string{example, "https://proxy.example.com/api", "http://127.0.0.1:8080", "http://localhost:8080/", "http://[::1]:8080"} {
		if err := parse(ok); err != nil {
			t.Errorf("%s %s refused: %v", key, ok, err)
		}
	}
	for _, bad := range []string{
		"http://proxy.example.com", "http://10.1.2.3:8080", "http://localhost.example.com",
		"https://proxy.example.com?x=1", "https://proxy.example.com#x", "https://me:s3cret@proxy.example.com", "https://",
	} {
		err := parse(bad)
		switch {
		case err == nil:
			t.Errorf("%s %s accepted, want a config error", key, bad)
		case sdk.KindOf(err) != sdk.KindConfig:
			t.Errorf("%s %s: %v (kind %v), want a config error", key, bad, err, sdk.KindOf(err))
		case !strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), example):
			t.Errorf("%s %s: %q, want an error naming %s and an example (%s)", key, bad, err, key, example)
		case strings.Contains(err.Error(), "s3cret"):
			t.Errorf("%s %s: %q shows the password", key, bad, err)
		}
	}
}
