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

// Limits of a search request, as HubSpot sets them.
const (
	maxSearchLimit  = 200
	maxFilterGroups = 5
	maxGroupFilters = 6
	maxFilters      = 18
)

// searchRequest is the body of POST /crm/v3/objects/{type}/search.
type searchRequest struct {
	FilterGroups []struct {
		Filters []filter `json:"filters"`
	} `json:"filterGroups"`
	Sorts      []sortRule `json:"sorts"`
	Properties []string   `json:"properties"`
	Limit      flexString `json:"limit"`
	After      flexString `json:"after"`
	Query      string     `json:"query"`
}

// sortRule is one sort: {"propertyName":"x","direction":"DESCENDING"}, or
// the short form "x" / "-x".
type sortRule struct {
	Property   string
	Descending bool
}

// UnmarshalJSON reads either form of a sort.
func (s *sortRule) UnmarshalJSON(b []byte) error {
	var short string
	if json.Unmarshal(b, &short) == nil {
		s.Property, s.Descending = strings.TrimPrefix(short, "-"), strings.HasPrefix(short, "-")
		return nil
	}
	var long struct {
		PropertyName string `json:"propertyName"`
		Direction    string `json:"direction"`
	}
	if err := json.Unmarshal(b, &long); err != nil {
		return err
	}
	switch long.Direction {
	case "", "ASCENDING":
	case "DESCENDING":
		s.Descending = true
	default:
		return fmt.Errorf("sort direction %q: want ASCENDING or DESCENDING", long.Direction)
	}
	s.Property = long.PropertyName
	return nil
}

// serveSearch answers a search: the objects passing any filter group (all
// of its filters), sorted by each sort in turn and then, among equals, by
// descending id (HubSpot promises no order among equals: do not rely on
// one), paged by an offset that cannot reach SearchCap.
func (s *Sandbox) serveSearch(w http.ResponseWriter, r *http.Request) {
	var req searchRequest
	if !s.decode(w, r, &req) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.objectType(w, r)
	if !ok {
		return
	}
	limit, after, err := s.checkSearch(t, req)
	if err != nil {
		s.fail(w, http.StatusBadRequest, catValidation, "%s", err.Error())
		return
	}
	if after >= s.opts.SearchCap {
		s.fail(w, http.StatusBadRequest, catValidation, "Paging past %d results of a search is not allowed (after=%d): "+
			"narrow the search, for example by the last-modified date, and search again", s.opts.SearchCap, after)
		return
	}
	for i := range req.FilterGroups {
		for j := range req.FilterGroups[i].Filters {
			req.FilterGroups[i].Filters[j].prepare(t)
		}
	}
	matches := s.match(t, req, s.opts.Now())
	end := min(after+limit, len(matches), s.opts.SearchCap)
	page := struct {
		Total   int          `json:"total"`
		Results []objectJSON `json:"results"`
		Paging  *paging      `json:"paging,omitempty"`
	}{Total: len(matches), Results: []objectJSON{}}
	for i := after; i < end; i++ {
		page.Results = append(page.Results, render(t, matches[i], req.Properties))
	}
	if end < len(matches) {
		page.Paging = &paging{Next: &pageNext{After: strconv.Itoa(end)}}
	}
	kit.WriteJSON(w, http.StatusOK, page)
}

