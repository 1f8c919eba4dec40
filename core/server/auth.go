package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/cxhub/cxhub/core/config"
)

// caller is who made an API request.
type caller struct {
	name, role string
}

// authenticate finds the request's bearer token among the config's, in
// constant time (every token is compared, each in constant time), or
// writes 401 and returns false.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (caller, bool) {
	// The scheme is case-insensitive (RFC 9110, 11.1): "bearer" is Bearer.
	h := r.Header.Get("Authorization")
	scheme, raw, _ := strings.Cut(h, " ")
	raw = strings.TrimSpace(raw)
	if !strings.EqualFold(scheme, "Bearer") || raw == "" {
		unauthorized(w, "missing bearer token: send Authorization: Bearer <token> (a token from server.tokens)")
		return caller{}, false
	}
	got := sha256.Sum256([]byte(raw))
	var found caller
	for _, t := range s.config().Server.Tokens {
		want := sha256.Sum256([]byte(t.Token))
		if subtle.ConstantTimeCompare(got[:], want[:]) == 1 {
			found = caller{name: t.Name, role: t.Role}
		}
	}
	if found.role == "" {
		unauthorized(w, "unknown bearer token")
		return caller{}, false
	}
	return found, true
}

func unauthorized(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="cxhub"`)
	writeError(w, http.StatusUnauthorized, msg)
}

// viewer wraps a read-only API handler: any valid token may call it.
func (s *Server) viewer(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, ok := s.authenticate(w, r); !ok {
			return
		}
		h(w, r)
	}
}

// operator wraps an action: only an operator token may call it.
func (s *Server) operator(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, ok := s.authenticate(w, r)
		if !ok {
			return
		}
		if c.role != config.RoleOperator {
			writeError(w, http.StatusForbidden, fmt.Sprintf("token %q has the %s role: %s %s needs an operator token", c.name, c.role, r.Method, r.URL.Path))
			return
		}
		s.log.Warn("api action", "token", c.name, "method", r.Method, "path", r.URL.Path)
		h(w, r)
	}
}

// public wraps an endpoint that server.public may open to anyone;
// otherwise it needs a viewer token.
func (s *Server) public(name string, h http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !slices.Contains(s.config().Server.Public, name) {
			if _, ok := s.authenticate(w, r); !ok {
				return
			}
		}
		h.ServeHTTP(w, r)
	}
}
