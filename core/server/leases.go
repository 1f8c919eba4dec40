package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/cxhub/cxhub/core/state"
)

// The lease keeper: several `cxhub serve` workers on one PostgreSQL state
// share its pipelines. Each worker heartbeats a row; every pipeline is
// assigned to one live worker by rendezvous hashing (the worker whose hash
// with the pipeline's name is highest), so a worker joining or leaving
// moves only its share of the pipelines. A worker runs a pipeline only
// while it holds the pipeline's lease, renewed every third of its ttl, and
// every write of the run carries the lease's fencing token (state.Fence),
// checked by the store in the write's own transaction. With SQLite there
// is one worker (the file's lock refuses a second writer): it gets every
// lease at once. See docs/scale-out.md.

// inboxPoll is how often the worker holding a pipeline looks in the shared
// inbox for records pushed to another worker.
const inboxPoll = time.Second

// keeper holds this worker's leases.
type keeper struct {
	s        *Server
	id       string
	instance string // this process's random token: see join
	holder   string // the leases' holder: id#instance
	addr     string
	ttl      time.Duration

	tickMu sync.Mutex // one tick at a time
	mu     sync.Mutex
	held   map[string]state.Lease // by pipeline
	// serving: the live workers with a listener (cxhub serve, which runs
	// a monitor) at the last tick that could list them; see notifier.
	serving []string
}

// workerID names this worker: $CXHUB_WORKER_ID, or host:pid.
func workerID() string {
	if id := os.Getenv("CXHUB_WORKER_ID"); id != "" {
		return id
	}
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d", host, os.Getpid())
}

func newKeeper(s *Server, addr string, ttl time.Duration) *keeper {
	id, instance := workerID(), rand.Text()[:16]
	return &keeper{s: s, id: id, instance: instance, holder: id + "#" + instance, addr: addr, ttl: ttl,
		held: map[string]state.Lease{}}
}

// self is this worker as its heartbeat records it.
func (k *keeper) self() state.Worker {
	return state.Worker{ID: k.id, Instance: k.instance, Addr: k.addr}
}

// join records this worker's first heartbeat, or says why it may not
// start: a worker id is one live process's at a time (the store refuses
// a second instance), and the leases' holder carries this process's
// instance token, so that even a process that got the id of one paused
// past its heartbeat never shares that one's leases and tokens.
func (k *keeper) join(ctx context.Context) error {
	st, err := k.s.hub.Store()
	if err != nil {
		return err
	}
	err = st.Heartbeat(ctx, k.self(), k.ttl)
	if errors.Is(err, state.ErrWorkerIDInUse) {
		return fmt.Errorf("serve: worker id %s is taken: %w; give each worker its own CXHUB_WORKER_ID, "+
			"or, if that worker is gone, wait for its heartbeat to expire (lease ttl %v)", k.id, err, k.ttl)
	}
	if err != nil {
		return fmt.Errorf("serve: worker %s: %w", k.id, err)
	}
	return nil
}

// run keeps the leases until ctx ends, then releases them and says this
// worker left. Call it after the workers stopped.
func (k *keeper) run(ctx context.Context) {
	renew := time.NewTicker(k.ttl / 3)
	defer renew.Stop()
	poll := time.NewTicker(inboxPoll)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-renew.C:
			k.tick(ctx)
		case <-poll.C:
			k.pollInbox(ctx)
		}
	}
}

// leave releases every lease held and marks this worker gone, so others
// take its pipelines at once instead of after the ttl.
func (k *keeper) leave() {
	k.tickMu.Lock() // a tick in flight (a reload's) ends first
	defer k.tickMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st, err := k.s.hub.Store()
	if err != nil {
		return
	}
	k.releaseAll(ctx, st)
	_ = st.Heartbeat(ctx, k.self(), 0)
}

// releaseAll gives up every lease this worker holds: those it knows of,
// and those the store records under its holder that it does not know of.
// An acquisition cut off by the stop can have been committed by the store
// after its reply was lost (the client saw only "context canceled"); that
// lease is this process's (the holder carries its instance token) and,
// unreleased, would keep its pipeline from every other worker until the
// ttl ran out.
func (k *keeper) releaseAll(ctx context.Context, st state.Leaser) {
	k.mu.Lock()
	held := k.held
	k.held = map[string]state.Lease{}
	k.mu.Unlock()
	if all, err := st.Leases(ctx); err == nil {
		for _, l := range all {
			if l.Holder == k.holder {
				held[l.Pipeline] = l
			}
		}
	}
	for _, l := range held {
		_ = st.ReleaseLease(ctx, l)
	}
}