// checkSearch refuses what HubSpot refuses and returns the limit and offset.
func (s *Sandbox) checkSearch(t *objectType, req searchRequest) (limit, after int, err error) {
	limit, after = 10, 0
	if req.Limit != "" {
		if limit, err = strconv.Atoi(string(req.Limit)); err != nil || limit < 1 || limit > maxSearchLimit {
			return 0, 0, fmt.Errorf("limit %q: must be between 1 and %d", req.Limit, maxSearchLimit)
		}
	}
	if req.After != "" {
		if after, err = strconv.Atoi(string(req.After)); err != nil || after < 0 {
			return 0, 0, fmt.Errorf("after %q: must be a non-negative number", req.After)
		}
	}
	if len(req.FilterGroups) > maxFilterGroups {
		return 0, 0, fmt.Errorf("filterGroups: at most %d groups, got %d", maxFilterGroups, len(req.FilterGroups))
	}
	total := 0
	for _, g := range req.FilterGroups {
		if len(g.Filters) > maxGroupFilters {
			return 0, 0, fmt.Errorf("filterGroups: at most %d filters in a group, got %d", maxGroupFilters, len(g.Filters))
		}
		total += len(g.Filters)
		for _, f := range g.Filters {
			if err := f.check(t); err != nil {
				return 0, 0, err
			}
		}
	}
	if total > maxFilters {
		return 0, 0, fmt.Errorf("filterGroups: at most %d filters in all, got %d", maxFilters, total)
	}
	for _, so := range req.Sorts {
		if !t.has(so.Property) {
			return 0, 0, fmt.Errorf("sort by %q: there is no such property of %s", so.Property, t.name)
		}
	}
	return limit, after, nil
}

// match returns the objects passing the request's filters, in its order,
// leaving out those the search index does not show yet at now (see
// Options.IndexLag).
func (s *Sandbox) match(t *objectType, req searchRequest, now time.Time) []*crmObject {
	indexed := now.Add(-s.opts.IndexLag)
	var out []*crmObject
	for _, o := range s.st.all(t.name) {
		if s.opts.IndexLag > 0 && o.landed.After(indexed) {
			continue
		}
		if matchGroups(t, o, req) {
			out = append(out, o)
		}
	}
	if len(req.Sorts) == 0 {
		return out // id order
	}
	// Sort keys are computed once per object, not once per comparison.
	type keyed struct {
		o    *crmObject
		keys []sortKey
	}
	ks := make([]keyed, len(out))
	for i, o := range out {
		ks[i] = keyed{o: o, keys: make([]sortKey, len(req.Sorts))}
		for j, so := range req.Sorts {
			if so.Property == t.modified {
				ks[i].keys[j] = sortKey{num: float64(o.updated.UnixMilli()), isNum: true}
			} else {
				ks[i].keys[j] = keyOf(t.kindOf(so.Property), o.props[so.Property])
			}
		}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		for j, so := range req.Sorts {
			c := a.keys[j].compare(b.keys[j])
			if so.Descending {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return cmp3(b.o.id, a.o.id) // equals: descending id
	})
	for i := range ks {
		out[i] = ks[i].o
	}
	return out
}

func matchGroups(t *objectType, o *crmObject, req searchRequest) bool {
	if req.Query != "" && !matchQuery(o, req.Query) {
		return false
	}
	if len(req.FilterGroups) == 0 {
		return true
	}
	for _, g := range req.FilterGroups {
		all := true
		for _, f := range g.Filters {
			if !f.match(t, o) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// matchQuery is the free-text query: a word of the main text properties.
func matchQuery(o *crmObject, q string) bool {
	for _, p := range []string{"email", "firstname", "lastname", "name", "domain", "hs_note_body"} {
		if containsToken(o.props[p], q) {
			return true
		}
	}
	return false
}

// sortKey is a property value made ready to compare.
type sortKey struct {
	num   float64
	text  string
	isNum bool
}

func keyOf(k kind, v string) sortKey {
	switch k {
	case number:
		if x, err := strconv.ParseFloat(v, 64); err == nil {
			return sortKey{num: x, isNum: true}
		}
	case datetime:
		if at, ok := parseDate(v); ok {
			return sortKey{num: float64(at.UnixMilli()), isNum: true}
		}
	}
	return sortKey{text: strings.ToLower(v)}
}

// compare orders keys; missing values (text "") come first.
func (a sortKey) compare(b sortKey) int {
	switch {
	case a.isNum && b.isNum:
		return cmp3(a.num, b.num)
	case a.isNum != b.isNum:
		if a.isNum {
			return 1
		}
		return -1
	}
	return strings.Compare(a.text, b.text)
}
