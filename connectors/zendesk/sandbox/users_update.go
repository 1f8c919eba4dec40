package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// userUpdate is one user of update_many's batch form: the id of the user
// to update and the fields to change.
type userUpdate struct {
	ID *int64 `json:"id"`
	userInput
}

// serveUpdateMany answers PUT /api/v2/users/update_many, as Zendesk does:
// either ?ids=1,2,3 with {"user":{...}} (one change for all those users),
// or {"users":[{"id":1,...},{"id":2,...}]} (a change per user), up to 100
// users. It queues a job like create_or_update_many; each result is
// {"id":..,"action":"update","status":"Updated","success":true}, or, for a
// user it could not update (one that does not exist, a refused value),
// status "Failed", success false, with "error" and "details". It never
// creates a user.
func (s *Sandbox) serveUpdateMany(w http.ResponseWriter, r *http.Request) {
	var req struct {
		User  json.RawMessage   `json:"user"`
		Users []json.RawMessage `json:"users"`
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil || json.Unmarshal(raw, &req) != nil {
		writeError(w, http.StatusBadRequest, "InvalidValue", "The body must be a JSON object with user or users")
		return
	}
	updates := req.Users
	if ids := r.URL.Query().Get("ids"); ids != "" || req.Users == nil {
		if ids == "" || len(req.User) == 0 {
			writeError(w, http.StatusBadRequest, "InvalidValue", "Parameter ids with user, or users, is required")
			return
		}
		updates, err = sameUpdate(ids, req.User)
		if err != nil {
			writeError(w, http.StatusBadRequest, "InvalidValue", err.Error())
			return
		}
	}
	if len(updates) == 0 {
		writeError(w, http.StatusBadRequest, "InvalidValue", "Parameter users is required and must be a non-empty array")
		return
	}
	if len(updates) > maxManyUsers {
		writeError(w, http.StatusBadRequest, "TooManyValues", fmt.Sprintf("You can only pass up to %d users at a time", maxManyUsers))
		return
	}
	s.queueJob(w, r, updates, true)
}

// sameUpdate makes the batch form of ?ids= with one user object: that
// object with each id.
func sameUpdate(ids string, user json.RawMessage) ([]json.RawMessage, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(user, &fields); err != nil || fields == nil {
		return nil, fmt.Errorf("user must be a JSON object")
	}
	var out []json.RawMessage
	for one := range strings.SplitSeq(ids, ",") {
		id, err := strconv.ParseInt(strings.TrimSpace(one), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("ids: %q is not a user id", one)
		}
		fields["id"] = json.RawMessage(strconv.FormatInt(id, 10))
		b, err := json.Marshal(fields)
		if err != nil {
			return nil, fmt.Errorf("encode user %d: %w", id, err)
		}
		out = append(out, b)
	}
	return out, nil
}

// updateResult runs one update of an update_many job and gives its result.
// The caller holds s.mu.
func (s *Sandbox) updateResult(i int, one json.RawMessage, j *job) map[string]any {
	var in userUpdate
	if err := json.Unmarshal(one, &in); err != nil {
		return map[string]any{"index": i, "action": "update", "status": "Failed", "success": false,
			"error": "InvalidValue", "details": "the user is not a JSON object of the expected shape"}
	}
	if in.ID == nil {
		return map[string]any{"index": i, "action": "update", "status": "Failed", "success": false,
			"error": "InvalidValue", "details": "id is required to update a user"}
	}
	out := s.updateUserLocked(*in.ID, in.userInput, j.doneAt)
	if out.code != "" {
		return map[string]any{"id": *in.ID, "action": "update", "status": "Failed", "success": false,
			"error": out.code, "details": out.details}
	}
	return map[string]any{"id": out.user.ID, "action": "update", "status": "Updated", "success": true}
}

// serveUpdateUser answers PUT /api/v2/users/{id}: {"user":{...}} changes
// that user (404 if there is none), never creating one.
func (s *Sandbox) serveUpdateUser(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		writeError(w, http.StatusNotFound, "RecordNotFound", "Not found")
		return
	}
	in, ok := decodeUserBody(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.updateUserLocked(id, *in, s.nowLocked())
	switch {
	case out.notFound:
		writeError(w, http.StatusNotFound, "RecordNotFound", "Not found")
	case out.code != "":
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"error": "RecordInvalid", "description": "Record validation errors",
			"details": map[string]any{"base": []map[string]string{{"description": out.details, "error": out.code}}},
		})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"user": out.user.render(baseURL(r))})
	}
}
