// Package hub is cxhub's runtime: the one place that wires a config file
// into a working hub — the config loaded and validated against its
// connectors' specs, plugin binaries verified against the lockfile,
// launched and reaped, the state backend opened (with its single-writer
// lock), secret values redacted from every log line and message — and the
// operations every front end needs: sync pipelines, deliver pushed records,
// replay or discard dead letters, check and discover connections, report
// status, and an event stream of everything that happens in a run.
//
// The CLI (core/cli), the server and the bench are thin front ends over a
// Hub: they parse their input, call a Hub method and print the outcome.
// A Hub builds its parts on first use, so a command that needs only the
// config never starts a plugin or opens the state.
package hub

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/engine"
	"github.com/cxhub/cxhub/core/plugins"
	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/core/state/sqlite"
	"github.com/cxhub/cxhub/sdk"
)

// Options configure a Hub.
type Options struct {
	// ConfigPath is the pipeline config file.
	ConfigPath string
	// LogLevel overrides the config's log.level: trace, debug, info, warn
	// or error ("" keeps the config's, default warn). Plugins get the same
	// level in their environment.
	LogLevel string
	// LogOutput receives the hub's and the plugins' log lines (redacted);
	// nil means os.Stderr.
	LogOutput io.Writer
	// PluginsDir, if set, overrides the config's plugins.dir. Without
	// either, plugins are looked for beside the running executable.
	PluginsDir string
}

// Hub is a running cxhub: a config with its plugins, state and operations.
// It is safe for concurrent use. Close it when done: that stops every
// plugin process it started and releases the state.
type Hub struct {
	opts Options

	mu      sync.Mutex
	cfg     *config.Config
	checked bool // cfg was validated against the connectors' specs
	host    *plugins.Host
	store   state.Store // the writer, once opened
	reader  state.Store // a read-only store, when no writer is open
	log     *slog.Logger

	// secrets are the config's secret values, known once specs are; log
	// lines from plugins may read them from other goroutines.
	secrets atomic.Pointer[[]string]

	webhooks webhookPlugins

	subsMu sync.RWMutex
	subs   map[int]func(engine.Event)
	nextID int
	stages []engine.Stage

	specs     map[string]sdk.Spec // by connector, once the config is checked
	customers customerIndex       // see customers.go
}

// New returns a Hub for opts; nothing is loaded or started yet.
func New(opts Options) *Hub {
	if opts.LogOutput == nil {
		opts.LogOutput = os.Stderr
	}
	return &Hub{opts: opts, subs: map[int]func(engine.Event){}}
}

// Config loads the config file once (without checking it against the
// connectors: see CheckedConfig).
func (h *Hub) Config() (*config.Config, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.configLocked()
}

func (h *Hub) configLocked() (*config.Config, error) {
	if h.cfg != nil {
		return h.cfg, nil
	}
	cfg, err := config.Load(h.opts.ConfigPath)
	if err != nil {
		return nil, err
	}
	h.cfg = cfg
	return cfg, nil
}

// Logger returns the hub's logger: its level from Options, then the
// config; secret values redacted from every message and attribute.
func (h *Hub) Logger() *slog.Logger {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.loggerLocked()
}

func (h *Hub) loggerLocked() *slog.Logger {
	if h.log != nil {
		return h.log
	}
	level := h.logLevelLocked()
	var lvl slog.Level
	switch level {
	case "trace", "debug":
		lvl = slog.LevelDebug
	case "info":
		lvl = slog.LevelInfo
	case "error":
		lvl = slog.LevelError
	default:
		lvl = slog.LevelWarn
	}
	h.log = slog.New(slog.NewTextHandler(h.opts.LogOutput, &slog.HandlerOptions{Level: lvl, ReplaceAttr: h.redactAttr}))
	return h.log
}

// logLevelLocked is the level asked for: Options, then the config ("" if
// neither says).
func (h *Hub) logLevelLocked() string {
	level := h.opts.LogLevel
	if level == "" && h.cfg != nil {
		level = h.cfg.LogLevel
	}
	return strings.ToLower(level)
}

// Plugins returns the plugin host for the config's plugins directory
// (default: "plugins" beside the cxhub executable), checking binaries
// against the lockfile beside the config.
func (h *Hub) Plugins() (*plugins.Host, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.pluginsLocked()
}

