package sandbox

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

func (s *Sandbox) serveLists(w http.ResponseWriter, r *http.Request) {
	page, per, msg := paging(r, 1000)
	if msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	s.mu.Lock()
	all := make([]map[string]any, 0, len(s.lists))
	for _, l := range s.lists {
		all = append(all, map[string]any{"id": l.ID, "name": l.Name, "href": baseURL(r) + "/contact_lists/" + l.ID})
	}
	s.mu.Unlock()
	data, body := pageOf(r, "/contact_lists", all, page, per)
	body["data"] = data
	writeJSON(w, http.StatusOK, body)
}

// list returns the contact list with id; s.mu must be held.
func (s *Sandbox) list(id string) *ContactList {
	for _, l := range s.lists {
		if l.ID == id {
			return l
		}
	}
	return nil
}

func renderContact(r *http.Request, c Contact) map[string]any {
	fields := c.CustomFields
	if fields == nil {
		fields = map[string]string{}
	}
	return map[string]any{"id": c.ID, "email": c.Email, "first_name": c.FirstName, "last_name": c.LastName,
		"custom_fields": fields, "href": baseURL(r) + "/contacts/" + c.ID}
}

func (s *Sandbox) serveContacts(w http.ResponseWriter, r *http.Request) {
	page, per, msg := paging(r, 1000)
	if msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	s.mu.Lock()
	l := s.list(r.PathValue("id"))
	var all []map[string]any
	if l != nil {
		for _, c := range l.Contacts {
			all = append(all, renderContact(r, c))
		}
	}
	s.mu.Unlock()
	if l == nil {
		writeError(w, http.StatusNotFound, "There was an error retrieving the requested resource: contact list "+r.PathValue("id"))
		return
	}
	data, body := pageOf(r, "/contact_lists/"+l.ID+"/contacts", all, page, per)
	body["data"] = data
	writeJSON(w, http.StatusOK, body)
}

// bulkContact is one contact of a bulk request.
type bulkContact struct {
	Email        string            `json:"email"`
	FirstName    string            `json:"first_name"`
	LastName     string            `json:"last_name"`
	CustomFields map[string]string `json:"custom_fields"`
}

// invalidReason says why SurveyMonkey would refuse an email, or "".
func invalidReason(email string) string {
	e := strings.TrimSpace(email)
	local, domain, ok := strings.Cut(e, "@")
	switch {
	case e == "":
		return "Email is required."
	case !ok || local == "" || strings.ContainsAny(e, " ,;<>") || strings.Count(e, "@") != 1 ||
		!strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, "."):
		return "Invalid email address: " + email
	}
	return ""
}

// serveBulkContacts adds contacts to a list: a new email is created
// (succeeded), one the list holds already (in any case) is left as it is
// (existing), a malformed one is refused (invalids, with a reason).
func (s *Sandbox) serveBulkContacts(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Contacts []bulkContact `json:"contacts"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid JSON in the request body: "+err.Error())
		return
	}
	if len(req.Contacts) == 0 || len(req.Contacts) > 1000 {
		writeError(w, http.StatusBadRequest, "contacts: give 1 to 1000 contacts, got "+strconv.Itoa(len(req.Contacts)))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.list(r.PathValue("id"))
	if l == nil {
		writeError(w, http.StatusNotFound, "There was an error retrieving the requested resource: contact list "+r.PathValue("id"))
		return
	}
	succeeded, invalids, existing := []map[string]any{}, []map[string]any{}, []map[string]any{}
outer:
	for _, in := range req.Contacts {
		if reason := invalidReason(in.Email); reason != "" {
			invalids = append(invalids, map[string]any{"email": in.Email, "first_name": in.FirstName, "last_name": in.LastName, "reason": reason})
			continue
		}
		for _, c := range l.Contacts {
			if normEmail(c.Email) == normEmail(in.Email) {
				existing = append(existing, renderContact(r, c))
				continue outer
			}
		}
		c := Contact{ID: strconv.Itoa(s.nextID), Email: strings.TrimSpace(in.Email), FirstName: in.FirstName, LastName: in.LastName, CustomFields: in.CustomFields}
		s.nextID++
		l.Contacts = append(l.Contacts, c)
		succeeded = append(succeeded, renderContact(r, c))
	}
	writeJSON(w, http.StatusOK, map[string]any{"succeeded": succeeded, "invalids": invalids, "existing": existing})
}
