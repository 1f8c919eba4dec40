package server

import (
	"errors"
	"net/http"
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
	limit, err := intParam(r, "limit")
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	out, err := s.hub.CustomerSearch(r.Context(), q, max(limit, 20))
	if err != nil {
		s.customerFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
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
