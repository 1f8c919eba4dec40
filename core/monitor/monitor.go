package monitor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/engine"
	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/sdk"
)

// Hub is what the monitor needs of the hub runtime; *hub.Hub has it.
type Hub interface {
	// Config is the hub's config, used when Options.Config is nil.
	Config() (*config.Config, error)
	// Check asks a connection's connector whether its system answers.
	Check(ctx context.Context, connection string) (sdk.CheckResponse, error)
	// Store is the state, open for writing: the monitor keeps alerts there.
	Store() (state.Store, error)
	// Subscribe tells the monitor of every run's events.
	Subscribe(fn func(engine.Event)) (cancel func())
	// Redact removes secret values from text the monitor stores or sends.
	Redact(text string) string
	// Logger is where the monitor logs, when Options.Logger is nil.
	Logger() *slog.Logger
}

// Options configure a Monitor. Zero values are the defaults.
type Options struct {
	// Config is the config to watch; nil means the hub's. Reload replaces it.
	Config *config.Config
	// Logger receives the monitor's log lines; nil means the hub's logger.
	Logger *slog.Logger
	// Now is the monitor's clock; nil means time.Now. Staleness and the
	// notifications' signing time read it.
	Now func() time.Time
	// Client sends the notifications; nil means a client with a 10s timeout.
	Client *http.Client
	// EvaluateEvery is how often every pipeline's conditions are evaluated
	// (also after every run that finishes, and when DeadLettersChanged is
	// called); default 30s.
	EvaluateEvery time.Duration
	// WatchEvery is how often the monitor asks a state that other
	// processes may write (a state.ChangeCounter: PostgreSQL) whether it
	// changed, and evaluates the pipelines' conditions at once if it did:
	// a discard or replay by the CLI, or through another worker, resolves
	// its alert within moments rather than at the next EvaluateEvery;
	// default 2s. One cheap query each time, and no evaluation while
	// nothing changes.
	WatchEvery time.Duration
	// CheckTimeout bounds one connection check; default 1m.
	CheckTimeout time.Duration
	// NotifyRetries is how many times a failed POST to a receiver is tried
	// again (with exponential backoff from NotifyBackoff, default 1s)
	// before the monitor gives up until its next pass (NotifyEvery,
	// default 1m); default 5.
	NotifyRetries int
	NotifyBackoff time.Duration
	NotifyEvery   time.Duration
	// Notifies reports whether this process sends the receivers'
	// notifications now; nil means always. Several workers sharing one
	// state each raise and resolve the same alerts there, and only the
	// one this says yes to sends them, so that a receiver gets each once
	// (the server picks one live worker: see core/server).
	Notifies func() bool
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if o.EvaluateEvery <= 0 {
		o.EvaluateEvery = 30 * time.Second
	}
	if o.WatchEvery <= 0 {
		o.WatchEvery = 2 * time.Second
	}
	if o.CheckTimeout <= 0 {
		o.CheckTimeout = time.Minute
	}
	if o.NotifyRetries <= 0 {
		o.NotifyRetries = 5
	}
	if o.NotifyBackoff <= 0 {
		o.NotifyBackoff = time.Second
	}
	if o.NotifyEvery <= 0 {
		o.NotifyEvery = time.Minute
	}
	return o
}

// Monitor watches a hub's connections and pipelines and raises alerts. It
// is safe for concurrent use.
//
// Lifecycle: New builds it (nothing runs); Run starts the connection
// checks, the evaluation of the pipelines' conditions and the notifier,
// and returns when its context ends, after they all stopped. Reload may be
// called before or during Run. Connections, Alerts and PluginHung work at
// any time.
type Monitor struct {
	hub  Hub
	opts Options
	log  *slog.Logger

	mu       sync.Mutex
	cfg      *config.Config
	running  context.Context // Run's context while it runs; nil otherwise
	wg       sync.WaitGroup  // Run's goroutines
	checkers map[string]*checker
	health   map[string]*ConnectionHealth
	// rateLimits are the waits each connection asked for, by name.
	rateLimits map[string]RateLimitState
	firing     map[string]state.Alert // by key, as stored
	loaded     bool                   // firing holds what the state holds
	firstSeen  map[string]time.Time   // pipeline → when the monitor first watched it
	sent       map[sentKey]bool       // receivers told of an alert's status by this process

	wake   chan struct{} // evaluate the pipelines now
	notify chan struct{} // send what is pending now
	// changed: another process may have raised or resolved an alert; send
	// what is pending now, but not yet again to a receiver that failed
	// less than NotifyEvery ago (see failedAt).
	changed chan struct{}
	// failedAt is when a POST to each receiver (by name) last failed
	// after its retries; a success removes it.
	failedAt map[string]time.Time
	passes   atomic.Int64 // notification passes done (for tests)
}

// New returns a monitor of h; nothing runs until Run.
func New(h Hub, opts Options) *Monitor {
	opts = opts.withDefaults()
	log := opts.Logger
	if log == nil {
		log = h.Logger()
	}
	return &Monitor{
		hub: h, opts: opts, log: log.With("component", "monitor"), cfg: opts.Config,
		checkers: map[string]*checker{}, health: map[string]*ConnectionHealth{}, rateLimits: map[string]RateLimitState{},
		firing: map[string]state.Alert{}, firstSeen: map[string]time.Time{}, sent: map[sentKey]bool{},
		wake: make(chan struct{}, 1), notify: make(chan struct{}, 1), changed: make(chan struct{}, 1),
		failedAt: map[string]time.Time{},
	}
}

