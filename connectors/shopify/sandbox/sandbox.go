package sandbox

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// Sandbox is a Shopify shop served over HTTP. Build one with New; serve
// Handler, or Start it on a loopback address. It is safe for concurrent use.
type Sandbox struct {
	opts    Options
	kit     *kit.Kit
	handler http.Handler
	bucket  *leakyBucket

	mu                sync.Mutex
	offset            time.Duration // added to opts.Now by Advance
	customers         map[int64]*Customer
	orders            map[int64]*Order
	fulfillments      map[int64]int64 // fulfillment id → order id
	nextCustomerID    int64
	nextOrderID       int64
	nextFulfillmentID int64
	nextLineItemID    int64
	nextOrderNumber   int
	deliveries        int // webhook deliveries made, for their ids
}

// New builds a sandbox and seeds it.
func New(opts Options) (*Sandbox, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Sandbox{opts: o, bucket: newLeakyBucket(o.BucketSize, o.LeakRate)}
	s.seed(o.Customers, o.Orders, s.nowLocked())
	s.kit = kit.NewKit(s.respondFault, o.Seed)
	s.addAdmin(s.kit.Admin())
	s.handler = s.kit.Wrap(s.api())
	return s, nil
}

// Handler returns the Shopify API wrapped by the kit, with the admin
// endpoints under /_sandbox/.
func (s *Sandbox) Handler() http.Handler { return s.handler }

// Kit returns the sandbox's kit: faults and request counts.
func (s *Sandbox) Kit() *kit.Kit { return s.kit }

// Options returns the options in force, defaults filled.
func (s *Sandbox) Options() Options { return s.opts }

// Start serves the sandbox on addr, a loopback address ("127.0.0.1:0" picks
// a port). The server's URL is a connector's base_url.
func (s *Sandbox) Start(addr string) (*kit.Server, error) {
	srv, err := kit.Start(s.handler, addr)
	if err != nil {
		return nil, fmt.Errorf("start shopify sandbox: %w", err)
	}
	return srv, nil
}

// Reset replaces every customer and order with a fresh seed of that many.
// The clock is not moved back.
func (s *Sandbox) Reset(customers, orders int) error {
	if customers < 0 || orders < 0 || (orders > 0 && customers == 0) {
		return fmt.Errorf("shopify sandbox reset: want counts of 0 or more, and customers for the orders")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seed(customers, orders, s.nowLocked())
	return nil
}

// Now returns the sandbox's clock: Options.Now plus what Advance added, to
// the second, as Shopify stamps records.
func (s *Sandbox) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nowLocked()
}

func (s *Sandbox) nowLocked() time.Time { return s.opts.Now().Add(s.offset).Truncate(time.Second) }

// Advance moves the sandbox's clock forward by d.
func (s *Sandbox) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d > 0 {
		s.offset += d
	}
}

// versionPattern is an API version: 2025-01, or unstable.
var versionPattern = regexp.MustCompile(`^(\d{4}-(01|04|07|10)|unstable)$`)

// api is the vendor API: authentication, the leaky bucket, then the routes.
func (s *Sandbox) api() http.Handler {
	mux := http.NewServeMux()
	const p = "/admin/api/{version}/"
	mux.HandleFunc("GET "+p+"shop.json", s.serveShop)
	mux.HandleFunc("GET "+p+"customers.json", s.serveListCustomers)
	mux.HandleFunc("GET "+p+"customers/search.json", s.serveSearchCustomers)
	mux.HandleFunc("POST "+p+"customers.json", s.serveCreateCustomer)
	mux.HandleFunc("GET "+p+"customers/{id}", s.serveShowCustomer)
	mux.HandleFunc("PUT "+p+"customers/{id}", s.serveUpdateCustomer)
	mux.HandleFunc("GET "+p+"orders.json", s.serveListOrders)
	mux.HandleFunc("GET "+p+"orders/{id}", s.serveShowOrder)
	mux.HandleFunc("GET "+p+"orders/{id}/fulfillments.json", s.serveOrderFulfillments)
	mux.HandleFunc("POST "+p+"fulfillments/{id}/update_tracking.json", s.serveUpdateTracking)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeErrors(w, http.StatusNotFound, "Not Found")
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Every answer's Date is the sandbox's clock, which also stamps
		// edits, as Shopify's servers share one clock.
		w.Header().Set("Date", s.Now().UTC().Format(http.TimeFormat))
		token := r.Header.Get("X-Shopify-Access-Token")
		if token == "" || !slices.Contains(s.opts.Tokens, token) {
			writeErrors(w, http.StatusUnauthorized, "[API] Invalid API key or access token (unrecognized login or wrong password)")
			return
		}
		version, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/admin/api/"), "/")
		if !strings.HasPrefix(r.URL.Path, "/admin/api/") || !versionPattern.MatchString(version) {
			writeErrors(w, http.StatusNotFound, "Not Found")
			return
		}
		if !s.admit(w, token) {
			return
		}
		w.Header().Set("X-Shopify-API-Version", s.servedVersion(version))
		mux.ServeHTTP(w, r)
	})
}

// servedVersion is the version that answers a request for version: itself,
// or the oldest supported one for a retired version (Shopify falls forward
// to it rather than refuse the request).
func (s *Sandbox) servedVersion(version string) string {
	if version != "unstable" && version < s.opts.OldestVersion { // YYYY-MM sorts as text
		return s.opts.OldestVersion
	}
	return version
}

// pathID reads a numeric path value that may end in ".json".
func pathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(strings.TrimSuffix(r.PathValue(name), ".json"), 10, 64)
	return id, err == nil && id > 0
}

func (s *Sandbox) serveShop(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"shop": map[string]any{
		"id": 548380009, "name": "Sandbox Goods", "email": "owner@sandbox-goods.example",
		"domain": s.opts.Shop + ".myshopify.com", "myshopify_domain": s.opts.Shop + ".myshopify.com",
		"currency": "USD", "iana_timezone": "America/New_York", "plan_name": "basic",
		"timezone": "(GMT-05:00) Eastern Time (US & Canada)", "created_at": formatTime(s.Now().AddDate(-3, 0, 0)),
	}})
}

// Vendor registers the Shopify sandbox with programs that serve several
// (cxhub-sandbox).
var Vendor = kit.Vendor{
	Name:        "shopify",
	Credentials: "X-Shopify-Access-Token " + DefaultToken,
	Start: func(seed uint64, addr string) (*kit.Server, error) {
		s, err := New(Options{Seed: seed})
		if err != nil {
			return nil, err
		}
		return s.Start(addr)
	},
}
