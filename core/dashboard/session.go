package dashboard

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"
)

// cookieName is the session cookie.
const cookieName = "cxhub_session"

// sessionTTL is how long a session lasts without use.
const sessionTTL = 12 * time.Hour

// session is one signed-in browser. It keeps the token so that every
// request checks it again: a token removed from the config ends its
// sessions at the next request.
type session struct {
	id      string
	token   string
	csrf    string
	expires time.Time
	flash   *flash // shown once on the next page
}

// flash is the outcome of an action, shown on the page it redirects to.
type flash struct {
	OK      bool
	Message string
}

// sessions are kept in memory: a restart of the server signs everyone out.
type sessions struct {
	mu  sync.Mutex
	now func() time.Time
	all map[string]*session
}

func newSessions() *sessions {
	return &sessions{now: time.Now, all: map[string]*session{}}
}

// randomID is 32 random bytes, URL-safe.
func randomID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// create starts a session for token and drops expired ones.
func (ss *sessions) create(token string) *session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	now := ss.now()
	for id, s := range ss.all {
		if now.After(s.expires) {
			delete(ss.all, id)
		}
	}
	s := &session{id: randomID(), token: token, csrf: randomID(), expires: now.Add(sessionTTL)}
	ss.all[s.id] = s
	return s
}

// get returns the request's live session and extends it.
func (ss *sessions) get(r *http.Request) (*session, bool) {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" {
		return nil, false
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok := ss.all[c.Value]
	if !ok {
		return nil, false
	}
	now := ss.now()
	if now.After(s.expires) {
		delete(ss.all, s.id)
		return nil, false
	}
	s.expires = now.Add(sessionTTL)
	cp := *s
	return &cp, true
}

// end forgets a session.
func (ss *sessions) end(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.all, id)
}

// setFlash keeps an action's outcome for the next page of the session.
func (ss *sessions) setFlash(id string, f flash) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if s, ok := ss.all[id]; ok {
		s.flash = &f
	}
}

// takeFlash returns and forgets the session's flash.
func (ss *sessions) takeFlash(id string) *flash {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok := ss.all[id]
	if !ok {
		return nil
	}
	f := s.flash
	s.flash = nil
	return f
}

// validCSRF reports whether the request carries the session's CSRF token,
// in the form field "csrf" or the X-CSRF-Token header.
func (s *session) validCSRF(r *http.Request) bool {
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf)) == 1
}

// cookie is the session cookie: HttpOnly, SameSite=Strict, Secure over TLS.
func (s *session) cookie(r *http.Request) *http.Cookie {
	return &http.Cookie{Name: cookieName, Value: s.id, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: int(sessionTTL.Seconds())}
}

// clearCookie removes the session cookie.
func clearCookie(r *http.Request) *http.Cookie {
	return &http.Cookie{Name: cookieName, Value: "", Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: -1}
}
