// Package webhookfuzz helps the connectors' webhook fuzz targets turn
// fuzzed text into deliveries. Tests only.
package webhookfuzz

import (
	"net/http"
	"strings"
)

// HeaderLines turns fuzzed text into request headers: one "Name: value"
// per line, names kept as written (not canonicalised), repeats kept, so
// that a webhook fuzz target can try any header a sender could send.
func HeaderLines(text string) http.Header {
	h := http.Header{}
	for line := range strings.SplitSeq(text, "\n") {
		name, value, _ := strings.Cut(line, ":")
		h[name] = append(h[name], strings.TrimPrefix(value, " "))
	}
	return h
}
