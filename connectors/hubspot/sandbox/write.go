package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// writeErr is why the write of one input failed: the status a single
// write answers, and the category and message of HubSpot's error.
type writeErr struct {
	status   int
	category string
	message  string
}

func (s *Sandbox) failWith(w http.ResponseWriter, e *writeErr) {
	s.fail(w, e.status, e.category, "%s", e.message)
}

func invalid(problems []propertyProblem) *writeErr {
	return &writeErr{http.StatusBadRequest, catValidation, invalidProperties(problems)}
}

// assocInput is an association given with a create.
type assocInput struct {
	To struct {
		ID json.RawMessage `json:"id"`
	} `json:"to"`
	Types []struct {
		Category string `json:"associationCategory"`
		TypeID   int    `json:"associationTypeId"`
	} `json:"types"`
}

// noteToContact is HubSpot's association type id from a note to a contact;
// contactToNote the reverse.
const (
	noteToContact = 202
	contactToNote = 201
)

// checkCreate validates a create and returns its properties and the
// contacts to associate.
func (s *Sandbox) checkCreate(t *objectType, raw map[string]json.RawMessage, assocs []assocInput) (map[string]string, []int64, *writeErr) {
	props, problems := parseProperties(t, raw)
	if t.name == "notes" && props["hs_timestamp"] == "" && !hasProblem(problems, "hs_timestamp") {
		problems = append(problems, problem("hs_timestamp", "REQUIRED_PROPERTY", "hs_timestamp is required to create a note"))
	}
	if len(problems) > 0 {
		return nil, nil, invalid(problems)
	}
	if msg, dup := s.st.conflict(t, props, nil); dup {
		return nil, nil, &writeErr{http.StatusConflict, catConflict, msg}
	}
	contacts, e := s.associationTargets(t, assocs)
	if e != nil {
		return nil, nil, e
	}
	return props, contacts, nil
}

// create makes a new object of t from a write's properties and associations.
func (s *Sandbox) create(t *objectType, raw map[string]json.RawMessage, assocs []assocInput, at time.Time) (*crmObject, *writeErr) {
	props, contacts, e := s.checkCreate(t, raw, assocs)
	if e != nil {
		return nil, e
	}
	o := s.st.insert(t.name, props, at, at)
	o.contacts = contacts
	return o, nil
}

func hasProblem(problems []propertyProblem, name string) bool {
	for _, p := range problems {
		if p.Name == name {
			return true
		}
	}
	return false
}

// update sets a write's properties on o; the last-modified date moves only
// when a value changed.
func (s *Sandbox) update(t *objectType, o *crmObject, raw map[string]json.RawMessage, at time.Time) *writeErr {
	props, problems := parseProperties(t, raw)
	if len(problems) > 0 {
		return invalid(problems)
	}
	if msg, dup := s.st.conflict(t, props, o); dup {
		return &writeErr{http.StatusConflict, catConflict, msg}
	}
	if s.st.apply(t.name, o, props) {
		s.st.setUpdated(t.name, o, at)
	}
	return nil
}

// associationTargets checks the associations of a create: the sandbox
// knows notes to contacts (type 202) only.
func (s *Sandbox) associationTargets(t *objectType, assocs []assocInput) ([]int64, *writeErr) {
	var ids []int64
	for _, a := range assocs {
		id := unquote(a.To.ID)
		if t.name != "notes" || len(a.Types) != 1 || a.Types[0].TypeID != noteToContact || a.Types[0].Category != "HUBSPOT_DEFINED" {
			return nil, &writeErr{http.StatusBadRequest, catValidation,
				fmt.Sprintf("association to %s is not valid here: the sandbox knows HUBSPOT_DEFINED type %d (note to contact) only", id, noteToContact)}
		}
		c, ok := s.st.get("contacts", id)
		if !ok {
			return nil, &writeErr{http.StatusBadRequest, catValidation,
				fmt.Sprintf("One or more associations are invalid: no CONTACT with id %s", id)}
		}
		ids = append(ids, c.id)
	}
	return ids, nil
}

// unquote returns a JSON string's value, or a number's text.
func unquote(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
