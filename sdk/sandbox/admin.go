package sandbox

import (
	"encoding/json"
	"net/http"
)

// DecodeAdmin reads an admin endpoint's JSON request body into v, refusing
// unknown fields; it answers 400 and returns false when it cannot.
func DecodeAdmin(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "decode request: " + err.Error()})
		return false
	}
	return true
}

// AdminFail answers an admin request that cannot be done with 400 and why.
func AdminFail(w http.ResponseWriter, err error) {
	WriteJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
}
