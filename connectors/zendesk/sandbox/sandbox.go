package sandbox

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// Sandbox is a Zendesk emulator. Build one with New; serve Handler, or
// Start it on a loopback address. It is safe for concurrent use.
type Sandbox struct {
	opts        Options
	kit         *kit.Kit
	handler     http.Handler
	global      *kit.Window // the account's requests
	incremental *kit.Window // the incremental exports' requests

	mu            sync.Mutex
	offset        time.Duration // added to opts.Now by Advance
	users         map[int64]*User
	byEmail       map[string]int64 // normalised email → user id
	byExternal    map[string]int64 // external_id → user id
	tickets       map[int64]*Ticket
	comments      map[int64][]*Comment // by ticket id, oldest first
	nextUserID    int64
	nextTicketID  int64
	nextCommentID int64
	nextEventID   int64                 // audits and their events (comments aside)
	audits        []*ticketAudit        // every ticket update, as the ticket events export lists them
	idempotency   map[string]idempotent // ticket creates by Idempotency-Key
	jobs          map[string]*job
	nextJob       int
	jobSeq        int // bulk jobs submitted since the last reset
	failJobs      int // how many of the next jobs fail as a whole
}

// New builds a sandbox and seeds it.
func New(opts Options) (*Sandbox, error) {
	if opts.RateLimit < 0 || opts.IncrementalLimit < 0 || opts.RateWindow < 0 {
		return nil, fmt.Errorf("zendesk sandbox: rate limits and the rate window cannot be negative")
	}
	opts = opts.withDefaults()
	s := &Sandbox{
		opts:        opts,
		global:      kit.NewWindow(opts.RateLimit, opts.RateWindow),
		incremental: kit.NewWindow(opts.IncrementalLimit, opts.RateWindow),
	}
	s.reset(opts.Users, opts.Tickets)
	s.kit = kit.NewKit(s.respondFault, opts.Seed)
	s.addAdmin(s.kit.Admin())
	s.handler = s.kit.Wrap(s.api())
	return s, nil
}

// reset replaces every record with freshly seeded ones.
func (s *Sandbox) reset(users, tickets int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users = map[int64]*User{}
	s.byEmail = map[string]int64{}
	s.byExternal = map[string]int64{}
	s.tickets = map[int64]*Ticket{}
	s.comments = map[int64][]*Comment{}
	s.idempotency = map[string]idempotent{}
	s.jobs = map[string]*job{}
	s.jobSeq = 0
	s.audits = nil
	s.nextEventID = firstEventID
	s.seed(users, tickets, s.nowLocked())
}

// Reset replaces every user, ticket and comment with a fresh seed of users
// end users and tickets tickets (the agents are always there), and forgets
// idempotency keys and jobs. The clock is not moved back.
func (s *Sandbox) Reset(users, tickets int) error {
	if users < 0 || tickets < 0 {
		return fmt.Errorf("zendesk sandbox reset: counts cannot be negative")
	}
	s.reset(users, tickets)
	return nil
}

// Handler returns the Zendesk API (under /api/v2/) wrapped by the kit, with
// the admin endpoints under /_sandbox/.
func (s *Sandbox) Handler() http.Handler { return s.handler }

// Kit returns the sandbox's kit: faults and request counts.
func (s *Sandbox) Kit() *kit.Kit { return s.kit }

// Options returns the options in force, defaults filled.
func (s *Sandbox) Options() Options { return s.opts }

// Start serves the sandbox on addr, a loopback address ("127.0.0.1:0"
// picks a port). The API's base URL is the server's URL; a connector's
// base_url is that URL.
func (s *Sandbox) Start(addr string) (*kit.Server, error) {
	srv, err := kit.Start(s.handler, addr)
	if err != nil {
		return nil, fmt.Errorf("start zendesk sandbox: %w", err)
	}
	return srv, nil
}

// Now returns the sandbox's clock: Options.Now plus what Advance added.
func (s *Sandbox) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nowLocked()
}

func (s *Sandbox) nowLocked() time.Time { return s.opts.Now().Add(s.offset).UTC() }

// Advance moves the sandbox's clock forward by d, so that changes inside
// the incremental exports' one-minute exclusion become visible.
func (s *Sandbox) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d > 0 {
		s.offset += d
	}
}

// api is the vendor API: authentication, rate limits, then the routes.
func (s *Sandbox) api() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v2/users/me.json", s.serveMe)
	mux.HandleFunc("GET /api/v2/incremental/users/cursor.json", s.serveIncrementalUsers)
	mux.HandleFunc("GET /api/v2/incremental/tickets/cursor.json", s.serveIncrementalTickets)
	mux.HandleFunc("GET /api/v2/incremental/ticket_events", s.serveIncrementalTicketEvents)
	mux.HandleFunc("GET /api/v2/incremental/ticket_events.json", s.serveIncrementalTicketEvents)
	mux.HandleFunc("PUT /api/v2/tickets/{ticket}/comments/{id}/redact", s.serveRedact)
	mux.HandleFunc("PUT /api/v2/tickets/{ticket}/comments/{id}/redact.json", s.serveRedact)
	mux.HandleFunc("GET /api/v2/users.json", s.serveListUsers)
	mux.HandleFunc("GET /api/v2/tickets.json", s.serveListTickets)
	mux.HandleFunc("GET /api/v2/users/{id}", s.serveShowUser)
	mux.HandleFunc("GET /api/v2/tickets/{id}", s.serveShowTicket)
	mux.HandleFunc("GET /api/v2/tickets/{id}/comments.json", s.serveComments)
	mux.HandleFunc("POST /api/v2/tickets.json", s.serveCreateTicket)
	mux.HandleFunc("PUT /api/v2/tickets/{id}", s.serveUpdateTicket)
	mux.HandleFunc("POST /api/v2/users/create_or_update.json", s.serveCreateOrUpdateUser)
	mux.HandleFunc("POST /api/v2/users/create_or_update_many.json", s.serveCreateOrUpdateMany)
	mux.HandleFunc("PUT /api/v2/users/update_many", s.serveUpdateMany)
	mux.HandleFunc("PUT /api/v2/users/update_many.json", s.serveUpdateMany)
	mux.HandleFunc("PUT /api/v2/users/{id}", s.serveUpdateUser)
	mux.HandleFunc("GET /api/v2/job_statuses/{id}", s.serveJobStatus)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "InvalidEndpoint", "Not found")
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.runDueJobsLocked() // jobs run in the background, as time passes
		s.mu.Unlock()
		if !s.authorized(r) {
			writeAuthError(w)
			return
		}
		if !s.admit(w, r) {
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// baseURL is the API's base URL as the client called it.
func baseURL(r *http.Request) string { return "http://" + r.Host + "/api/v2" }

// pathID reads a numeric path value that may end in ".json".
func pathID(r *http.Request, name string) (int64, bool) {
	v := strings.TrimSuffix(r.PathValue(name), ".json")
	id, err := strconv.ParseInt(v, 10, 64)
	return id, err == nil && id > 0
}

// Vendor registers the Zendesk sandbox with programs that serve several
// (cxhub-sandbox).
var Vendor = kit.Vendor{
	Name:        "zendesk",
	Credentials: "email " + DefaultEmail + ", token " + DefaultToken,
	Start: func(seed uint64, addr string) (*kit.Server, error) {
		s, err := New(Options{Seed: seed})
		if err != nil {
			return nil, err
		}
		return s.Start(addr)
	},
	StartEmpty: func(addr string) (*kit.Server, error) {
		s, err := New(Options{Empty: true})
		if err != nil {
			return nil, err
		}
		return s.Start(addr)
	},
}
