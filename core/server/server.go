// Package server is `cxhub serve`: the hub as a service. It runs every
// pipeline on its schedule (intervals and cron expressions, with jitter,
// never two runs of one pipeline at once), takes signed vendor webhooks
// into the durable inbox and on to the destinations in near real time,
// and serves the HTTP API (/api/v1, described by /openapi.json), health
// endpoints and Prometheus metrics on one listener.
//
// It is a front end of the hub runtime (core/hub), like the CLI: the hub
// owns the config, plugins, state and redaction; the server owns the
// listener, the per-pipeline workers and the schedules. Monitoring (checks
// and alerts) and metrics plug in through the Monitor and Metrics options.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/engine"
	"github.com/cxhub/cxhub/core/hub"
	"github.com/cxhub/cxhub/core/metrics"
	"github.com/cxhub/cxhub/core/monitor"
)

// Options wire optional parts into a Server.
type Options struct {
	// Monitor, if set, runs connection checks and alerts; the API shows
	// its connection health and the server reports hung plugins to it.
	Monitor Monitor
	// Metrics, if set, serves /metrics and is told of webhook deliveries.
	Metrics Metrics
	// Listener, if set, is used instead of listening on server.listen (tests).
	Listener net.Listener
	// NoListen runs the schedules and workers without the HTTP listener
	// (`cxhub run`).
	NoListen bool
	// Only, if set, limits the server to these pipelines.
	Only []string
	// ShutdownGrace bounds how long running batches may take to commit after
	// a stop is asked for, before plugins are killed; default 7s, so that
	// the process exits within 10s even with a hung plugin.
	ShutdownGrace time.Duration
	// InboxRetention is how long webhook inbox entries are kept at least,
	// to recognise redeliveries (see inbox_prune.go); default
	// DefaultInboxRetention.
	InboxRetention time.Duration
	// InboxPruneEvery is how often the inbox is pruned; default
	// DefaultInboxPruneEvery.
	InboxPruneEvery time.Duration
}

// Monitor is what the server needs of the monitor (core/monitor).
type Monitor interface {
	Run(ctx context.Context) error
	Reload(cfg *config.Config)
	// Connections returns each connection's health for the API.
	Connections() []monitor.ConnectionHealth
	PluginHung(pipeline, detail string)
	// InboxHeld fires the pipeline's inbox_retention_held alert when since
	// (when the oldest inbox entry it has still to take was received) is
	// set, and resolves it when since is zero.
	InboxHeld(ctx context.Context, pipeline string, since time.Time, retention time.Duration)
	// DeadLettersChanged asks for the pipelines' conditions to be evaluated
	// soon, without waiting: dead letters were discarded or replayed, so
	// a pipeline_dead_letters alert may resolve. It must not block.
	DeadLettersChanged()
}

// Metrics is what the server needs of the metrics (core/metrics).
type Metrics interface {
	Handler() http.Handler
	WebhookDelivery(connection, outcome string)
	ObserveWebhookLatency(pipeline string, seconds float64)
	PluginHung(pipeline string)
	// InboxHeldBack sets whether the pipeline holds back the inbox pruning.
	InboxHeldBack(pipeline string, held bool)
	Reload(cfg *config.Config)
	// ReloadRefused records a reload refused (the config in force stays).
	ReloadRefused()
	Close()
}

// Server is a running `cxhub serve`.
type Server struct {
	hub  *hub.Hub
	opts Options
	log  *slog.Logger

	mu      sync.Mutex
	cfg     *config.Config
	workers map[string]*worker
	ready   bool

	wg       sync.WaitGroup // the workers
	runCtx   context.Context
	listener net.Listener
	keeper   *keeper // this worker's leases on pipelines (leases.go)
}

// New returns a server over h; Run starts it. Unless NoListen is set or
// Options give their own, the server runs the monitor (core/monitor:
// connection checks, alerts, receivers) and serves metrics (core/metrics).
func New(h *hub.Hub, opts Options) *Server {
	if opts.ShutdownGrace == 0 {
		opts.ShutdownGrace = 7 * time.Second
	}
	if opts.InboxRetention == 0 {
		opts.InboxRetention = DefaultInboxRetention
	}
	if opts.InboxPruneEvery == 0 {
		opts.InboxPruneEvery = DefaultInboxPruneEvery
	}
	s := &Server{hub: h, log: h.Logger(), workers: map[string]*worker{}}
	if !opts.NoListen {
		if opts.Monitor == nil {
			opts.Monitor = monitor.New(h, monitor.Options{Notifies: s.notifies})
		}
		if opts.Metrics == nil {
			opts.Metrics = metrics.New(h)
		}
	}
	s.opts = opts
	return s
}

// Addr returns the address the server listens on, once Run has started.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener == nil {
		return ""
	}
	return s.listener.Addr().String()
}

