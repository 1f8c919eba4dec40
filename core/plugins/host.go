// Package plugins finds connector binaries and runs them as plugin
// processes for the core.
//
// A connector named "hubspot" is the executable cxhub-connector-hubspot in
// the plugins directory. Every process the Host starts is tracked until it
// is stopped, so that StopAll, called on every exit path of the CLI, leaves
// no orphan behind.
//
// A Host given a lockfile (UseLockfile) starts only the binaries the
// lockfile records, byte for byte (SHA-256), and runs exactly the bytes it
// checked: sdk/host copies a locked binary into a private directory,
// hashing it as it copies, and runs the copy, so a binary swapped after the
// check never runs. Fingerprint measures a binary for a new lockfile;
// Lockfile, ReadLockfile and WriteLockfile are the file itself.
//
// The wire protocol lives in package sdk/host (host.Launch, which also gives
// plugins a minimal environment and mutual TLS); this package is about
// which binaries may run and how long they live, not about what they say.
package plugins

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/host"
)

// BinaryPrefix starts the file name of every connector binary.
const BinaryPrefix = "cxhub-connector-"

// Host starts connector processes from one directory and tracks them.
type Host struct {
	dir     string
	workDir string
	logger  *slog.Logger

	mu      sync.Mutex
	running map[*host.Plugin]struct{}
	closed  bool // StopAll ran: the hub is closing, nothing more starts

	// trust is set by UseLockfile before the first start.
	trust trust
	// logLevel, if set, is passed to every plugin in its environment.
	logLevel string
	// misnamed holds the connectors already warned of for a spec that
	// names another connector than their binary (under mu).
	misnamed map[string]bool
}

// NewHost returns a host for the binaries in dir. Plugins run in workDir
// (the config file's directory) and log through logger.
func NewHost(dir, workDir string, logger *slog.Logger) *Host {
	if logger == nil {
		logger = slog.Default()
	}
	return &Host{dir: dir, workDir: workDir, logger: logger, running: map[*host.Plugin]struct{}{}}
}

// SetLogLevel sets the log level every plugin started from now on gets in
// its environment (sdk.LogLevelEnv); "" leaves the plugins' default. The
// host's own environment is not changed.
func (h *Host) SetLogLevel(level string) { h.logLevel = level }

// Dir returns the plugins directory.
func (h *Host) Dir() string { return h.dir }

// Binary is an installed connector binary.
type Binary struct {
	Name string // the connector name, as written in `connector:`
	Path string
}

