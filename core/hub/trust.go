package hub

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sort"
	"syscall"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/identity"
	"github.com/cxhub/cxhub/sdk"
)

// CheckedConfig loads the config and validates it against the specs of the
// connectors its connections use — the trust sequence, in this order:
//
//  1. every connector binary the config uses is verified against the plugin
//     lockfile before any of them starts (one refused binary stops it all);
//  2. the used connectors are started once each, side by side, for their
//     specs, and stopped;
//  3. the specs say which config values are secrets: from now on they are
//     redacted from every log line, message and stored error;
//  4. the config is checked against the specs (config.Check).
//
// Installed connectors the config does not use count only by name (for
// "unknown connector" suggestions). The result is kept: later calls return
// it at once.
func (h *Hub) CheckedConfig(ctx context.Context) (*config.Config, error) {
	h.mu.Lock()
	if h.checked {
		cfg := h.cfg
		h.mu.Unlock()
		return cfg, nil
	}
	h.mu.Unlock()
	cfg, err := h.Config()
	if err != nil {
		return nil, err
	}
	if err := h.check(ctx, cfg); err != nil {
		return nil, err
	}
	h.mu.Lock()
	h.checked = true
	h.mu.Unlock()
	return cfg, nil
}

// check runs the trust sequence for cfg and, if it passes, makes cfg's
// secrets the ones redacted.
func (h *Hub) check(ctx context.Context, cfg *config.Config) error {
	host, err := h.Plugins()
	if err != nil {
		return err
	}
	bins, err := host.Installed()
	if err != nil {
		return h.pluginsDirError(cfg, host.Dir(), err)
	}
	var used []string
	for _, c := range cfg.Connections {
		if !c.Builtin {
			used = append(used, c.Connector)
		}
	}
	refused := map[string]error{}
	for _, name := range used {
		if _, err := os.Stat(host.Path(name)); err != nil {
			continue // not installed: cfg.Check says where the config names it
		}
		if err := host.Verify(name); err != nil {
			refused[name] = err
		}
	}
	if len(refused) > 0 {
		return JoinStartErrors(refused)
	}
	specs, failed := host.Specs(ctx, used)
	if len(failed) > 0 {
		return JoinStartErrors(failed)
	}
	for _, b := range bins {
		if _, ok := specs[b.Name]; !ok {
			specs[b.Name] = sdk.Spec{Name: b.Name} // installed, unused: its name is all Check needs
		}
	}
	specs[config.ProfilesConnector] = identity.Destination{}.Spec()
	secrets := cfg.Secrets(specs)
	if old := h.secrets.Load(); old != nil {
		secrets = append(secrets, *old...) // a reload keeps redacting the old values too
	}
	h.secrets.Store(&secrets)
	if err := checkWithSpecs(cfg, specs); err != nil {
		return err
	}
	h.mu.Lock()
	h.specs = specs
	h.mu.Unlock()
	return nil
}

