package httpx

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxSeconds bounds a wait read from a header: a year is surely a mistake
// already, and anything longer would overflow a time.Duration.
const maxSeconds = 365 * 24 * 60 * 60

// ParseRetryAfter reads a Retry-After header: whole or fractional seconds
// ("120", "2.0"), or an HTTP date, which is measured from now (a date in the
// past gives zero). It reports false when there is no usable header.
func ParseRetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if d, ok := parseSeconds(v); ok {
		return d, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// parseSeconds reads a non-negative decimal number of seconds.
func parseSeconds(v string) (time.Duration, bool) {
	f, ok := parseNumber(v)
	return seconds(f), ok
}

// parseNumber reads a non-negative decimal number: digits and a point only.
func parseNumber(v string) (float64, bool) {
	if v == "" || strings.Trim(v, "0123456789.") != "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	return f, err == nil
}

// seconds converts a number of seconds, capped at maxSeconds.
func seconds(f float64) time.Duration {
	return time.Duration(min(f, maxSeconds) * float64(time.Second))
}

// unixTimeFloor is the smallest reset value taken as a Unix time (2001).
const unixTimeFloor = 1_000_000_000

// parseReset reads a rate-limit reset header: seconds until the window
// resets. A value that can only be a Unix time (after 2001) is taken as the
// moment of the reset instead, as some vendors send.
func parseReset(v string, now time.Time) (time.Duration, bool) {
	f, ok := parseNumber(strings.TrimSpace(v))
	if !ok {
		return 0, false
	}
	if f >= unixTimeFloor {
		return max(time.Unix(int64(f), 0).Sub(now), 0), true
	}
	return seconds(f), true
}
