package sandbox

import (
	"net/http"
	"strconv"
)

// errorIDs are SurveyMonkey's error ids by status.
var errorIDs = map[int]struct {
	id   string
	name string
}{
	400: {"1002", "Bad Request"},
	401: {"1011", "Authorization Error"},
	403: {"1014", "Permission Error"},
	404: {"1020", "Resource Not Found"},
	429: {"1040", "Rate limit reached"},
	500: {"1050", "Internal Server Error"},
	503: {"1051", "Service Unavailable"},
}

// writeError answers status with SurveyMonkey's error body.
func writeError(w http.ResponseWriter, status int, message string) {
	e, ok := errorIDs[status]
	if !ok {
		e = errorIDs[500]
		e.name = http.StatusText(status)
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"id": e.id, "name": e.name, "docs": "https://developer.surveymonkey.com/api/v3/#error-codes",
		"message": message, "http_status_code": status,
	}})
}

// writeTooMany answers 429 as SurveyMonkey does.
func writeTooMany(w http.ResponseWriter) {
	writeError(w, http.StatusTooManyRequests, "Too many requests were made, try again later.")
}

// respondFault writes the answer of a fault the kit injects.
func (s *Sandbox) respondFault(w http.ResponseWriter, _ *http.Request, status int) {
	if status == http.StatusTooManyRequests {
		h := w.Header()
		h.Set(MinuteLimitHeader, strconv.Itoa(s.opts.MinuteLimit))
		h.Set(MinuteRemainingHeader, "0")
		h.Set(MinuteResetHeader, "1")
		writeTooMany(w)
		return
	}
	msg := map[int]string{401: "The authorization token was not provided or is invalid."}[status]
	if msg == "" {
		msg = "Oh bananas! We couldn't process your request."
	}
	writeError(w, status, msg)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = jsonEncoder(w).Encode(v)
}