// config returns the config watched, loading the hub's on first use.
func (m *Monitor) config() (*config.Config, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cfg != nil {
		return m.cfg, nil
	}
	cfg, err := m.hub.Config()
	if err != nil {
		return nil, fmt.Errorf("monitor: load the config: %w", err)
	}
	m.cfg = cfg
	return cfg, nil
}

// Run watches the hub until ctx ends: each connection's check on its
// schedule, the pipelines' conditions every EvaluateEvery, after every
// finished run and (on a state.ChangeCounter) within WatchEvery of a write
// by another process, and the notifications (first those that were pending when
// a previous process stopped). It returns nil once ctx ended and every
// loop stopped, or an error if it cannot start (no config, no state).
func (m *Monitor) Run(ctx context.Context) error {
	cfg, err := m.config()
	if err != nil {
		return err
	}
	st, err := m.hub.Store()
	if err != nil {
		return fmt.Errorf("monitor: open the state: %w", err)
	}
	if err := m.loadFiring(ctx, st); err != nil {
		return err
	}
	m.mu.Lock()
	if m.running != nil {
		m.mu.Unlock()
		return errors.New("monitor: already running")
	}
	m.running = ctx
	m.watchPipelinesLocked(cfg)
	m.syncCheckersLocked(cfg)
	m.mu.Unlock()

	cancel := m.hub.Subscribe(m.onEvent)
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		m.notifyLoop(ctx, st)
	}()
	if cc, ok := st.(state.ChangeCounter); ok {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			m.watchLoop(ctx, cc)
		}()
	}
	m.evaluateLoop(ctx, st)

	cancel()
	m.mu.Lock()
	m.running = nil
	m.mu.Unlock()
	m.wg.Wait()
	m.mu.Lock()
	m.checkers = map[string]*checker{}
	m.mu.Unlock()
	return nil
}

// Reload takes a new config (after SIGHUP): connections added or removed
// start or stop being checked, a changed check interval takes effect from
// the last check, thresholds and receivers change at once, and alerts
// about connections or pipelines that are gone are resolved.
func (m *Monitor) Reload(cfg *config.Config) {
	m.mu.Lock()
	m.cfg = cfg
	if m.running != nil {
		m.watchPipelinesLocked(cfg)
		m.syncCheckersLocked(cfg)
	}
	m.mu.Unlock()
	kick(m.wake)
	kick(m.notify)
}

// watchPipelinesLocked notes when the monitor started watching each
// pipeline: a pipeline that never succeeded is stale a window after that.
func (m *Monitor) watchPipelinesLocked(cfg *config.Config) {
	now := m.opts.Now()
	for _, p := range cfg.Pipelines {
		if _, ok := m.firstSeen[p.Name]; !ok {
			m.firstSeen[p.Name] = now
		}
	}
}

// onEvent is the hub's event callback: a finished run may change what the
// pipelines' conditions say.
func (m *Monitor) onEvent(e engine.Event) {
	switch e.Kind {
	case engine.EventRunFinished:
		kick(m.wake)
	case engine.EventRateLimitWait:
		m.rateLimited(e)
	}
}

// rateLimited records a wait a pipeline's destination asked for against
// that connection.
func (m *Monitor) rateLimited(e engine.Event) {
	cfg, err := m.config()
	if err != nil || cfg == nil {
		return
	}
	p, ok := cfg.Pipeline(e.Pipeline)
	if !ok {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	rl := m.rateLimits[p.To.Connection]
	rl.Waits++
	rl.LastAt, rl.LastWait = e.Time, e.Wait.String()
	m.rateLimits[p.To.Connection] = rl
}

// DeadLettersChanged asks for the pipelines' conditions to be evaluated
// now rather than at the next EvaluateEvery: dead letters were discarded
// or replayed (the server calls it after each through the API or the
// dashboard), so a pipeline_dead_letters alert they fired resolves within
// moments. It does not wait for the evaluation; requests made while one is
// pending coalesce. Before Run, or after it returned, it does nothing.
func (m *Monitor) DeadLettersChanged() { kick(m.wake) }

// watchLoop asks the state every WatchEvery whether it changed, and
// wakes the evaluation and the notifications when it did: other
// processes (the CLI, other workers) discard and replay dead letters and
// finish runs without the monitor's events, and other workers raise and
// resolve alerts that this one, if it is the one that notifies
// (Options.Notifies), sends. Until ctx ends.
func (m *Monitor) watchLoop(ctx context.Context, cc state.ChangeCounter) {
	t := time.NewTicker(m.opts.WatchEvery)
	defer t.Stop()
	last, err := cc.ChangeCount(ctx)
	failing := err != nil // logged once per spell of failures
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cur, err := cc.ChangeCount(ctx)
		switch {
		case err != nil:
			if !failing && ctx.Err() == nil {
				m.log.Warn("cannot tell whether another process changed the state; its changes are seen at the next periodic evaluation",
					"every", m.opts.EvaluateEvery, "error", err)
			}
			failing = true
			continue
		case failing:
			failing = false
			kick(m.wake) // what changed meanwhile is unknown
			kick(m.changed)
		case cur != last:
			kick(m.wake)
			kick(m.changed)
		}
		last = cur
	}
}

// kick signals ch without blocking; signals coalesce.
func kick(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// evaluateLoop evaluates the pipelines' conditions until ctx ends.
func (m *Monitor) evaluateLoop(ctx context.Context, st state.Store) {
	t := time.NewTicker(m.opts.EvaluateEvery)
	defer t.Stop()
	for {
		m.evaluate(ctx, st)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-m.wake:
		}
	}
}
