package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// maxManyUsers is the most users one create_or_update_many accepts.
const maxManyUsers = 100

// userInput is one user of create_or_update(_many). Absent fields are left
// as they are on an update.
type userInput struct {
	Email      *string   `json:"email"`
	Name       *string   `json:"name"`
	ExternalID *string   `json:"external_id"`
	Phone      *string   `json:"phone"`
	Role       *string   `json:"role"`
	TimeZone   *string   `json:"time_zone"`
	Locale     *string   `json:"locale"`
	Notes      *string   `json:"notes"`
	Tags       *[]string `json:"tags"`
}

// upsertOutcome is what an upsert did to one user.
type upsertOutcome struct {
	user     *User
	created  bool
	code     string // Zendesk's error code when it failed
	details  string
	notFound bool // an update by id of a user that does not exist
}

func (s *Sandbox) serveCreateOrUpdateUser(w http.ResponseWriter, r *http.Request) {
	in, ok := decodeUserBody(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.upsertUserLocked(*in, s.nowLocked())
	if out.code != "" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"error": "RecordInvalid", "description": "Record validation errors",
			"details": map[string]any{"base": []map[string]string{{"description": out.details, "error": out.code}}},
		})
		return
	}
	status := http.StatusOK
	if out.created {
		status = http.StatusCreated
	}
	writeJSON(w, status, map[string]any{"user": out.user.render(baseURL(r))})
}

// upsertUserLocked creates or updates the user matching in's external_id,
// else its email; the caller holds s.mu.
func (s *Sandbox) upsertUserLocked(in userInput, now time.Time) upsertOutcome {
	now = now.Truncate(time.Second)
	if out, bad := validateUser(in); bad {
		return out
	}
	var u *User
	if id, ok := s.byExternal[deref(in.ExternalID)]; ok && deref(in.ExternalID) != "" {
		u = s.users[id]
	}
	if u == nil && deref(in.Email) != "" {
		u = s.userByEmailLocked(*in.Email)
	}
	if u == nil {
		if strings.TrimSpace(deref(in.Name)) == "" {
			return upsertOutcome{code: "UserCreateError", details: "Name: is too short (minimum one character)"}
		}
		u = &User{ID: s.nextUserID, Role: "end-user", TimeZone: "London", Locale: "en-US", CreatedAt: now, UpdatedAt: now, PersonIndex: -1}
		if in.Email != nil {
			in.Email = ptr(normalEmail(*in.Email))
		}
		applyUser(u, in)
		s.nextUserID++
		s.putUser(u)
		return upsertOutcome{user: u, created: true}
	}
	return s.changeUserLocked(u, in, now)
}

// updateUserLocked updates the user with the given id, as update_many and
// PUT /users/{id} do: it never creates one. The caller holds s.mu.
func (s *Sandbox) updateUserLocked(id int64, in userInput, now time.Time) upsertOutcome {
	u, ok := s.users[id]
	if !ok {
		return upsertOutcome{code: "RecordNotFound", details: fmt.Sprintf("User %d not found", id), notFound: true}
	}
	if out, bad := validateUser(in); bad {
		return out
	}
	return s.changeUserLocked(u, in, now.Truncate(time.Second))
}

// validateUser checks in's email and role, as Zendesk does before a write.
func validateUser(in userInput) (upsertOutcome, bool) {
	if in.Email != nil && strings.TrimSpace(*in.Email) != "" {
		e := strings.TrimSpace(*in.Email)
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e {
			return upsertOutcome{code: "UserUpdateError", details: fmt.Sprintf("Email: %s is not properly formatted", e)}, true
		}
	}
	if in.Role != nil && !slices.Contains([]string{"end-user", "agent", "admin"}, *in.Role) {
		return upsertOutcome{code: "UserUpdateError", details: fmt.Sprintf("Role: %s is not a valid role", *in.Role)}, true
	}
	return upsertOutcome{}, false
}

