package sandbox

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// authorized reports whether the request carries the accepted credentials:
// Basic "{email}/token:{token}" or Bearer {token}.
func (s *Sandbox) authorized(r *http.Request) bool {
	if user, pass, ok := r.BasicAuth(); ok {
		email, isToken := strings.CutSuffix(user, "/token")
		return isToken && strings.EqualFold(email, s.opts.Email) && equal(pass, s.opts.Token)
	}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return equal(strings.TrimSpace(tok), s.opts.Token)
	}
	return false
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// writeAuthError answers 401 as Zendesk does.
func writeAuthError(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Basic realm="Web Password"`)
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Couldn't authenticate you"})
}
