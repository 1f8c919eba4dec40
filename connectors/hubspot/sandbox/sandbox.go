package sandbox

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// Sandbox is an in-memory HubSpot account served over HTTP. It is safe
// for concurrent use.
type Sandbox struct {
	opts    Options
	kit     *kit.Kit
	limits  *limits
	errors  atomic.Uint64 // errors answered, for correlation ids
	handler http.Handler

	mu   sync.Mutex // guards st and gen
	st   *store
	gen  *seeder
	hook *hookState
}

// New builds a sandbox and seeds it.
func New(opts Options) (*Sandbox, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Sandbox{opts: o, limits: newLimits(o), gen: newSeeder(o.Seed), hook: &hookState{}}
	s.st = newStore(withExtra(o.Properties), o.Now)
	s.st.seed(s.gen, o)
	s.kit = kit.NewKit(s.respondFault, o.Seed)
	s.routeAdmin(s.kit.Admin())
	s.handler = s.kit.Wrap(s.authenticate(s.routes()))
	return s, nil
}

// Handler returns the HubSpot API with the kit's counting, faults and
// admin endpoints (under /_sandbox/).
func (s *Sandbox) Handler() http.Handler { return s.handler }

// Kit returns the sandbox's fault injection and request counts.
func (s *Sandbox) Kit() *kit.Kit { return s.kit }

// Start serves the sandbox on addr, a loopback address ("127.0.0.1:0"
// picks a free port). Close the server when done.
func (s *Sandbox) Start(addr string) (*kit.Server, error) {
	srv, err := kit.Start(s.handler, addr)
	if err != nil {
		return nil, fmt.Errorf("start hubspot sandbox: %w", err)
	}
	return srv, nil
}

// Options returns the options in force, defaults applied.
func (s *Sandbox) Options() Options { return s.opts }

// routes returns the mux of the API endpoints.
func (s *Sandbox) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /crm/v3/objects/{type}", s.serveList)
	mux.HandleFunc("POST /crm/v3/objects/{type}", s.serveCreate)
	mux.HandleFunc("GET /crm/v3/objects/{type}/{id}", s.serveGet)
	mux.HandleFunc("PATCH /crm/v3/objects/{type}/{id}", s.serveUpdate)
	mux.HandleFunc("DELETE /crm/v3/objects/{type}/{id}", s.serveArchive)
	mux.HandleFunc("POST /crm/v3/objects/{type}/search", s.serveSearch)
	mux.HandleFunc("POST /crm/v3/objects/{type}/batch/read", s.serveBatchRead)
	mux.HandleFunc("POST /crm/v3/objects/{type}/batch/create", s.serveBatchCreate)
	mux.HandleFunc("POST /crm/v3/objects/{type}/batch/update", s.serveBatchUpdate)
	mux.HandleFunc("POST /crm/v3/objects/{type}/batch/upsert", s.serveBatchUpsert)
	mux.HandleFunc("POST /crm/v4/associations/{from}/{to}/batch/read", s.serveAssocRead)
	mux.HandleFunc("POST /crm/v4/associations/{from}/{to}/batch/create", s.serveAssocCreate)
	mux.HandleFunc("GET /crm/v3/properties/{type}/{name}", s.serveProperty)
	mux.HandleFunc("GET /account-info/v3/details", s.serveAccount)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, http.StatusNotFound, "NOT_FOUND", "no %s endpoint at %s in the HubSpot sandbox", r.Method, r.URL.Path)
	})
	return mux
}

// authenticate refuses requests without an accepted Bearer token and
// applies the rate limits to the others. Every answer's Date is the
// sandbox's clock (Options.Now), which also stamps edits, as HubSpot's
// servers share one clock: a reader may compare the two. It is taken
// before the request is served, so no edit the answer shows is stamped
// before it.
func (s *Sandbox) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", s.opts.Now().UTC().Format(http.TimeFormat))
		token := bearer(r)
		if token == "" || !slices.Contains(s.opts.Tokens, token) {
			s.unauthorized(w)
			return
		}
		if !s.limit(w, r, token) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Vendor registers the HubSpot sandbox with programs that serve several
// (cxhub-sandbox).
var Vendor = kit.Vendor{
	Name:        "hubspot",
	Credentials: "Bearer token " + DefaultToken,
	Start: func(seed uint64, addr string) (*kit.Server, error) {
		s, err := New(Options{Seed: seed})
		if err != nil {
			return nil, err
		}
		return s.Start(addr)
	},
	StartEmpty: func(addr string) (*kit.Server, error) {
		s, err := New(Options{Contacts: -1, Companies: -1, Notes: -1})
		if err != nil {
			return nil, err
		}
		return s.Start(addr)
	},
}