// tick heartbeats, then takes, renews and gives up leases to match the
// assignment of pipelines to the live workers.
func (k *keeper) tick(ctx context.Context) {
	k.tickMu.Lock()
	defer k.tickMu.Unlock()
	st, err := k.s.hub.Store()
	if err != nil {
		return
	}
	var live, serving []string
	if err := st.Heartbeat(ctx, k.self(), k.ttl); errors.Is(err, state.ErrWorkerIDInUse) {
		// Paused past its heartbeat, this worker lost its id to another
		// process: it keeps renewing what it still holds, takes nothing.
		k.s.log.Error("another process took this worker's id: give each worker its own CXHUB_WORKER_ID", "worker", k.id, "error", err)
	} else if err != nil {
		k.s.log.Warn("worker heartbeat failed", "worker", k.id, "error", err)
	} else if live, serving, err = liveWorkers(ctx, st, k.id); err != nil {
		k.s.log.Warn("list workers failed", "error", err)
	}
	// Without the list of live workers (the database failed), the worker
	// keeps renewing what it holds and neither gives up nor takes any.
	known := len(live) > 0
	if known {
		k.mu.Lock()
		k.serving = serving
		k.mu.Unlock()
	}
	// Renewals first, then acquisitions, each bounded: a lease row locked
	// by a paused worker's commit (until the server ends that transaction)
	// must not hold up the renewal of the leases this worker holds.
	var toAcquire []*worker
	for _, w := range k.s.allWorkers() {
		if ctx.Err() != nil {
			return
		}
		mine := known && owner(w.p.Name, live) == k.id
		k.mu.Lock()
		l, held := k.held[w.p.Name]
		k.mu.Unlock()
		switch {
		case held && known && !mine && w.idle():
			k.bounded(ctx, func(ctx context.Context) { k.release(ctx, st, w, l) })
		case held:
			k.bounded(ctx, func(ctx context.Context) { k.renew(ctx, st, w, l) })
		case mine:
			toAcquire = append(toAcquire, w)
		}
	}
	for _, w := range toAcquire {
		k.bounded(ctx, func(ctx context.Context) { k.acquire(ctx, st, w) })
	}
	// Leases of pipelines no longer configured here.
	k.mu.Lock()
	var gone []state.Lease
	for name, l := range k.held {
		if _, ok := k.s.worker(name); !ok {
			gone = append(gone, l)
			delete(k.held, name)
		}
	}
	k.mu.Unlock()
	for _, l := range gone {
		_ = st.ReleaseLease(ctx, l)
	}
}

// bounded runs fn with a context that ends after a sixth of the ttl.
func (k *keeper) bounded(ctx context.Context, fn func(context.Context)) {
	ctx, cancel := context.WithTimeout(ctx, k.ttl/6)
	defer cancel()
	fn(ctx)
}

func (k *keeper) acquire(ctx context.Context, st state.Store, w *worker) {
	sent := time.Now()
	l, err := st.AcquireLease(ctx, w.p.Name, k.holder, k.ttl)
	if err != nil {
		if !errors.Is(err, state.ErrLeaseHeld) {
			k.s.log.Warn("acquire lease failed", "pipeline", w.p.Name, "error", err)
		}
		return
	}
	k.mu.Lock()
	k.held[w.p.Name] = l
	k.mu.Unlock()
	k.s.log.Info("lease acquired", "pipeline", w.p.Name, "worker", k.id, "token", l.Token)
	w.grant(l, sent.Add(k.ttl))
}

