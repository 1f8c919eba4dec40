package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// maxBatch is the most inputs one batch request takes.
const maxBatch = 100

// batchRequest is the body of the batch endpoints.
type batchRequest struct {
	Inputs     []batchInput `json:"inputs"`
	Properties []string     `json:"properties"` // batch read
	IDProperty string       `json:"idProperty"` // batch read
}

// batchInput is one input of a batch: an id to read or update, an id and
// idProperty to upsert, or properties and associations to create.
type batchInput struct {
	ID           json.RawMessage            `json:"id"`
	IDProperty   string                     `json:"idProperty"`
	Properties   map[string]json.RawMessage `json:"properties"`
	Associations []assocInput               `json:"associations"`
	TraceID      string                     `json:"objectWriteTraceId"`
}

// batchAnswer is the answer of the batch endpoints. Results come in
// reverse input order: HubSpot promises no order.
type batchAnswer struct {
	Status      string       `json:"status"`
	Results     []objectJSON `json:"results"`
	Errors      []apiError   `json:"errors,omitempty"`
	NumErrors   int          `json:"numErrors,omitempty"`
	RequestedAt string       `json:"requestedAt,omitempty"`
	StartedAt   string       `json:"startedAt"`
	CompletedAt string       `json:"completedAt"`
}

// batch decodes a batch request and checks its size; it answers 400
// itself. It needs no lock: object types never change.
func (s *Sandbox) batch(w http.ResponseWriter, r *http.Request) (*objectType, batchRequest, bool) {
	var req batchRequest
	if !s.decode(w, r, &req) {
		return nil, req, false
	}
	t, ok := s.objectType(w, r)
	if !ok {
		return nil, req, false
	}
	if n := len(req.Inputs); n < 1 || n > maxBatch {
		s.fail(w, http.StatusBadRequest, catValidation, "inputs: size must be between 1 and %d, got %d", maxBatch, n)
		return nil, req, false
	}
	return t, req, true
}

// answer writes a batch answer: status ok when nothing failed, 207 otherwise.
func (s *Sandbox) answer(w http.ResponseWriter, ok int, results []objectJSON, errs []apiError) {
	slices.Reverse(results)
	now := formatTime(s.opts.Now())
	a := batchAnswer{Status: "COMPLETE", Results: results, Errors: errs, NumErrors: len(errs), StartedAt: now, CompletedAt: now}
	if a.Results == nil {
		a.Results = []objectJSON{}
	}
	status := ok
	if len(errs) > 0 {
		status = http.StatusMultiStatus
	}
	kit.WriteJSON(w, status, a)
}

// inputContext names an input in an error: its id, and the trace id the client gave.
func inputContext(id string, in batchInput) map[string][]string {
	ctx := map[string][]string{}
	if id != "" {
		ctx["ids"] = []string{id}
	}
	if in.TraceID != "" {
		ctx["objectWriteTraceId"] = []string{in.TraceID}
	}
	return ctx
}

// notFound is HubSpot's error for the missing objects of a batch read or update.
func notFound(t *objectType, ids []string) apiError {
	return batchError(catNotFound, fmt.Sprintf("Could not get some %s objects, they may be deleted or not exist. "+
		"Check that ids are valid.", t.label), map[string][]string{"ids": ids})
}

