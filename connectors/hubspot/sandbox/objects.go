package sandbox

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// maxListLimit is the most objects one list page holds.
const maxListLimit = 100

// objectType returns the type named by the request's {type}, or answers 404.
func (s *Sandbox) objectType(w http.ResponseWriter, r *http.Request) (*objectType, bool) {
	t, err := s.st.typeOf(r.PathValue("type"))
	if err != nil {
		s.fail(w, http.StatusNotFound, catNotFound, "%s", err.Error())
		return nil, false
	}
	return t, true
}

// serveList answers GET /crm/v3/objects/{type}: objects in id order, paged
// by paging.next.after; with archived=true, only the archived objects
// (archived: true, with archivedAt), in id order too.
func (s *Sandbox) serveList(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.objectType(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	limit := 10
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxListLimit {
			s.fail(w, http.StatusBadRequest, catValidation, "limit %q: must be a number between 1 and %d", v, maxListLimit)
			return
		}
		limit = n
	}
	var after int64
	if v := q.Get("after"); v != "" {
		n, ok := decodeAfter(v)
		if !ok {
			s.fail(w, http.StatusBadRequest, catValidation, "after %q is not a valid paging cursor", v)
			return
		}
		after = n
	}
	props, assocs := listParam(q, "properties"), listParam(q, "associations")
	page := struct {
		Results []objectJSON `json:"results"`
		Paging  *paging      `json:"paging,omitempty"`
	}{Results: []objectJSON{}}
	// archived=true lists only the archived objects, as HubSpot does.
	objs := s.st.all(t.name)
	if q.Get("archived") == "true" {
		objs = s.st.archivedOf(t.name)
	}
	start, _ := slices.BinarySearchFunc(objs, after+1, func(o *crmObject, id int64) int { return cmp.Compare(o.id, id) })
	end := min(start+limit, len(objs))
	for _, o := range objs[start:end] {
		j := render(t, o, props)
		j.withAssociations(t, o, assocs)
		page.Results = append(page.Results, j)
	}
	if end < len(objs) {
		next := encodeAfter(objs[end-1].id)
		q.Set("after", next)
		page.Paging = &paging{Next: &pageNext{After: next, Link: "http://" + r.Host + r.URL.Path + "?" + q.Encode()}}
	}
	kit.WriteJSON(w, http.StatusOK, page)
}

// paging is the paging part of list and search answers.
type paging struct {
	Next *pageNext `json:"next,omitempty"`
}

type pageNext struct {
	After string `json:"after"`
	Link  string `json:"link,omitempty"`
}

// find returns the object named by the request's {id}, or by a unique
// property given as ?idProperty=, or answers 404.
func (s *Sandbox) find(w http.ResponseWriter, r *http.Request, t *objectType) (*crmObject, bool) {
	id, prop := r.PathValue("id"), r.URL.Query().Get("idProperty")
	var o *crmObject
	var ok bool
	if prop == "" || prop == "hs_object_id" {
		o, ok = s.st.get(t.name, id)
	} else if t.isUnique(prop) {
		o, ok = s.st.findUnique(t.name, prop, id)
	}
	if !ok {
		s.fail(w, http.StatusNotFound, catNotFound, "resource not found: no %s with %s %s",
			t.label, orDefault(prop, "id"), id)
	}
	return o, ok
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// serveGet answers GET /crm/v3/objects/{type}/{id}.
func (s *Sandbox) serveGet(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.objectType(w, r)
	if !ok {
		return
	}
	o, ok := s.find(w, r, t)
	if !ok {
		return
	}
	q := r.URL.Query()
	j := render(t, o, listParam(q, "properties"))
	j.withAssociations(t, o, listParam(q, "associations"))
	kit.WriteJSON(w, http.StatusOK, j)
}

// singleInput is the body of a single create or update.
type singleInput struct {
	Properties   map[string]json.RawMessage `json:"properties"`
	Associations []assocInput               `json:"associations"`
}

// serveCreate answers POST /crm/v3/objects/{type}: 201 with the new object.
func (s *Sandbox) serveCreate(w http.ResponseWriter, r *http.Request) {
	var in singleInput
	if !s.decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.objectType(w, r)
	if !ok {
		return
	}
	res, e := s.create(t, in.Properties, in.Associations, s.st.stamp())
	if e != nil {
		s.failWith(w, e)
		return
	}
	kit.WriteJSON(w, http.StatusCreated, render(t, res, keys(in.Properties)))
}

// serveUpdate answers PATCH /crm/v3/objects/{type}/{id}.
func (s *Sandbox) serveUpdate(w http.ResponseWriter, r *http.Request) {
	var in singleInput
	if !s.decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.objectType(w, r)
	if !ok {
		return
	}
	o, ok := s.find(w, r, t)
	if !ok {
		return
	}
	if e := s.update(t, o, in.Properties, s.st.stamp()); e != nil {
		s.failWith(w, e)
		return
	}
	kit.WriteJSON(w, http.StatusOK, render(t, o, keys(in.Properties)))
}

// serveArchive answers DELETE /crm/v3/objects/{type}/{id}: 204, the
// object archived (see Sandbox.Delete); 404 for an id no live object has.
func (s *Sandbox) serveArchive(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.objectType(w, r)
	if !ok {
		return
	}
	o, ok := s.find(w, r, t)
	if !ok {
		return
	}
	s.st.remove(t.name, o, true)
	w.WriteHeader(http.StatusNoContent)
}

// decode reads a JSON body into v, or answers 400.
func (s *Sandbox) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20)).Decode(v); err != nil {
		s.fail(w, http.StatusBadRequest, catValidation, "Invalid input JSON on line 1: %s", err.Error())
		return false
	}
	return true
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
