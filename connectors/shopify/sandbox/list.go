package sandbox

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Limits of a list page.
const (
	defaultLimit = 50
	maxLimit     = 250
)

// pagingParams are the only parameters a request with page_info may carry.
var pagingParams = map[string]bool{"page_info": true, "limit": true, "fields": true}

// pageCursor is what a page_info holds: the first request's filters and
// where the page starts.
type pageCursor struct {
	Query  string `json:"q"`
	After  int64  `json:"a,omitempty"`
	Before int64  `json:"b,omitempty"`
}

func (c pageCursor) encode() string {
	b, _ := json.Marshal(c) // strings and ints: cannot fail
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (pageCursor, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	var c pageCursor
	if err != nil || json.Unmarshal(b, &c) != nil {
		return pageCursor{}, false
	}
	return c, true
}

// listRequest is a list request resolved: its filters (from the request,
// or from its page_info), the page's place, its limit and fields.
type listRequest struct {
	filters url.Values
	cursor  pageCursor
	limit   int
	fields  []string
}

// parseList reads a list request. It answers 400 and returns false for a
// page_info beside a filter, a bad page_info or a bad limit.
func parseList(w http.ResponseWriter, r *http.Request) (listRequest, bool) {
	q := r.URL.Query()
	lr := listRequest{limit: defaultLimit}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeErrors(w, http.StatusBadRequest, map[string]string{"limit": "Invalid value."})
			return lr, false
		}
		lr.limit = min(n, maxLimit)
	}
	if v := q.Get("fields"); v != "" {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				lr.fields = append(lr.fields, f)
			}
		}
	}
	if pi := q.Get("page_info"); pi != "" {
		for k := range q {
			if !pagingParams[k] {
				writeErrors(w, http.StatusBadRequest, map[string]string{k: k + " cannot be passed when page_info is present."})
				return lr, false
			}
		}
		c, ok := decodeCursor(pi)
		if !ok {
			writeErrors(w, http.StatusBadRequest, map[string]string{"page_info": "Invalid value."})
			return lr, false
		}
		f, err := url.ParseQuery(c.Query)
		if err != nil {
			writeErrors(w, http.StatusBadRequest, map[string]string{"page_info": "Invalid value."})
			return lr, false
		}
		lr.filters, lr.cursor = f, c
		return lr, true
	}
	lr.filters = url.Values{}
	for k, vs := range q {
		if !pagingParams[k] {
			lr.filters[k] = vs
		}
	}
	lr.cursor = pageCursor{Query: lr.filters.Encode()}
	return lr, true
}

// timeRange is the created_at and updated_at bounds of a list.
type timeRange struct {
	createdMin, createdMax, updatedMin, updatedMax time.Time
	sinceID                                        int64
	ids                                            map[int64]bool
}

// parseRange reads the filters every list takes; a bad value is answered
// 400.
func parseRange(w http.ResponseWriter, f url.Values) (timeRange, bool) {
	var tr timeRange
	for name, dst := range map[string]*time.Time{"created_at_min": &tr.createdMin, "created_at_max": &tr.createdMax,
		"updated_at_min": &tr.updatedMin, "updated_at_max": &tr.updatedMax} {
		if v := f.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				writeErrors(w, http.StatusBadRequest, map[string]string{name: "Invalid value: " + v})
				return tr, false
			}
			*dst = t
		}
	}
	if v := f.Get("since_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			writeErrors(w, http.StatusBadRequest, map[string]string{"since_id": "Invalid value."})
			return tr, false
		}
		tr.sinceID = n
	}
	if v := f.Get("ids"); v != "" {
		tr.ids = map[int64]bool{}
		for _, s := range strings.Split(v, ",") {
			if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
				tr.ids[n] = true
			}
		}
	}
	return tr, true
}

// match reports whether an object with id and times is in the range; both
// ends of each range are inclusive.
func (tr timeRange) match(id int64, created, updated time.Time) bool {
	switch {
	case tr.ids != nil && !tr.ids[id], id <= tr.sinceID,
		!tr.createdMin.IsZero() && created.Before(tr.createdMin), !tr.createdMax.IsZero() && created.After(tr.createdMax),
		!tr.updatedMin.IsZero() && updated.Before(tr.updatedMin), !tr.updatedMax.IsZero() && updated.After(tr.updatedMax):
		return false
	}
	return true
}

// page cuts the page of lr out of ids (every matching id, ascending) and
// sets the Link header: rel="next" when more follow, rel="previous" when
// some come before.
func page(w http.ResponseWriter, r *http.Request, lr listRequest, ids []int64) []int64 {
	start, end := 0, len(ids)
	switch {
	case lr.cursor.After != 0:
		start, _ = slices.BinarySearch(ids, lr.cursor.After+1)
		end = min(start+lr.limit, len(ids))
	case lr.cursor.Before != 0:
		end, _ = slices.BinarySearch(ids, lr.cursor.Before)
		start = max(end-lr.limit, 0)
	default:
		end = min(lr.limit, len(ids))
	}
	out := ids[start:end]
	var links []string
	link := func(c pageCursor, rel string) {
		q := "limit=" + strconv.Itoa(lr.limit)
		if len(lr.fields) > 0 {
			q += "&fields=" + url.QueryEscape(strings.Join(lr.fields, ","))
		}
		q += "&page_info=" + c.encode()
		links = append(links, fmt.Sprintf(`<http://%s%s?%s>; rel="%s"`, r.Host, r.URL.Path, q, rel))
	}
	if len(out) > 0 && start > 0 {
		link(pageCursor{Query: lr.cursor.Query, Before: out[0]}, "previous")
	}
	if len(out) > 0 && end < len(ids) {
		link(pageCursor{Query: lr.cursor.Query, After: out[len(out)-1]}, "next")
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	return out
}

// project keeps only fields of an object, if any are asked for.
func project(obj map[string]any, fields []string) map[string]any {
	if len(fields) == 0 {
		return obj
	}
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		if v, ok := obj[f]; ok {
			out[f] = v
		}
	}
	return out
}