// serveBatchRead answers POST /crm/v3/objects/{type}/batch/read.
func (s *Sandbox) serveBatchRead(w http.ResponseWriter, r *http.Request) {
	t, req, ok := s.batch(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	prop := orDefault(req.IDProperty, "hs_object_id")
	if !t.isUnique(prop) {
		s.fail(w, http.StatusBadRequest, catValidation, "idProperty %s is not a unique property of %s", prop, t.name)
		return
	}
	var results []objectJSON
	var missing []string
	for _, in := range req.Inputs {
		id := unquote(in.ID)
		if o, found := s.st.findUnique(t.name, prop, id); found {
			results = append(results, render(t, o, req.Properties))
		} else {
			missing = append(missing, id)
		}
	}
	var errs []apiError
	if len(missing) > 0 {
		errs = append(errs, notFound(t, missing))
	}
	s.answer(w, http.StatusOK, results, errs)
}

// serveBatchUpdate answers POST /crm/v3/objects/{type}/batch/update. As
// HubSpot, it refuses a batch naming one id twice, writing nothing: the
// inputs of a batch have no order to apply them in.
func (s *Sandbox) serveBatchUpdate(w http.ResponseWriter, r *http.Request) {
	t, req, ok := s.batch(w, r)
	if !ok {
		return
	}
	if dups := duplicateIDs(req.Inputs); len(dups) > 0 {
		s.fail(w, http.StatusBadRequest, catValidation, "Duplicate IDs found in batch input: %v. IDs must be unique", dups)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	at := s.st.stamp()
	var results []objectJSON
	var errs []apiError
	var missing []string
	for _, in := range req.Inputs {
		id := unquote(in.ID)
		o, found := s.st.get(t.name, id)
		if !found {
			missing = append(missing, id)
			continue
		}
		if e := s.update(t, o, in.Properties, at); e != nil {
			errs = append(errs, batchError(e.category, e.message, inputContext(id, in)))
			continue
		}
		j := render(t, o, keys(in.Properties))
		j.ObjectWriteTraceID = in.TraceID
		results = append(results, j)
	}
	if len(missing) > 0 {
		errs = append(errs, notFound(t, missing))
	}
	s.answer(w, http.StatusOK, results, errs)
}

// serveBatchCreate answers POST /crm/v3/objects/{type}/batch/create. As
// HubSpot, it answers 207 with the failed inputs (by objectWriteTraceId)
// only when every input has a trace id; otherwise one failure fails the
// whole batch with a 400 and nothing is created.
func (s *Sandbox) serveBatchCreate(w http.ResponseWriter, r *http.Request) {
	t, req, ok := s.batch(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	multi := true
	for _, in := range req.Inputs {
		multi = multi && in.TraceID != ""
	}
	// A dry run finds the failures, duplicates within the batch included,
	// before anything is created.
	failed := map[int]*writeErr{}
	seen := map[string]int{}
	for i, in := range req.Inputs {
		props, _, e := s.checkCreate(t, in.Properties, in.Associations)
		if e != nil {
			failed[i] = e
			continue
		}
		for _, p := range t.unique {
			if v := props[p]; v != "" {
				key := p + "\x00" + normalise(p, v)
				if j, dup := seen[key]; dup {
					failed[i] = &writeErr{http.StatusBadRequest, catValidation,
						fmt.Sprintf("Duplicate value %s of unique property %s in inputs %d and %d", v, p, j, i)}
				}
				seen[key] = i
			}
		}
	}
	if len(failed) > 0 && !multi {
		first := slices.Min(keys2(failed))
		s.failWith(w, failed[first])
		return
	}
	at := s.st.stamp()
	var results []objectJSON
	var errs []apiError
	for i, in := range req.Inputs {
		e := failed[i]
		var o *crmObject
		if e == nil {
			o, e = s.create(t, in.Properties, in.Associations, at)
		}
		if e != nil {
			errs = append(errs, batchError(e.category, e.message, inputContext("", in)))
			continue
		}
		j := render(t, o, keys(in.Properties))
		j.ObjectWriteTraceID = in.TraceID
		results = append(results, j)
	}
	s.answer(w, http.StatusCreated, results, errs)
}

func keys2[V any](m map[int]V) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// serveBatchUpsert answers POST /crm/v3/objects/{type}/batch/upsert: each
// input updates the object whose idProperty (a unique property: email for
// contacts) is id, or creates it. Failed inputs are named by their id.
func (s *Sandbox) serveBatchUpsert(w http.ResponseWriter, r *http.Request) {
	t, req, ok := s.batch(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, in := range req.Inputs {
		if in.IDProperty == "" || in.IDProperty == "hs_object_id" || !t.isUnique(in.IDProperty) {
			s.fail(w, http.StatusBadRequest, catValidation, "idProperty %q is not a unique property of %s (unique: %s)",
				in.IDProperty, t.name, strings.Join(t.unique, ", "))
			return
		}
	}
	if dups := duplicateIDs(req.Inputs); len(dups) > 0 {
		s.fail(w, http.StatusBadRequest, catValidation, "Duplicate IDs found in batch input: %v. IDs must be unique", dups)
		return
	}
	at := s.st.stamp()
	var results []objectJSON
	var errs []apiError
	for _, in := range req.Inputs {
		id := unquote(in.ID)
		o, created, e := s.upsert(t, in, id, at)
		if e != nil {
			errs = append(errs, batchError(e.category, e.message, inputContext(id, in)))
			continue
		}
		j := render(t, o, append(keys(in.Properties), in.IDProperty))
		j.New = &created
		j.ObjectWriteTraceID = in.TraceID
		results = append(results, j)
	}
	s.answer(w, http.StatusOK, results, errs)
}

// duplicateIDs returns the ids that more than one input names (by id, or
// by idProperty and id for upserts, compared as HubSpot compares values of
// that property), each once, in input order.
func duplicateIDs(inputs []batchInput) []string {
	var dups []string
	seen := map[string]int{}
	for _, in := range inputs {
		id := unquote(in.ID)
		key := in.IDProperty + "\x00" + normalise(in.IDProperty, id)
		if seen[key]++; seen[key] == 2 {
			dups = append(dups, id)
		}
	}
	return dups
}

// upsert writes one upsert input.
func (s *Sandbox) upsert(t *objectType, in batchInput, id string, at time.Time) (*crmObject, bool, *writeErr) {
	value, p := checkValue(t, in.IDProperty, id)
	if p != nil {
		return nil, false, invalid([]propertyProblem{*p})
	}
	if value == "" {
		return nil, false, invalid([]propertyProblem{problem(in.IDProperty, "INVALID_ID", "the id of an upsert cannot be empty")})
	}
	raw := map[string]json.RawMessage{}
	for k, v := range in.Properties {
		raw[k] = v
	}
	raw[in.IDProperty] = json.RawMessage(strconv.Quote(value))
	if o, found := s.st.findUnique(t.name, in.IDProperty, value); found {
		return o, false, s.update(t, o, raw, at)
	}
	o, e := s.create(t, raw, nil, at)
	return o, e == nil, e
}