// Installed lists the connector binaries in the plugins directory, by name.
func (h *Host) Installed() ([]Binary, error) {
	entries, err := os.ReadDir(h.dir)
	if err != nil {
		return nil, fmt.Errorf("list plugins in %s: %w", h.dir, err)
	}
	var out []Binary
	for _, e := range entries {
		name, ok := strings.CutPrefix(e.Name(), BinaryPrefix)
		if !ok || name == "" || e.IsDir() {
			continue
		}
		info, err := e.Info()
		if err != nil || info.Mode()&0o111 == 0 {
			continue
		}
		out = append(out, Binary{Name: name, Path: filepath.Join(h.dir, e.Name())})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Path returns where the binary of connector name would be.
func (h *Host) Path(name string) string { return filepath.Join(h.dir, BinaryPrefix+name) }

// Start launches the connector's binary and tracks the process until Stop.
// With a lockfile (UseLockfile), a binary the lockfile does not record as
// it is now is refused, with a config error, before it runs.
func (h *Host) Start(ctx context.Context, connector string) (*host.Plugin, error) {
	path, err := h.installed(connector)
	if err != nil {
		return nil, err
	}
	want, err := h.locked(connector, path)
	if err != nil {
		return nil, err
	}
	p, err := h.launch(ctx, connector, path, want)
	var changed *host.ChecksumError
	if errors.As(err, &changed) {
		return nil, h.refusal(&MismatchError{Connector: connector, Binary: path, Lockfile: h.trust.path,
			Locked: hex.EncodeToString(changed.Want), Found: hex.EncodeToString(changed.Got)})
	}
	return p, err
}

// launch starts the binary at path and tracks the process. With sum set,
// host.Launch runs the binary only if it has that SHA-256, and then from a
// private copy of the very bytes it checked.
func (h *Host) launch(ctx context.Context, connector, path string, sum []byte) (*host.Plugin, error) {
	var env []string // nil: the SDK's minimal environment
	if h.logLevel != "" {
		env = append(host.MinimalEnv(), sdk.LogLevelEnv+"="+h.logLevel)
	}
	p, err := host.Launch(ctx, host.Options{
		Env:    env,
		Path:   path,
		Dir:    h.workDir,
		Logger: h.logger.With("connector", connector),
		SHA256: sum,
	})
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	if h.closed { // StopAll ran while it started: it must not outlive the hub
		h.mu.Unlock()
		kill(p)
		return nil, fmt.Errorf("start connector %q: the hub is closing", connector)
	}
	h.running[p] = struct{}{}
	warn := p.Spec().Name != connector && !h.misnamed[connector]
	if warn {
		if h.misnamed == nil {
			h.misnamed = map[string]bool{}
		}
		h.misnamed[connector] = true
	}
	h.mu.Unlock()
	if warn {
		// The config and the binary say one name, the connector's messages
		// another: an admin would look for the wrong connector.
		h.logger.Warn("connector binary names another connector in its spec: its errors will say "+p.Spec().Name+
			"; rename the binary "+BinaryPrefix+p.Spec().Name+", or make Spec.Name "+connector,
			"connector", connector, "spec_name", p.Spec().Name, "binary", path)
	}
	return p, nil
}

// installed returns the path of the connector's binary, or a config error
// if there is none.
func (h *Host) installed(connector string) (string, error) {
	path := h.Path(connector)
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", sdk.ConfigError(fmt.Errorf("connector %q is not installed: no %s in %s", connector, BinaryPrefix+connector, h.dir))
		}
		return "", fmt.Errorf("start connector %q: %w", connector, err)
	}
	return path, nil
}

// Stop kills one plugin process and waits for it.
func (h *Host) Stop(p *host.Plugin) {
	h.mu.Lock()
	delete(h.running, p)
	h.mu.Unlock()
	kill(p)
}

// killGrace is how long a plugin gets to exit gracefully on Stop before
// it is killed by force.
const killGrace = 2 * time.Second

// kill stops a plugin process, by force if it does not end gracefully in
// killGrace: go-plugin's graceful shutdown is a call to the plugin that a
// hung or stopped (SIGSTOP) process never answers, which would hang the
// host with it. SIGKILL ends even a stopped process.
func kill(p *host.Plugin) {
	done := make(chan struct{})
	pid := p.Pid()
	go func() {
		p.Kill()
		close(done)
	}()
	select {
	case <-done:
		return
	case <-time.After(killGrace):
	}
	if pid > 0 && pid != os.Getpid() {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	select {
	case <-done:
	case <-time.After(killGrace):
		// The process is gone; go-plugin's bookkeeping can finish alone.
	}
}

// StopAll kills every plugin process still running and waits for them;
// a start under way or later is refused (its process killed): the hub is
// closing.
func (h *Host) StopAll() {
	h.mu.Lock()
	h.closed = true
	all := make([]*host.Plugin, 0, len(h.running))
	for p := range h.running {
		all = append(all, p)
	}
	h.running = map[*host.Plugin]struct{}{}
	h.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range all {
		wg.Add(1)
		go func() { defer wg.Done(); kill(p) }()
	}
	wg.Wait()
}

// Specs starts each named connector once, side by side, reads its spec
// and stops it. A connector that is not installed is in neither map; one
// that fails to start is in failed, with why.
func (h *Host) Specs(ctx context.Context, names []string) (specs map[string]sdk.Spec, failed map[string]error) {
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	specs, failed = map[string]sdk.Spec{}, map[string]error{}
	seen := map[string]bool{}
	for _, name := range names {
		if seen[name] {
			continue
		}
		seen[name] = true
		if _, err := os.Stat(h.Path(name)); errors.Is(err, os.ErrNotExist) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := h.Start(ctx, name)
			if err == nil {
				h.Stop(p)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed[name] = err
				return
			}
			specs[name] = p.Spec()
		}()
	}
	wg.Wait()
	return specs, failed
}
