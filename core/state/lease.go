package state

import (
	"context"
	"errors"
	"strings"
	"time"
)

// ErrFenced is matched (errors.Is) by the error of a write made under a
// lease that is no longer valid: expired, released, or taken over by
// another worker (whose token is higher). Nothing of such a write was
// stored.
var ErrFenced = errors.New("fenced: this worker no longer holds the pipeline's lease")

// ErrLeaseHeld is matched (errors.Is) by the error AcquireLease returns
// when another holder has an unexpired lease on the pipeline.
var ErrLeaseHeld = errors.New("the pipeline's lease is held by another worker")

// ErrWorkerIDInUse is matched (errors.Is) by the error of a heartbeat
// under the id of a live worker that is another process (another
// Worker.Instance).
var ErrWorkerIDInUse = errors.New("the worker id is in use by another live worker")

// Lease is a worker's right to run one pipeline until ExpiresAt. Token is
// the fencing token: it grows by one each time the lease changes hands, so
// a write carrying an older token is refused.
type Lease struct {
	Pipeline  string    `json:"pipeline"`
	Holder    string    `json:"holder"` // "" once released
	Token     int64     `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// HolderID returns who holds l without the instance token a worker's
// holder ends with ("w1#3fa2…" is held by w1): the worker's id, or the
// name of another holder (the CLI's).
func (l Lease) HolderID() string {
	if i := strings.LastIndexByte(l.Holder, '#'); i >= 0 {
		return l.Holder[:i]
	}
	return l.Holder
}

// Worker is one cxhub serve process sharing the state, as its heartbeat
// recorded it.
type Worker struct {
	ID string `json:"id"`
	// Instance tells apart the processes that used the id: a random
	// token each process draws when it starts.
	Instance  string    `json:"-"`
	Addr      string    `json:"addr,omitempty"` // where its API listens
	StartedAt time.Time `json:"started_at"`
	SeenAt    time.Time `json:"seen_at"`    // its last heartbeat
	ExpiresAt time.Time `json:"expires_at"` // when it is taken for dead without another heartbeat
}

// Fence is the lease a write is made under: the pipeline and the token.
type Fence struct {
	Pipeline string
	Token    int64
}

type fenceKey struct{}

// WithFence returns ctx carrying a lease's fence. Commit, StartRun,
// FinishRun and ResetCheckpoints (PostgreSQL's) called with such a context check, in the transaction that
// writes, that the lease is still the pipeline's with that token and
// unexpired; otherwise they write nothing and fail with ErrFenced. A
// context without a fence writes unconditionally (single-process use:
// SQLite).
func WithFence(ctx context.Context, f Fence) context.Context {
	return context.WithValue(ctx, fenceKey{}, f)
}

// FenceFrom returns the fence ctx carries, if any.
func FenceFrom(ctx context.Context) (Fence, bool) {
	f, ok := ctx.Value(fenceKey{}).(Fence)
	return f, ok && f.Pipeline != ""
}

// Leaser is the part of a Store that coordinates workers: leases on
// pipelines and the workers' heartbeats. Every duration is measured on the
// store's clock (the database server's for PostgreSQL), so workers' clocks
// need not agree.
type Leaser interface {
	// AcquireLease takes the pipeline's lease for holder for ttl: a lease
	// never held, released or expired is taken with a token one above the
	// last; one holder already holds is extended with its token unchanged.
	// A lease another holder holds unexpired is refused with ErrLeaseHeld
	// (and returned).
	AcquireLease(ctx context.Context, pipeline, holder string, ttl time.Duration) (Lease, error)
	// RenewLease extends a lease its holder still holds unexpired with the
	// same token, to ttl from now; otherwise it fails with ErrFenced.
	RenewLease(ctx context.Context, l Lease, ttl time.Duration) (Lease, error)
	// ReleaseLease gives a held lease up at once, keeping its token; a
	// lease no longer held is left alone (no error).
	ReleaseLease(ctx context.Context, l Lease) error
	// CheckFence reports whether the lease of fence f is still its
	// pipeline's, with f's token, held and unexpired on the store's clock:
	// nil if it is, an error matching ErrFenced if not. It writes nothing
	// and locks nothing: it is the cheap check a worker makes right before
	// each write to a destination, which no transaction of ours can cover.
	CheckFence(ctx context.Context, f Fence) error
	// Leases lists every pipeline's lease, expired ones included, by pipeline.
	Leases(ctx context.Context) ([]Lease, error)

	// Heartbeat records that worker w is alive, for ttl from now; a ttl of
	// 0 or less records that it left. A worker id is one process's at a
	// time: while a worker's heartbeat is unexpired, one of another
	// w.Instance under its id fails with ErrWorkerIDInUse and records
	// nothing. (SQLite, whose lock lets one process write, ignores
	// Instance.)
	Heartbeat(ctx context.Context, w Worker, ttl time.Duration) error
	// Workers lists the workers that heartbeat, dead ones included, by id.
	Workers(ctx context.Context) ([]Worker, error)
}
