package host

import (
	"os"

	"github.com/cxhub/cxhub/sdk"
)

// MinimalEnv returns the few host variables a plugin needs to run (PATH,
// HOME, TMPDIR, locale, time zone, TLS and proxy settings, the Go
// collector's GOGC and GOMEMLIMIT) and the log level (sdk.LogLevelEnv).
func MinimalEnv() []string {
	keep := []string{"PATH", "HOME", "TMPDIR", "TZ", "LANG", "LC_ALL", "SSL_CERT_FILE", "SSL_CERT_DIR",
		"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy", "GOGC", "GOMEMLIMIT", sdk.LogLevelEnv}
	var env []string
	for _, k := range keep {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}