func (k *keeper) renew(ctx context.Context, st state.Store, w *worker, l state.Lease) {
	sent := time.Now()
	n, err := st.RenewLease(ctx, l, k.ttl)
	switch {
	case err == nil:
		k.mu.Lock()
		k.held[w.p.Name] = n
		k.mu.Unlock()
		w.grant(n, sent.Add(k.ttl))
	case errors.Is(err, state.ErrFenced):
		k.s.log.Warn("lease lost: another worker took the pipeline over", "pipeline", w.p.Name, "worker", k.id, "token", l.Token)
		k.mu.Lock()
		delete(k.held, w.p.Name)
		k.mu.Unlock()
		w.revoke(l.Token)
	default:
		// The database is out of reach: the worker's hold ends when the
		// lease's local expiry passes (its writes would be refused anyway).
		k.s.log.Warn("renew lease failed", "pipeline", w.p.Name, "error", err)
		if w.expired() {
			k.mu.Lock()
			delete(k.held, w.p.Name)
			k.mu.Unlock()
		}
	}
}

func (k *keeper) release(ctx context.Context, st state.Store, w *worker, l state.Lease) {
	w.revoke(l.Token)
	k.mu.Lock()
	delete(k.held, w.p.Name)
	k.mu.Unlock()
	if err := st.ReleaseLease(ctx, l); err != nil {
		k.s.log.Warn("release lease failed", "pipeline", w.p.Name, "error", err)
		return
	}
	k.s.log.Info("lease released to another worker", "pipeline", w.p.Name, "worker", k.id)
}

// pollInbox asks the worker of each pipeline held for delivery if the
// shared inbox has records it has not taken (pushed to another worker).
func (k *keeper) pollInbox(parent context.Context) {
	ctx, cancel := context.WithTimeout(parent, inboxPoll)
	defer cancel()
	k.mu.Lock()
	names := make([]string, 0, len(k.held))
	for name := range k.held {
		names = append(names, name)
	}
	k.mu.Unlock()
	for _, name := range names {
		w, ok := k.s.worker(name)
		if !ok {
			continue
		}
		if pending, err := k.s.hub.HasPushed(ctx, name); err == nil && pending {
			w.requestPush(time.Now())
		}
	}
}

// liveWorkers returns the ids of the workers whose heartbeat has not
// expired, measured against this worker's own last heartbeat (the store's
// clock), sorted; and, of those, the ones that listen (an addr: cxhub
// serve, not cxhub run).
func liveWorkers(ctx context.Context, st state.Store, self string) (live, serving []string, err error) {
	ws, err := st.Workers(ctx)
	if err != nil {
		return nil, nil, err
	}
	var now time.Time
	for _, w := range ws {
		if w.ID == self {
			now = w.SeenAt
		}
	}
	for _, w := range ws {
		if w.ExpiresAt.After(now) {
			live = append(live, w.ID)
			if w.Addr != "" {
				serving = append(serving, w.ID)
			}
		}
	}
	slices.Sort(live)
	slices.Sort(serving)
	return live, serving, nil
}

// notifierDuty is the name the worker that sends the alerts'
// notifications is chosen by, as pipelines are assigned (owner); no
// pipeline can have it (a space).
const notifierDuty = "alert notifications"

// notifier reports whether this worker sends the alerts' notifications:
// every worker's monitor raises and resolves alerts in the shared state,
// and one live worker, chosen as a pipeline's would be, tells the
// receivers. It is chosen among the workers that listen (cxhub serve):
// cxhub run, a worker too, has no monitor and would send nothing. A
// worker that has not yet listed the live ones (or only itself: SQLite)
// does. When the chosen one dies, the next is chosen once its heartbeat
// expires; what it had not sent is still pending in the state and is
// sent then.
func (k *keeper) notifier() bool {
	k.mu.Lock()
	serving := k.serving
	k.mu.Unlock()
	return len(serving) == 0 || owner(notifierDuty, serving) == k.id
}

// owner is the worker a pipeline is assigned to: the highest hash of
// worker and pipeline (rendezvous hashing).
func owner(pipeline string, workers []string) string {
	var best string
	var bestH uint64
	for _, w := range workers {
		h := fnv.New64a()
		h.Write([]byte(w))
		h.Write([]byte{0})
		h.Write([]byte(pipeline))
		if v := mix64(h.Sum64()); best == "" || v > bestH {
			best, bestH = w, v
		}
	}
	return best
}

// leaseKeeper returns the server's lease keeper, once Run has started.
func (s *Server) leaseKeeper() *keeper {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keeper
}

// mix64 is MurmurHash3's 64-bit finalizer: FNV-1a alone leaves its high
// bits to the last bytes hashed (the pipeline's name), so without it one
// worker would win every pipeline.
func mix64(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}