func (s *Sandbox) serveListCustomers(w http.ResponseWriter, r *http.Request) {
	lr, ok := parseList(w, r)
	if !ok {
		return
	}
	tr, ok := parseRange(w, lr.filters)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []int64
	for id, c := range s.customers {
		if tr.match(id, c.CreatedAt, c.UpdatedAt) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	out := []any{}
	for _, id := range page(w, r, lr, ids) {
		out = append(out, project(s.customers[id].render(), lr.fields))
	}
	writeJSON(w, http.StatusOK, map[string]any{"customers": out})
}

// serveSearchCustomers answers customers/search.json?query=email:x (an
// exact email, whatever its case) or a word found in a name or an email.
// Customers changed within Options.SearchLag are not found yet.
func (s *Sandbox) serveSearchCustomers(w http.ResponseWriter, r *http.Request) {
	lr, ok := parseList(w, r)
	if !ok {
		return
	}
	query := strings.TrimSpace(lr.filters.Get("query"))
	field, value, exact := strings.Cut(query, ":")
	if exact && field != "email" {
		field, value, exact = "", query, false
	}
	value = strings.ToLower(strings.Trim(strings.TrimSpace(value), `"`))
	s.mu.Lock()
	defer s.mu.Unlock()
	visible := s.nowLocked().Add(-s.opts.SearchLag)
	var ids []int64
	for id, c := range s.customers {
		email := strings.ToLower(strings.TrimSpace(c.Email))
		hit := email == value
		if !exact {
			hit = strings.Contains(email, value) || strings.Contains(strings.ToLower(c.FirstName+" "+c.LastName), value)
		}
		if hit && value != "" && (s.opts.SearchLag == 0 || !c.UpdatedAt.After(visible)) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	out := []any{}
	for _, id := range page(w, r, lr, ids) {
		out = append(out, project(s.customers[id].render(), lr.fields))
	}
	writeJSON(w, http.StatusOK, map[string]any{"customers": out})
}

// orderStatusMatch applies the status filter: open by default.
func orderStatusMatch(o *Order, status string) bool {
	switch status {
	case "any":
		return true
	case "closed":
		return !o.ClosedAt.IsZero()
	case "cancelled":
		return !o.CancelledAt.IsZero()
	}
	return o.ClosedAt.IsZero() && o.CancelledAt.IsZero()
}

func (s *Sandbox) serveListOrders(w http.ResponseWriter, r *http.Request) {
	lr, ok := parseList(w, r)
	if !ok {
		return
	}
	tr, ok := parseRange(w, lr.filters)
	if !ok {
		return
	}
	status := lr.filters.Get("status")
	if status != "" && !slices.Contains([]string{"open", "closed", "cancelled", "any"}, status) {
		writeErrors(w, http.StatusBadRequest, map[string]string{"status": "Invalid value."})
		return
	}
	financial, fulfillment := lr.filters.Get("financial_status"), lr.filters.Get("fulfillment_status")
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []int64
	for id, o := range s.orders {
		if tr.match(id, o.CreatedAt, o.UpdatedAt) && orderStatusMatch(o, status) &&
			(financial == "" || financial == "any" || financial == o.FinancialStatus) &&
			(fulfillment == "" || fulfillment == "any" || fulfillment == or(o.FulfillmentStatus, "unshipped")) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	out := []any{}
	for _, id := range page(w, r, lr, ids) {
		o := s.orders[id]
		out = append(out, project(o.render(s.customers[o.CustomerID]), lr.fields))
	}
	writeJSON(w, http.StatusOK, map[string]any{"orders": out})
}

func (s *Sandbox) serveShowOrder(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[id]
	if !ok || o == nil {
		writeErrors(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"order": project(o.render(s.customers[o.CustomerID]), fieldsOf(r))})
}

func (s *Sandbox) serveOrderFulfillments(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[id]
	if !ok || o == nil {
		writeErrors(w, http.StatusNotFound, "Not Found")
		return
	}
	out := []any{}
	for i, f := range o.Fulfillments {
		out = append(out, f.render(o, i+1))
	}
	writeJSON(w, http.StatusOK, map[string]any{"fulfillments": out})
}

func (s *Sandbox) serveShowCustomer(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.customers[id]
	if !ok || c == nil {
		writeErrors(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"customer": project(c.render(), fieldsOf(r))})
}

func fieldsOf(r *http.Request) []string {
	var out []string
	for _, f := range strings.Split(r.URL.Query().Get("fields"), ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
