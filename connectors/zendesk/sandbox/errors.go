package sandbox

import (
	"math"
	"net/http"
	"strconv"
	"time"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

func writeJSON(w http.ResponseWriter, status int, v any) { kit.WriteJSON(w, status, v) }

// writeError answers with Zendesk's error shape {"error":..,"description":..}.
func writeError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "description": description})
}

// writeInvalid answers 422 RecordInvalid with details for one field.
func writeInvalid(w http.ResponseWriter, field, description string) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"error":       "RecordInvalid",
		"description": "Record validation errors",
		"details":     map[string]any{field: []map[string]string{{"description": description, "error": "InvalidValue"}}},
	})
}

// writeTooMany answers 429 as Zendesk does: Retry-After in whole seconds and
// a plain-text body.
func writeTooMany(w http.ResponseWriter, after time.Duration) {
	secs := int(math.Ceil(after.Seconds()))
	if secs < 0 {
		secs = 0
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write([]byte("Too many requests"))
}

// respondFault writes the answer of a fault the kit injects.
func (s *Sandbox) respondFault(w http.ResponseWriter, _ *http.Request, status int) {
	switch {
	case status == http.StatusTooManyRequests:
		after := s.opts.FaultRetryAfter
		if after < 0 {
			after = 0
		}
		w.Header().Set("X-Rate-Limit", strconv.Itoa(s.opts.RateLimit))
		w.Header().Set("X-Rate-Limit-Remaining", "0")
		writeTooMany(w, after)
	case status == http.StatusUnauthorized:
		writeAuthError(w)
	case status == http.StatusForbidden:
		writeError(w, status, "Forbidden", "You do not have access to this page.")
	case status == http.StatusNotFound:
		writeError(w, status, "RecordNotFound", "Not found")
	case status >= 500:
		writeError(w, status, "ServiceUnavailable", "The service is temporarily unavailable. Please try again later.")
	default:
		writeError(w, status, "InvalidValue", http.StatusText(status))
	}
}