func (h *Hub) pluginsLocked() (*plugins.Host, error) {
	if h.host != nil {
		return h.host, nil
	}
	cfg, err := h.configLocked()
	if err != nil {
		return nil, err
	}
	dir := h.opts.PluginsDir
	if dir == "" {
		dir = cfg.PluginsDir
	}
	if dir == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("find the plugins directory: %w", err)
		}
		dir = filepath.Join(filepath.Dir(exe), "plugins")
	}
	h.host = plugins.NewHost(dir, filepath.Dir(cfg.File), h.loggerLocked())
	h.host.SetLogLevel(h.logLevelLocked())
	h.host.UseLockfile(plugins.LockfilePath(cfg.File), RelockCommand(cfg.File))
	return h.host, nil
}

// RelockCommand is the command that records the current connector
// binaries in the lockfile of the config at configPath, as a shell would
// take it.
func RelockCommand(configPath string) string {
	return "cxhub -c " + shellQuote(configPath) + " plugins lock"
}

// shellQuote quotes s for a POSIX shell if it needs it.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@%+=,", r))
	}) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Store opens the state for writing, once: the hub is then the state's only
// writer until Close (a second one is refused with state.ErrLocked).
func (h *Hub) Store() (state.Store, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.store != nil {
		return h.store, nil
	}
	cfg, err := h.configLocked()
	if err != nil {
		return nil, err
	}
	st, err := openStore(cfg.State, false)
	if err != nil {
		return nil, err
	}
	if h.reader != nil {
		_ = h.reader.Close()
		h.reader = nil
	}
	h.store = st
	return st, nil
}

// ReadStore returns a store for reading: the hub's writer if it has one
// open, otherwise a read-only store that works while another process
// writes the state.
func (h *Hub) ReadStore() (state.Store, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.store != nil {
		return h.store, nil
	}
	if h.reader != nil {
		return h.reader, nil
	}
	cfg, err := h.configLocked()
	if err != nil {
		return nil, err
	}
	st, err := openStore(cfg.State, true)
	if err != nil {
		return nil, err
	}
	h.reader = st
	return st, nil
}

// openStore opens the backend the config names.
func openStore(c config.State, readOnly bool) (state.Store, error) {
	switch c.Driver {
	case "", "sqlite":
		if readOnly {
			return sqlite.OpenReadOnly(c.Path)
		}
		return sqlite.Open(c.Path)
	case "postgres":
		return openPostgres(c, readOnly)
	default:
		return nil, fmt.Errorf("state: unknown driver %q", c.Driver)
	}
}

// Close stops every plugin process the hub started and waits for them,
// then releases the state. It is idempotent.
func (h *Hub) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.host != nil {
		h.host.StopAll()
	}
	errs := []error{h.customers.close()}
	for _, st := range []*state.Store{&h.store, &h.reader} {
		if *st != nil {
			errs = append(errs, (*st).Close())
			*st = nil
		}
	}
	return errors.Join(errs...)
}

// Subscribe calls fn with every event of every run the hub does, until the
// returned cancel is called. fn is called from the runs' goroutines: it
// must be quick and safe for concurrent use.
func (h *Hub) Subscribe(fn func(engine.Event)) (cancel func()) {
	h.subsMu.Lock()
	defer h.subsMu.Unlock()
	id := h.nextID
	h.nextID++
	h.subs[id] = fn
	return func() {
		h.subsMu.Lock()
		defer h.subsMu.Unlock()
		delete(h.subs, id)
	}
}

// publish hands an event to every subscriber.
func (h *Hub) publish(e engine.Event) {
	h.subsMu.RLock()
	defer h.subsMu.RUnlock()
	for _, fn := range h.subs {
		fn(e)
	}
}

// AddStage adds a stage that every pipeline run by this hub passes its
// batches through, between map/filter and write (see engine.Stage).
func (h *Hub) AddStage(s engine.Stage) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stages = append(h.stages, s)
}

// Redact replaces the config's secret values in text.
func (h *Hub) Redact(text string) string {
	secrets := h.secrets.Load()
	if secrets == nil {
		return text
	}
	for _, s := range *secrets {
		text = strings.ReplaceAll(text, s, "[redacted]")
	}
	return text
}

// redactAttr is the log handler's ReplaceAttr: it removes secret values
// from the message and from every string or error attribute, the lines
// plugins log included.
func (h *Hub) redactAttr(_ []string, attr slog.Attr) slog.Attr {
	switch v := attr.Value; v.Kind() {
	case slog.KindString:
		attr.Value = slog.StringValue(h.Redact(v.String()))
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			attr.Value = slog.StringValue(h.Redact(x.Error()))
		case fmt.Stringer:
			attr.Value = slog.StringValue(h.Redact(x.String()))
		}
	}
	return attr
}
