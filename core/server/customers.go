package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/cxhub/cxhub/core/identity"
)

// The customer 360 over the API: search, one customer's profile and
// timeline, and why its records were joined. A query names a customer by
// id (cx-42), email, phone or connection/stream/key.

func (s *Server) searchCustomers(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		writeError(w, http.StatusBadRequest, "q: expected the text to search for (an email, a phone, a name...)")
		return
	}
	limit, err := searchLimit(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	out, err := s.hub.CustomerSearch(r.Context(), q, limit)
	if err != nil {
		s.customerFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// The customer search's limit: the default when none is given, and the
// most one search returns whatever the limit asked.
const (
	defaultSearchLimit = 20
	maxSearchLimit     = 200
)

// searchLimit reads the search's limit parameter: defaultSearchLimit when
// absent, a positive number otherwise (at most maxSearchLimit).
func searchLimit(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return defaultSearchLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("limit: expected a positive number (at most %d), got %q", maxSearchLimit, v)
	}
	return min(n, maxSearchLimit), nil
}

func (s *Server) getCustomer(w http.ResponseWriter, r *http.Request) {
	p, err := s.hub.Customer(r.Context(), r.PathValue("query"))
	if err != nil {
		s.customerFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) explainCustomer(w http.ResponseWriter, r *http.Request) {
	e, err := s.hub.CustomerExplain(r.Context(), r.PathValue("query"))
	if err != nil {
		s.customerFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

// customerFail answers 404 for a customer (or an index) that is not there.
func (s *Server) customerFail(w http.ResponseWriter, err error) {
	if errors.Is(err, identity.ErrNotFound) {
		writeError(w, http.StatusNotFound, s.hub.Redact(err.Error()))
		return
	}
	s.fail(w, err)
}

// CustomerExplain answers the dashboard's explain view (dashboard.Customers).
func (b dashboardCustomers) CustomerExplain(ctx context.Context, query string) (identity.Explanation, error) {
	return b.s.hub.CustomerExplain(ctx, query)
}