// changeUserLocked applies in to the existing user u, refusing an email
// another user has. The caller holds s.mu.
func (s *Sandbox) changeUserLocked(u *User, in userInput, now time.Time) upsertOutcome {
	if e := deref(in.Email); e != "" && normalEmail(e) != normalEmail(u.Email) {
		if other := s.userByEmailLocked(e); other != nil && other.ID != u.ID {
			return upsertOutcome{code: "UserUpdateError", details: fmt.Sprintf("Email: %s is already being used by another user", strings.TrimSpace(e))}
		}
		in.Email = ptr(normalEmail(e))
	} else {
		in.Email = nil // the same address: keep the stored spelling
	}
	if x := deref(in.ExternalID); x != "" && x != u.ExternalID {
		if id, ok := s.byExternal[x]; ok && id != u.ID {
			return upsertOutcome{code: "UserUpdateError", details: fmt.Sprintf("External: %s has already been taken", x)}
		}
	}
	before := u.clone()
	s.unindexUser(u)
	applyUser(u, in)
	s.indexUser(u)
	if !userEqual(before, *u) {
		u.UpdatedAt = now
	}
	return upsertOutcome{user: u}
}

func ptr[T any](v T) *T { return &v }

// applyUser sets the fields present in in.
func applyUser(u *User, in userInput) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&u.Email, in.Email)
	if in.Name != nil && strings.TrimSpace(*in.Name) != "" {
		u.Name = *in.Name
	}
	set(&u.ExternalID, in.ExternalID)
	set(&u.Phone, in.Phone)
	set(&u.Role, in.Role)
	set(&u.TimeZone, in.TimeZone)
	set(&u.Locale, in.Locale)
	set(&u.Notes, in.Notes)
	if in.Tags != nil {
		u.Tags = append([]string(nil), (*in.Tags)...)
	}
}

func userEqual(a, b User) bool {
	return a.Email == b.Email && a.Name == b.Name && a.ExternalID == b.ExternalID && a.Phone == b.Phone &&
		a.Role == b.Role && a.TimeZone == b.TimeZone && a.Locale == b.Locale && a.Notes == b.Notes &&
		slices.Equal(a.Tags, b.Tags)
}

func (s *Sandbox) serveCreateOrUpdateMany(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Users []json.RawMessage `json:"users"`
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil || json.Unmarshal(raw, &req) != nil || len(req.Users) == 0 {
		writeError(w, http.StatusBadRequest, "InvalidValue", "Parameter users is required and must be a non-empty array")
		return
	}
	if len(req.Users) > maxManyUsers {
		writeError(w, http.StatusBadRequest, "TooManyValues", fmt.Sprintf("You can only pass up to %d users at a time", maxManyUsers))
		return
	}
	s.queueJob(w, r, req.Users, false)
}

// queueJob queues a bulk job of users (updates by id, or upserts) and
// answers with its job_status, or 429 when the account has too many jobs.
func (s *Sandbox) queueJob(w http.ResponseWriter, r *http.Request, users []json.RawMessage, update bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runDueJobsLocked()
	if s.activeJobsLocked() >= MaxActiveJobs {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "TooManyJobs",
			fmt.Sprintf("The account has %d jobs queued or running, the most it may have; retry once one has finished", MaxActiveJobs))
		return
	}
	j := s.newJobLocked(users, s.nowLocked())
	j.update = update
	if s.failJobs > 0 {
		s.failJobs--
		j.failed = true
	}
	s.runDueJobsLocked() // a job without a duration runs at once
	writeJSON(w, http.StatusOK, map[string]any{"job_status": j.render(baseURL(r))})
}

// failedResult is a job result for the input at index i that failed. Like
// Zendesk, it carries the input's index as its id.
func failedResult(i int, code, details string) map[string]any {
	return map[string]any{"id": i, "index": i, "status": "Failed", "error": code, "details": details}
}

// decodeUserBody reads a {"user":{...}} body, answering 400 as Zendesk
// does when it is not one.
func decodeUserBody(w http.ResponseWriter, r *http.Request) (*userInput, bool) {
	var req struct {
		User *userInput `json:"user"`
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil || json.Unmarshal(raw, &req) != nil || req.User == nil {
		writeError(w, http.StatusBadRequest, "InvalidValue", "Parameter user is required")
		return nil, false
	}
	return req.User, true
}
