package sandbox

import (
	"fmt"
	"time"
)

// Faults says which faults a sandbox injects, each as a fraction of
// requests (0 = never, 1 = always). The admin endpoint takes the same
// fields as JSON: PUT /_sandbox/faults {"error_rate":0.1,"latency":"200ms"}.
type Faults struct {
	// ErrorRate of requests are answered with ErrorStatus (default 503)
	// before the handler runs.
	ErrorRate   float64 `json:"error_rate,omitempty"`
	ErrorStatus int     `json:"error_status,omitempty"`
	// RateLimitRate of requests are answered 429 with the vendor's body
	// and headers; RateLimitStorm answers the next that many requests 429
	// (a storm), then counts down to zero.
	RateLimitRate  float64 `json:"rate_limit_rate,omitempty"`
	RateLimitStorm int     `json:"rate_limit_storm,omitempty"`
	// Latency is added to LatencyRate of requests (every request if
	// LatencyRate is zero and Latency is set).
	Latency     Duration `json:"latency,omitempty"`
	LatencyRate float64  `json:"latency_rate,omitempty"`
	// DropRate of connections are closed without an answer, before the
	// handler runs: nothing happened.
	DropRate float64 `json:"drop_rate,omitempty"`
	// DropAfterRate of connections are closed without an answer after the
	// handler ran: the change was made but the client never heard of it.
	DropAfterRate float64 `json:"drop_after_rate,omitempty"`
	// TruncateRate of answers are cut in half: the status and the full
	// Content-Length are sent, then the connection closes mid-body.
	TruncateRate float64 `json:"truncate_rate,omitempty"`
}

// validate reports a rate outside [0, 1] or a status that is not an error.
func (f Faults) validate() error {
	rates := map[string]float64{
		"error_rate": f.ErrorRate, "rate_limit_rate": f.RateLimitRate, "latency_rate": f.LatencyRate,
		"drop_rate": f.DropRate, "drop_after_rate": f.DropAfterRate, "truncate_rate": f.TruncateRate,
	}
	for name, r := range rates {
		if r < 0 || r > 1 {
			return fmt.Errorf("%s %v: want a fraction between 0 and 1", name, r)
		}
	}
	if f.ErrorStatus != 0 && (f.ErrorStatus < 400 || f.ErrorStatus > 599) {
		return fmt.Errorf("error_status %d: want a 4xx or 5xx status", f.ErrorStatus)
	}
	if f.RateLimitStorm < 0 || f.Latency < 0 {
		return fmt.Errorf("rate_limit_storm and latency cannot be negative")
	}
	return nil
}

// Duration is a time.Duration written as "250ms" in JSON.
type Duration time.Duration

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Duration(d).String() + `"`), nil
}

// UnmarshalJSON reads "250ms" or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	if len(b) > 1 && b[0] == '"' {
		v, err := time.ParseDuration(string(b[1 : len(b)-1]))
		if err != nil {
			return fmt.Errorf("duration %s: %w", b, err)
		}
		*d = Duration(v)
		return nil
	}
	var n int64
	if _, err := fmt.Sscan(string(b), &n); err != nil {
		return fmt.Errorf("duration %s: want a string like \"250ms\"", b)
	}
	*d = Duration(n)
	return nil
}