// checkWithSpecs runs config.Check and the checks of what the hub adds to
// a config: the customers section's rules (package identity) and the
// sources of pipelines to the profile store, which must be customer or
// interaction data. Every problem found is in the one Errors, by line.
func checkWithSpecs(cfg *config.Config, specs map[string]sdk.Spec) error {
	var all config.Errors
	for _, err := range []error{cfg.Check(specs), parseRulesError(cfg)} {
		var errs config.Errors
		if errors.As(err, &errs) {
			all = append(all, errs...)
		} else if err != nil {
			return err
		}
	}
	if len(all) == 0 { // the profile store's sources are known only once their connectors are
		all = profileSourceErrors(cfg, catalogOf(cfg, specs))
	}
	if len(all) == 0 {
		return nil
	}
	slices.SortStableFunc(all, func(a, b *config.Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return all
}

// parseRulesError is the error of parsing cfg's customers section, if any.
func parseRulesError(cfg *config.Config) error {
	_, err := identity.ParseRules(cfg.Customers, cfg.File)
	return err
}

// restartOnly is a setting read once, when serve starts: a reload that
// changes it is refused.
type restartOnly struct {
	key  string
	what func(*config.Config) string
}

// restartOnlySettings are the settings besides the state that a reload
// cannot change: the plugins directory is read once, serve makes its
// listener and loads its TLS certificate once, and its lease keeper takes
// the ttl once.
var restartOnlySettings = []restartOnly{
	{"plugins.dir", func(c *config.Config) string { return c.PluginsDir }},
	{"server.listen", func(c *config.Config) string { return c.Server.Listen }},
	{"server.cert_file", func(c *config.Config) string { return c.Server.CertFile }},
	{"server.key_file", func(c *config.Config) string { return c.Server.KeyFile }},
	{"server.lease.ttl", func(c *config.Config) string { return c.Server.LeaseTTL.String() }},
}

// restartNeeded says which restart-only setting next changes from old, as
// an error naming the file and key, or nil if none does.
func restartNeeded(old, next *config.Config) error {
	if next.State != old.State {
		return &config.Error{File: next.File, Key: "state", Msg: fmt.Sprintf("the state section changed (%s %s → %s %s): that needs a restart",
			old.State.Driver, old.State.Path, next.State.Driver, next.State.Path)}
	}
	for _, s := range restartOnlySettings {
		if a, b := s.what(old), s.what(next); a != b {
			return &config.Error{File: next.File, Key: s.key, Msg: fmt.Sprintf("changed (%s → %s): that needs a restart", orNone(a), orNone(b))}
		}
	}
	return nil
}

// orNone is s, or "none" if it is empty.
func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// Reload reads the config file again and, if it is valid (the whole trust
// sequence of CheckedConfig), makes it the hub's config; if it is not, the
// hub keeps the config it had and the error says why. The state, the
// plugins directory, server.listen, the TLS files and the lease ttl cannot
// change without a restart (restartOnlySettings).
func (h *Hub) Reload(ctx context.Context) (*config.Config, error) {
	old, err := h.CheckedConfig(ctx)
	if err != nil {
		return nil, err
	}
	next, err := config.Load(h.opts.ConfigPath)
	if err != nil {
		return nil, err
	}
	if err := restartNeeded(old, next); err != nil {
		return nil, err
	}
	if err := h.check(ctx, next); err != nil {
		return nil, err
	}
	rules, err := identity.ParseRules(next.Customers, next.File)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	h.cfg = next
	h.mu.Unlock()
	// The customer index follows: its rules, streams and map fields.
	if err := h.reloadCustomers(ctx, next, rules); err != nil {
		return nil, fmt.Errorf("reload %s: the customer index: %w", next.File, err)
	}
	return next, nil
}

// InstalledSpecs starts every installed connector once for its spec; one
// that fails to start (or is refused by the lockfile) is in failed, with
// why.
func (h *Hub) InstalledSpecs(ctx context.Context) (specs map[string]sdk.Spec, failed map[string]error, err error) {
	host, err := h.Plugins()
	if err != nil {
		return nil, nil, err
	}
	bins, err := host.Installed()
	if err != nil {
		cfg, cerr := h.Config()
		if cerr != nil {
			return nil, nil, err
		}
		return nil, nil, h.pluginsDirError(cfg, host.Dir(), err)
	}
	names := make([]string, len(bins))
	for i, b := range bins {
		names[i] = b.Name
	}
	specs, failed = host.Specs(ctx, names)
	return specs, failed, nil
}

// JoinStartErrors joins connectors' start errors in name order, each
// message once: a refusal that is not about one connector (a malformed
// plugin lockfile) is the same for all of them.
func JoinStartErrors(failed map[string]error) error {
	names := make([]string, 0, len(failed))
	for n := range failed {
		names = append(names, n)
	}
	sort.Strings(names)
	seen := map[string]bool{}
	var errs []error
	for _, n := range names {
		if msg := failed[n].Error(); !seen[msg] {
			seen[msg] = true
			errs = append(errs, failed[n])
		}
	}
	return errors.Join(errs...)
}

// pluginsDirError says why the plugins directory dir cannot be listed,
// where its path came from, and what to do.
func (h *Hub) pluginsDirError(cfg *config.Config, dir string, err error) error {
	var from string
	switch {
	case h.opts.PluginsDir != "":
		from = "given on the command line"
	case cfg.PluginsDirAt != "":
		from = "plugins.dir, " + cfg.PluginsDirAt
	default:
		from = "the default, plugins/ beside the cxhub binary, as " + cfg.File + " sets no plugins.dir"
	}
	what := "cannot be read"
	switch {
	case errors.Is(err, fs.ErrNotExist):
		what = "does not exist"
	case errors.Is(err, syscall.ENOTDIR):
		what = "is not a directory"
	}
	return fmt.Errorf("the plugins directory %s (%s) %s: build the connectors into it (make build does, into bin/plugins), or set plugins.dir to the directory that has them: %w",
		dir, from, what, err)
}
