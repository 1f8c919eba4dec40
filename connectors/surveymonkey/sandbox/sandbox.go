package sandbox

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// Sandbox is an in-memory SurveyMonkey account served over HTTP. It is
// safe for concurrent use.
type Sandbox struct {
	opts    Options
	kit     *kit.Kit
	limits  *limits
	handler http.Handler

	mu        sync.Mutex // guards everything below
	gen       *seeder
	surveys   []*Survey
	responses map[string][]*Response // by survey id, in creation order
	lists     []*ContactList
	nextID    int // of contacts and lists
}

// New builds a sandbox and seeds it.
func New(opts Options) (*Sandbox, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Sandbox{opts: o, limits: newLimits(o), gen: newSeeder(o.Seed), responses: map[string][]*Response{}, nextID: 900000001}
	now := o.Now()
	s.surveys = seedSurveys(now)
	for _, sv := range s.surveys {
		n := map[string]int{"nps": o.NPSResponses, "csat": o.CSATResponses, "": o.PlainResponses}[sv.Kind]
		s.responses[sv.ID] = s.gen.seedResponses(sv, n, now)
	}
	s.lists = []*ContactList{{ID: ContactListID, Name: DefaultContactList}}
	s.kit = kit.NewKit(s.respondFault, o.Seed)
	s.routeAdmin(s.kit.Admin())
	s.handler = s.kit.Wrap(s.authenticate(s.routes()))
	return s, nil
}

// Handler returns the API with the kit's counting, faults and admin
// endpoints (under /_sandbox/).
func (s *Sandbox) Handler() http.Handler { return s.handler }

// Kit returns the sandbox's fault injection and request counts.
func (s *Sandbox) Kit() *kit.Kit { return s.kit }

// Options returns the options in force, defaults applied.
func (s *Sandbox) Options() Options { return s.opts }

// Start serves the sandbox on addr, a loopback address ("127.0.0.1:0"
// picks a free port). Close the server when done.
func (s *Sandbox) Start(addr string) (*kit.Server, error) {
	srv, err := kit.Start(s.handler, addr)
	if err != nil {
		return nil, fmt.Errorf("start surveymonkey sandbox: %w", err)
	}
	return srv, nil
}

func (s *Sandbox) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v3/users/me", s.serveMe)
	mux.HandleFunc("GET /v3/surveys", s.serveSurveys)
	mux.HandleFunc("GET /v3/surveys/{id}", s.serveSurvey)
	mux.HandleFunc("GET /v3/surveys/{id}/details", s.serveDetails)
	mux.HandleFunc("GET /v3/surveys/{id}/responses/bulk", s.serveBulk)
	mux.HandleFunc("GET /v3/surveys/{id}/responses/{rid}/details", s.serveResponse)
	mux.HandleFunc("GET /v3/contact_lists", s.serveLists)
	mux.HandleFunc("GET /v3/contact_lists/{id}/contacts", s.serveContacts)
	mux.HandleFunc("POST /v3/contact_lists/{id}/contacts/bulk", s.serveBulkContacts)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "There was an error retrieving the requested resource: no "+r.Method+" "+r.URL.Path)
	})
	return mux
}

// authenticate refuses requests without an accepted Bearer token and
// applies the rate limits to the others.
func (s *Sandbox) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := bearer(r)
		if token == "" || !slices.Contains(s.opts.Tokens, token) {
			writeError(w, http.StatusUnauthorized, "The authorization token was not provided or is invalid.")
			return
		}
		if !s.limit(w, token) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

// bearer returns the token of r's Authorization header, or "".
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// Vendor registers the SurveyMonkey sandbox with programs that serve
// several (cxhub-sandbox).
var Vendor = kit.Vendor{
	Name:        "surveymonkey",
	Credentials: "Bearer token " + DefaultToken + ", webhook key " + DefaultAPIKey + "&" + DefaultAPISecret,
	Start: func(seed uint64, addr string) (*kit.Server, error) {
		s, err := New(Options{Seed: seed})
		if err != nil {
			return nil, err
		}
		return s.Start(addr)
	},
}
