package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// apiError is HubSpot's error body, for a whole request or, inside a
// batch answer, for some of its inputs.
type apiError struct {
	Status        string              `json:"status"`
	Message       string              `json:"message"`
	CorrelationID string              `json:"correlationId,omitempty"`
	Category      string              `json:"category,omitempty"`
	SubCategory   string              `json:"subCategory,omitempty"`
	Context       map[string][]string `json:"context,omitempty"`
	ErrorType     string              `json:"errorType,omitempty"`
	PolicyName    string              `json:"policyName,omitempty"`
	GroupName     string              `json:"groupName,omitempty"`
}

// The categories of HubSpot errors the sandbox answers.
const (
	catValidation = "VALIDATION_ERROR"
	catNotFound   = "OBJECT_NOT_FOUND"
	catConflict   = "CONFLICT"
	catAuth       = "INVALID_AUTHENTICATION"
	catRateLimit  = "RATE_LIMITS"
)

// correlationID returns a new uuid-shaped id for an error.
func (s *Sandbox) correlationID() string {
	n := s.errors.Add(1)
	return fmt.Sprintf("%08x-5a4d-4b0c-9d1e-%012x", uint32(s.opts.Seed), n)
}

// fail answers a request with HubSpot's error body.
func (s *Sandbox) fail(w http.ResponseWriter, status int, category, format string, args ...any) {
	kit.WriteJSON(w, status, apiError{Status: "error", Message: fmt.Sprintf(format, args...),
		CorrelationID: s.correlationID(), Category: category})
}

// batchError is one error of a batch answer about some of its inputs,
// named in context (ids, or the objectWriteTraceId the client gave).
func batchError(category, message string, context map[string][]string) apiError {
	return apiError{Status: "error", Category: category, Message: message, Context: context}
}

// propertyProblem is one entry of the list HubSpot puts in the message of
// a VALIDATION_ERROR about property values.
type propertyProblem struct {
	IsValid   bool   `json:"isValid"`
	Message   string `json:"message"`
	Error     string `json:"error"`
	Name      string `json:"name"`
	Localized string `json:"localizedErrorMessage"`
}

// invalidProperties writes HubSpot's message for invalid property values:
// "Property values were not valid: [{...}]".
func invalidProperties(problems []propertyProblem) string {
	b, _ := json.Marshal(problems)
	return "Property values were not valid: " + string(b)
}

func problem(name, code, format string, args ...any) propertyProblem {
	msg := fmt.Sprintf(format, args...)
	return propertyProblem{Message: msg, Error: code, Name: name, Localized: msg}
}

// respondFault writes the answer to an injected fault, as HubSpot would
// answer that status.
func (s *Sandbox) respondFault(w http.ResponseWriter, r *http.Request, status int) {
	switch status {
	case http.StatusTooManyRequests:
		if isSearch(r) {
			s.searchLimited(w)
			return
		}
		s.setRateHeaders(w, bearer(r), 0)
		s.rateLimited(w)
	case http.StatusUnauthorized:
		s.unauthorized(w)
	default:
		s.setRateHeaders(w, bearer(r), -1)
		kit.WriteJSON(w, status, apiError{Status: "error", Category: "INTERNAL_ERROR",
			Message:       fmt.Sprintf("%d %s: an error occurred, please try again", status, strings.ToLower(http.StatusText(status))),
			CorrelationID: s.correlationID()})
	}
}

func (s *Sandbox) unauthorized(w http.ResponseWriter) {
	s.fail(w, http.StatusUnauthorized, catAuth, "Authentication credentials not found. This API supports OAuth 2.0 "+
		"authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview")
}

func (s *Sandbox) rateLimited(w http.ResponseWriter) {
	kit.WriteJSON(w, http.StatusTooManyRequests, apiError{Status: "error",
		Message: "You have reached your ten_secondly_rolling limit.", ErrorType: "RATE_LIMIT",
		CorrelationID: s.correlationID(), PolicyName: "TEN_SECONDLY_ROLLING", GroupName: "publicapi:private-app:sandbox"})
}

func (s *Sandbox) searchLimited(w http.ResponseWriter) {
	kit.WriteJSON(w, http.StatusTooManyRequests, apiError{Status: "error",
		Message: "You have reached your secondly limit.", ErrorType: "RATE_LIMIT",
		CorrelationID: s.correlationID(), PolicyName: "SECONDLY", GroupName: "publicapi:private-app:search:sandbox"})
}

func (s *Sandbox) dailyLimited(w http.ResponseWriter) {
	kit.WriteJSON(w, http.StatusTooManyRequests, apiError{Status: "error",
		Message: "You have reached your daily limit.", ErrorType: "RATE_LIMIT",
		CorrelationID: s.correlationID(), PolicyName: "DAILY", GroupName: "publicapi:private-app:sandbox"})
}
