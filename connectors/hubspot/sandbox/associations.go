package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// assocEnds returns the object types of a v4 association path ({from} and
// {to}, by name or type id); only notes and contacts associate in the
// sandbox. It answers 400 itself.
func (s *Sandbox) assocEnds(w http.ResponseWriter, r *http.Request) (from, to *objectType, ok bool) {
	byName := func(v string) *objectType {
		for _, t := range s.st.types {
			if t.name == v || t.typeID == v {
				return t
			}
		}
		return nil
	}
	from, to = byName(r.PathValue("from")), byName(r.PathValue("to"))
	if from == nil || to == nil || !((from.name == "notes" && to.name == "contacts") || (from.name == "contacts" && to.name == "notes")) {
		s.fail(w, http.StatusBadRequest, catValidation, "associations from %s to %s: the sandbox knows notes and contacts only",
			r.PathValue("from"), r.PathValue("to"))
		return nil, nil, false
	}
	return from, to, true
}

// assocTypeID is the HUBSPOT_DEFINED type from one end to the other.
func assocTypeID(from *objectType) int {
	if from.name == "notes" {
		return noteToContact
	}
	return contactToNote
}

// linked returns the ids of the objects of the other end associated with o.
func (s *Sandbox) linked(from *objectType, o *crmObject) []int64 {
	if from.name == "notes" {
		return o.contacts
	}
	var out []int64
	for _, n := range s.st.all("notes") {
		if slices.Contains(n.contacts, o.id) {
			out = append(out, n.id)
		}
	}
	return out
}

type assocType struct {
	Category string  `json:"category"`
	TypeID   int     `json:"typeId"`
	Label    *string `json:"label"`
}

type assocTarget struct {
	ToObjectID       int64       `json:"toObjectId"`
	AssociationTypes []assocType `json:"associationTypes"`
}

type assocResult struct {
	From struct {
		ID string `json:"id"`
	} `json:"from"`
	To []assocTarget `json:"to"`
}

// serveAssocRead answers POST /crm/v4/associations/{from}/{to}/batch/read.
// An object without associations is reported among the errors.
func (s *Sandbox) serveAssocRead(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Inputs []struct {
			ID json.RawMessage `json:"id"`
		} `json:"inputs"`
	}
	if !s.decode(w, r, &req) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	from, to, ok := s.assocEnds(w, r)
	if !ok {
		return
	}
	if n := len(req.Inputs); n < 1 || n > 1000 {
		s.fail(w, http.StatusBadRequest, catValidation, "inputs: size must be between 1 and 1000, got %d", n)
		return
	}
	results := []assocResult{}
	var errs []apiError
	for _, in := range req.Inputs {
		id := unquote(in.ID)
		o, found := s.st.get(from.name, id)
		var ids []int64
		if found {
			ids = s.linked(from, o)
		}
		if len(ids) == 0 {
			errs = append(errs, apiError{Status: "error", Category: catNotFound, SubCategory: "crm.associations.NO_ASSOCIATIONS_FOUND",
				Message: fmt.Sprintf("No %s is associated with %s %s.", to.name, from.label, id),
				Context: map[string][]string{"fromObjectId": {id}, "toObjectType": {to.typeID}}})
			continue
		}
		res := assocResult{}
		res.From.ID = id
		for _, c := range ids {
			res.To = append(res.To, assocTarget{ToObjectID: c,
				AssociationTypes: []assocType{{Category: "HUBSPOT_DEFINED", TypeID: assocTypeID(from)}}})
		}
		results = append(results, res)
	}
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusMultiStatus
	}
	now := formatTime(s.opts.Now())
	kit.WriteJSON(w, status, map[string]any{"status": "COMPLETE", "results": results, "errors": errs,
		"numErrors": len(errs), "startedAt": now, "completedAt": now})
}

// serveAssocCreate answers POST /crm/v4/associations/{from}/{to}/batch/create.
// Creating an association that exists changes nothing.
func (s *Sandbox) serveAssocCreate(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Inputs []struct {
			From struct {
				ID json.RawMessage `json:"id"`
			} `json:"from"`
			To struct {
				ID json.RawMessage `json:"id"`
			} `json:"to"`
			Types []struct {
				Category string `json:"associationCategory"`
				TypeID   int    `json:"associationTypeId"`
			} `json:"types"`
		} `json:"inputs"`
	}
	if !s.decode(w, r, &req) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	from, to, ok := s.assocEnds(w, r)
	if !ok {
		return
	}
	if n := len(req.Inputs); n < 1 || n > maxBatch {
		s.fail(w, http.StatusBadRequest, catValidation, "inputs: size must be between 1 and %d, got %d", maxBatch, n)
		return
	}
	type created struct {
		FromTypeID string   `json:"fromObjectTypeId"`
		FromID     int64    `json:"fromObjectId"`
		ToTypeID   string   `json:"toObjectTypeId"`
		ToID       int64    `json:"toObjectId"`
		Labels     []string `json:"labels"`
	}
	results := []created{}
	var errs []apiError
	for _, in := range req.Inputs {
		fromID, toID := unquote(in.From.ID), unquote(in.To.ID)
		ctx := map[string][]string{"fromObjectId": {fromID}, "toObjectId": {toID}}
		if len(in.Types) != 1 || in.Types[0].Category != "HUBSPOT_DEFINED" || in.Types[0].TypeID != assocTypeID(from) {
			errs = append(errs, batchError(catValidation, fmt.Sprintf("association type from %s to %s must be HUBSPOT_DEFINED %d",
				from.name, to.name, assocTypeID(from)), ctx))
			continue
		}
		a, okA := s.st.get(from.name, fromID)
		b, okB := s.st.get(to.name, toID)
		if !okA || !okB {
			missing := fromID + " (" + from.label + ")"
			if okA {
				missing = toID + " (" + to.label + ")"
			}
			errs = append(errs, batchError(catNotFound, "No object with id "+missing+" exists", ctx))
			continue
		}
		note, contact := a, b
		if from.name == "contacts" {
			note, contact = b, a
		}
		if !slices.Contains(note.contacts, contact.id) {
			note.contacts = append(note.contacts, contact.id)
		}
		results = append(results, created{FromTypeID: from.typeID, FromID: a.id, ToTypeID: to.typeID, ToID: b.id, Labels: []string{}})
	}
	status := http.StatusCreated
	if len(errs) > 0 {
		status = http.StatusMultiStatus
	}
	now := formatTime(s.opts.Now())
	kit.WriteJSON(w, status, map[string]any{"status": "COMPLETE", "results": results, "errors": errs,
		"numErrors": len(errs), "startedAt": now, "completedAt": now})
}

// formatID writes an id as HubSpot's paths and bodies do.
func formatID(id int64) string { return strconv.FormatInt(id, 10) }
