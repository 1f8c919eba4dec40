package dashboard

import (
	"net/http"
	"strings"
)

type loginPage struct {
	Next  string
	Error string
}

func (d *Dashboard) loginForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := d.current(r); ok {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	d.render(w, r, nil, http.StatusOK, "login", "Sign in", "", loginPage{Next: safeNext(r.URL.Query().Get("next"))})
}

// login starts a session for a token the server knows. A sign-in form
// needs no CSRF token: without the secret token it does nothing, and
// with it the caller could call the API anyway.
func (d *Dashboard) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	token := strings.TrimSpace(r.PostFormValue("token"))
	next := safeNext(r.PostFormValue("next"))
	if _, _, ok := d.backend.Authenticate(token); token == "" || !ok {
		d.render(w, r, nil, http.StatusUnauthorized, "login", "Sign in", "", loginPage{Next: next,
			Error: "Unknown token. Use one of server.tokens in the config (a viewer token to look, an operator token to act)."})
		return
	}
	s := d.sessions.create(token)
	http.SetCookie(w, s.cookie(r))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (d *Dashboard) logout(w http.ResponseWriter, r *http.Request, v *viewer) {
	d.sessions.end(v.session.id)
	http.SetCookie(w, clearCookie(r))
	http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
}
