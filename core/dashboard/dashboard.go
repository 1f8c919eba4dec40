package dashboard

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Roles, as in the config's server.tokens.
const (
	roleOperator = "operator"
)

// Dashboard serves the pages. Mount it at GET / and /ui/ (GET and POST).
type Dashboard struct {
	backend  Backend
	log      *slog.Logger
	sessions *sessions
	pages    map[string]*template.Template
	mux      *http.ServeMux
}

// New returns the dashboard over b; log receives failures (nil: discarded).
func New(b Backend, log *slog.Logger) (*Dashboard, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, fmt.Errorf("dashboard: parse templates: %w", err)
	}
	d := &Dashboard{backend: b, log: log, sessions: newSessions(), pages: pages, mux: http.NewServeMux()}
	static, _ := fs.Sub(staticFS, "static")
	staticFiles := http.StripPrefix("/ui/static/", http.FileServerFS(static))

	d.mux.HandleFunc("GET /{$}", d.page(d.overview))
	d.mux.HandleFunc("GET /ui/login", d.loginForm)
	d.mux.HandleFunc("POST /ui/login", d.login)
	d.mux.HandleFunc("POST /ui/logout", d.action(false, d.logout))
	d.mux.Handle("GET /ui/static/", staticFiles)
	d.mux.HandleFunc("GET /ui/pipelines/{name}", d.page(d.pipeline))
	d.mux.HandleFunc("POST /ui/pipelines/{name}/{action}", d.action(true, d.pipelineAction))
	d.mux.HandleFunc("GET /ui/dead-letters", d.page(d.deadLetters))
	d.mux.HandleFunc("POST /ui/dead-letters/{action}", d.action(true, d.deadLetterAction))
	d.mux.HandleFunc("GET /ui/alerts", d.page(d.alerts))
	if _, ok := b.(Customers); ok {
		d.mux.HandleFunc("GET /ui/customers/{$}", d.page(d.customers))
		d.mux.HandleFunc("GET /ui/customers/{query}", d.page(d.customer))
		d.mux.HandleFunc("GET /ui/customers/{query}/explain", d.page(d.customerExplain))
	}
	d.mux.HandleFunc("/ui/", func(w http.ResponseWriter, r *http.Request) {
		d.errorPage(w, r, nil, http.StatusNotFound, "No such page: "+r.URL.Path)
	})
	return d, nil
}

// ServeHTTP serves / and /ui/...
func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// Every asset is our own: nothing from elsewhere, no inline script or style.
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	d.mux.ServeHTTP(w, r)
}

// viewer is the signed-in user of a request.
type viewer struct {
	Name, Role string
	session    *session
}

// CanAct reports whether the viewer may act (an operator).
func (v *viewer) CanAct() bool { return v != nil && v.Role == roleOperator }

// CSRF is the session's CSRF token, for forms.
func (v *viewer) CSRF() string { return v.session.csrf }

// current returns the request's signed-in viewer: a live session whose
// token the server still knows.
func (d *Dashboard) current(r *http.Request) (*viewer, bool) {
	s, ok := d.sessions.get(r)
	if !ok {
		return nil, false
	}
	name, role, ok := d.backend.Authenticate(s.token)
	if !ok {
		d.sessions.end(s.id)
		return nil, false
	}
	return &viewer{Name: name, Role: role, session: s}, true
}

// toLogin sends the browser to sign in, then back to where it was.
func toLogin(w http.ResponseWriter, r *http.Request) {
	next := r.URL.RequestURI()
	http.Redirect(w, r, "/ui/login?next="+url.QueryEscape(next), http.StatusSeeOther)
}

// page wraps a page handler: signed in, or sent to sign in.
func (d *Dashboard) page(h func(http.ResponseWriter, *http.Request, *viewer)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, ok := d.current(r)
		if !ok {
			toLogin(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h(w, r, v)
	}
}

// signedIn wraps a handler from elsewhere (the customers seam).
func (d *Dashboard) signedIn(h http.Handler) http.Handler {
	return d.page(func(w http.ResponseWriter, r *http.Request, _ *viewer) { h.ServeHTTP(w, r) })
}

// action wraps a POST: signed in, the session's CSRF token, and, when
// operatorOnly, an operator's session; otherwise 401, 403.
func (d *Dashboard) action(operatorOnly bool, h func(http.ResponseWriter, *http.Request, *viewer)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		v, ok := d.current(r)
		if !ok {
			d.errorPage(w, r, nil, http.StatusUnauthorized, "Your session has ended: sign in again.")
			return
		}
		if !v.session.validCSRF(r) {
			d.errorPage(w, r, v, http.StatusForbidden, "This form is stale or did not come from this dashboard (CSRF check failed): reload the page and try again.")
			return
		}
		if operatorOnly && !v.CanAct() {
			d.errorPage(w, r, v, http.StatusForbidden, fmt.Sprintf("Token %q has the %s role: only an operator token may do this.", v.Name, v.Role))
			return
		}
		if operatorOnly {
			d.log.Warn("dashboard action", "token", v.Name, "path", r.URL.Path)
		}
		h(w, r, v)
	}
}

// done ends an action: its outcome is shown on the page it returns to.
func (d *Dashboard) done(w http.ResponseWriter, r *http.Request, v *viewer, to string, f flash) {
	d.sessions.setFlash(v.session.id, f)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// backendStatus is the HTTP status for a Backend error.
func backendStatus(err error) int {
	switch {
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrConflict):
		return http.StatusConflict
	default:
		return http.StatusInternalServerError
	}
}

// fail answers a Backend failure with an error page.
func (d *Dashboard) fail(w http.ResponseWriter, r *http.Request, v *viewer, err error) {
	status := backendStatus(err)
	if status == http.StatusInternalServerError {
		d.log.Error("dashboard request failed", "path", r.URL.Path, "error", err)
	}
	d.errorPage(w, r, v, status, err.Error())
}

// safeNext is a local path to go back to after signing in, or "/".
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}