// Run serves until ctx ends: it validates the config, opens the state
// (refused if another process writes it), starts a worker per pipeline and
// the listener, and on the end of ctx stops accepting requests, lets
// running batches commit for up to ShutdownGrace, then stops every plugin.
func (s *Server) Run(ctx context.Context) error {
	runner, err := s.hub.Runner(ctx) // checks the config and opens the state before anything listens
	if err != nil {
		return err
	}
	cfg := runner.Config
	ln := s.opts.Listener
	if ln == nil && !s.opts.NoListen {
		if ln, err = net.Listen("tcp", cfg.Server.Listen); err != nil {
			return fmt.Errorf("%s: server.listen: %w", cfg.File, err) // the error names the address
		}
	}
	if ln != nil && cfg.Server.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.Server.CertFile, cfg.Server.KeyFile)
		if err != nil {
			ln.Close()
			return fmt.Errorf("%s: server.cert_file: load the TLS certificate and key: %w", cfg.File, err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	addr := ""
	if ln != nil {
		addr = ln.Addr().String()
	}
	k := newKeeper(s, addr, cfg.Server.LeaseTTL)
	if err := k.join(ctx); err != nil {
		if ln != nil {
			ln.Close()
		}
		return err
	}
	s.mu.Lock()
	s.cfg, s.runCtx, s.listener, s.keeper = cfg, workCtx, ln, k
	s.mu.Unlock()
	s.reconcile(cfg)
	k.tick(workCtx) // this worker's share of the pipelines, before it is ready
	keeperDone := make(chan struct{})
	go func() { defer close(keeperDone); k.run(workCtx) }()
	defer func() { <-keeperDone; k.leave() }() // after the workers stopped: their leases go at once

	// A hung plugin is alerted on and counted.
	defer s.hub.Subscribe(func(e engine.Event) {
		if e.Kind != engine.EventPluginHang {
			return
		}
		if s.opts.Monitor != nil {
			go s.opts.Monitor.PluginHung(e.Pipeline, e.Err.Error())
		}
		if s.opts.Metrics != nil {
			s.opts.Metrics.PluginHung(e.Pipeline)
		}
	})()
	if s.opts.Metrics != nil {
		defer s.opts.Metrics.Close()
	}
	pruneDone := make(chan struct{})
	go func() { defer close(pruneDone); s.pruneInboxLoop(workCtx) }()
	defer func() { stopWork(); <-pruneDone }()
	var monitorDone chan error
	if s.opts.Monitor != nil {
		monitorDone = make(chan error, 1)
		go func() { monitorDone <- s.opts.Monitor.Run(workCtx) }()
	}

	httpSrv := &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute, // a replay answers when it is done
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	if ln != nil {
		go func() { served <- httpSrv.Serve(ln) }()
		s.log.Warn("cxhub serve: listening", "addr", ln.Addr().String(), "tls", cfg.Server.CertFile != "", "pipelines", len(cfg.Pipelines))
	}
	s.mu.Lock()
	s.ready = true
	s.mu.Unlock()

	select {
	case <-ctx.Done():
	case err = <-served:
		if !errors.Is(err, http.ErrServerClosed) {
			err = fmt.Errorf("serve: %w", err)
		}
	}
	s.mu.Lock()
	s.ready = false
	s.mu.Unlock()
	s.log.Warn(s.command()+": stopping", "cause", context.Cause(ctx))

	// Stop taking requests (a webhook being stored finishes), then stop
	// the workers: running batches commit, no new run starts.
	shutCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	_ = httpSrv.Shutdown(shutCtx)
	cancel()
	stopWork()
	if !waitTimeout(&s.wg, s.opts.ShutdownGrace) {
		s.log.Warn(s.command() + ": runs did not stop in time; stopping their plugins")
	}
	if monitorDone != nil {
		select {
		case <-monitorDone:
		case <-time.After(time.Second):
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// waitTimeout waits for wg at most d; it reports whether wg finished.
func waitTimeout(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// Reload reads the config again (on SIGHUP). A config that does not
// validate is refused, logged and returned, and the old one keeps running;
// a valid one takes effect at once: pipelines added start, removed ones
// stop, changed ones restart with their new settings.
func (s *Server) Reload(ctx context.Context) error {
	cfg, err := s.hub.Reload(ctx)
	if err != nil {
		s.log.Error("config reload refused: the running config stays", "error", err)
		if s.opts.Metrics != nil {
			s.opts.Metrics.ReloadRefused()
		}
		return err
	}
	s.reconcile(cfg)
	if k := s.leaseKeeper(); k != nil {
		k.tick(ctx) // leases of new pipelines now, not at the next renewal
	}
	if s.opts.Monitor != nil {
		s.opts.Monitor.Reload(cfg)
	}
	if s.opts.Metrics != nil {
		s.opts.Metrics.Reload(cfg)
	}
	s.log.Warn("config reloaded", "file", cfg.File, "pipelines", len(cfg.Pipelines))
	return nil
}

// deadLettersChanged tells the monitor, if any, that dead letters were
// discarded or replayed.
func (s *Server) deadLettersChanged() {
	if s.opts.Monitor != nil {
		s.opts.Monitor.DeadLettersChanged()
	}
}

// config returns the config in force.
func (s *Server) config() *config.Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg
}

// command names the front end in log lines: `cxhub run` is the server
// without its listener.
func (s *Server) command() string {
	if s.opts.NoListen {
		return "cxhub run"
	}
	return "cxhub serve"
}

// notifies reports whether this worker sends the alerts' notifications:
// see keeper.notifier. Before the server runs, it does.
func (s *Server) notifies() bool {
	s.mu.Lock()
	k := s.keeper
	s.mu.Unlock()
	return k == nil || k.notifier()
}
