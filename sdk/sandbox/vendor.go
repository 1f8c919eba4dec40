package sandbox

// Vendor describes one vendor's sandbox to a program that serves several
// (cxhub-sandbox, tests): each sandbox package exports one, so adding a
// sandbox to such a program is a one-line registration.
type Vendor struct {
	// Name is what the sandbox is called on a command line ("hubspot").
	Name string
	// Credentials says how a client authenticates against the seeded
	// sandbox, for a banner ("Bearer token sandbox-token").
	Credentials string
	// Start serves the sandbox, seeded with seed, on addr ("127.0.0.1:0").
	Start func(seed uint64, addr string) (*Server, error)
	// StartEmpty, if set, serves the sandbox with no seeded records, for
	// load runs that write into it and count what arrived
	// (cxhub-sandbox -empty).
	StartEmpty func(addr string) (*Server, error)
}
