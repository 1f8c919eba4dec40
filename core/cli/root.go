// Package cli is cxhub's command line: the cobra commands, their output
// (tables for people, -o json for scripts) and the wiring of config, state,
// plugin host and engine for each command.
//
// Every command that starts plugins stops them on every exit path,
// including SIGINT and SIGTERM, so no plugin process outlives cxhub.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/plugins"
	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/sdk"
	"github.com/spf13/cobra"
)

// Version is cxhub's version, set at build time with -ldflags.
var Version = "dev"

// options are the global flags.
type options struct {
	configPath string
	logLevel   string
	output     string
	stdout     io.Writer
	stderr     io.Writer
}

// app is what a command works with; parts are opened on first use and
// closed by close.
type app struct {
	opts  *options
	cfg   *config.Config
	host  *plugins.Host
	store *state.Store
	log   *slog.Logger
	// secrets are the config's secret values, known once specs are; log
	// lines from plugins may read them from other goroutines.
	secrets atomic.Pointer[[]string]
	// lock is the state file's lock, held by commands that change state.
	lock *os.File
}

// Main runs the command line with args and returns the process exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	var caught atomic.Value
	go func() {
		sig, ok := <-signals
		if !ok {
			return
		}
		caught.Store(sig)
		cancel(fmt.Errorf("%v signal received", sig))
		// A second signal kills at once (the default).
		signal.Reset(os.Interrupt, syscall.SIGTERM)
	}()
	defer func() {
		signal.Stop(signals)
		close(signals)
	}()
	opts := &options{stdout: stdout, stderr: stderr}
	a := &app{opts: opts}
	defer a.close()
	root := newRoot(a)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	if !errors.Is(err, errReported) {
		if rerr := a.reportConfigError(err); !errors.Is(rerr, errReported) {
			fmt.Fprintln(stderr, "error:", a.redact(err.Error()))
		}
	}
	if sig, ok := caught.Load().(syscall.Signal); ok {
		return 128 + int(sig) // the shell's convention: 130 for SIGINT, 143 for SIGTERM
	}
	return 1
}

// errReported is returned by a command that already printed its failure.
var errReported = errors.New("reported")

func newRoot(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:           "cxhub",
		Short:         "cxhub keeps customer data in sync across CRM, help desk, survey and order systems",
		Long:          "cxhub moves customer records and interaction events between systems through connector plugins,\nincrementally, with checkpoints, retries and dead letters, as configured in a YAML file.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
	}
	defaultConfig := os.Getenv("CXHUB_CONFIG")
	if defaultConfig == "" {
		defaultConfig = "cxhub.yaml"
	}
	f := root.PersistentFlags()
	f.StringVarP(&a.opts.configPath, "config", "c", defaultConfig, "the pipeline config file (env CXHUB_CONFIG)")
	f.StringVar(&a.opts.logLevel, "log-level", "", "log level: trace, debug, info, warn or error (default warn, or log.level in the config)")
	f.StringVarP(&a.opts.output, "output", "o", "text", "output format: text or json")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		switch strings.ToLower(a.opts.logLevel) {
		case "", "trace", "debug", "info", "warn", "error":
		default:
			return fmt.Errorf("--log-level: expected trace, debug, info, warn or error, got %q", a.opts.logLevel)
		}
		switch a.opts.output {
		case "text", "json":
		default:
			return fmt.Errorf("--output: expected text or json, got %q", a.opts.output)
		}
		return nil
	}
	pluginsCmd := newPluginsCmd(a)
	pluginsCmd.AddCommand(newPluginsLockCmd(a))
	root.AddCommand(
		newValidateCmd(a), pluginsCmd, newCheckCmd(a), newDiscoverCmd(a),
		newSyncCmd(a), newRunCmd(a), newRunsCmd(a), newDLQCmd(a), newStateCmd(a),
	)
	root.AddCommand(newConnectorCmd(a))
	return root
}

func (a *app) json() bool { return a.opts.output == "json" }

// logger is built once: the level comes from the flag, then the config.
func (a *app) logger() *slog.Logger {
	if a.log != nil {
		return a.log
	}
	level := a.opts.logLevel
	if level == "" && a.cfg != nil {
		level = a.cfg.LogLevel
	}
	var lvl slog.Level
	switch strings.ToLower(level) {
	case "trace", "debug":
		lvl = slog.LevelDebug
	case "info":
		lvl = slog.LevelInfo
	case "error":
		lvl = slog.LevelError
	default:
		lvl = slog.LevelWarn
	}
	if level != "" {
		os.Setenv(sdk.LogLevelEnv, strings.ToLower(level))
	}
	a.log = slog.New(slog.NewTextHandler(a.opts.stderr, &slog.HandlerOptions{Level: lvl, ReplaceAttr: a.redactAttr}))
	return a.log
}

// config loads the config file once.
func (a *app) config() (*config.Config, error) {
	if a.cfg != nil {
		return a.cfg, nil
	}
	cfg, err := config.Load(a.opts.configPath)
	if err != nil {
		return nil, err
	}
	a.cfg = cfg
	return cfg, nil
}

// plugins returns the plugin host for the config's plugins directory
// (default: "plugins" beside the cxhub binary).
func (a *app) plugins() (*plugins.Host, error) {
	if a.host != nil {
		return a.host, nil
	}
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	dir := cfg.PluginsDir
	if dir == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("find the plugins directory: %w", err)
		}
		dir = filepath.Join(filepath.Dir(exe), "plugins")
	}
	a.host = plugins.NewHost(dir, filepath.Dir(cfg.File), a.logger())
	a.host.UseLockfile(plugins.LockfilePath(cfg.File), relockCommand(cfg.File))
	return a.host, nil
}

// checkedConfig loads the config and validates it against the specs of
// the connectors its connections use; only those are started. Other
// installed connectors count only by name (for "unknown connector"
// suggestions).
func (a *app) checkedConfig(ctx context.Context) (*config.Config, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	host, err := a.plugins()
	if err != nil {
		return nil, err
	}
	bins, err := host.Installed()
	if err != nil {
		return nil, err
	}
	var used []string
	for _, c := range cfg.Connections {
		used = append(used, c.Connector)
	}
	// Every installed binary is checked against the plugin lockfile before
	// any starts: one refused binary stops the command before a plugin
	// runs. (One not installed is left to cfg.Check, which says where the
	// config names it.)
	refused := map[string]error{}
	for _, name := range used {
		if _, err := os.Stat(host.Path(name)); err != nil {
			continue
		}
		if err := host.Verify(name); err != nil {
			refused[name] = err
		}
	}
	if len(refused) > 0 {
		return nil, joinStartErrors(refused)
	}
	specs, failed := host.Specs(ctx, used)
	if len(failed) > 0 {
		return nil, joinStartErrors(failed)
	}
	for _, b := range bins {
		if _, ok := specs[b.Name]; !ok {
			specs[b.Name] = sdk.Spec{Name: b.Name} // installed, unused: its name is all Check needs
		}
	}
	secrets := cfg.Secrets(specs)
	a.secrets.Store(&secrets)
	if err := cfg.Check(specs); err != nil {
		return nil, err
	}
	return cfg, nil
}

// joinStartErrors joins the connectors' start errors in name order, each
// message once: a refusal that is not about one connector (a malformed
// plugin lockfile) is the same for all of them.
func joinStartErrors(failed map[string]error) error {
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

func (a *app) installedSpecs(ctx context.Context, host *plugins.Host) (map[string]sdk.Spec, map[string]error, error) {
	bins, err := host.Installed()
	if err != nil {
		return nil, nil, err
	}
	names := make([]string, len(bins))
	for i, b := range bins {
		names[i] = b.Name
	}
	specs, failed := host.Specs(ctx, names)
	return specs, failed, nil
}

// stateStore opens the state file once.
func (a *app) stateStore() (*state.Store, error) {
	if a.store != nil {
		return a.store, nil
	}
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	st, err := state.Open(cfg.StatePath)
	if err != nil {
		return nil, err
	}
	a.store = st
	return st, nil
}

// redact replaces the config's secret values in text.
func (a *app) redact(text string) string {
	secrets := a.secrets.Load()
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
func (a *app) redactAttr(_ []string, attr slog.Attr) slog.Attr {
	switch v := attr.Value; v.Kind() {
	case slog.KindString:
		attr.Value = slog.StringValue(a.redact(v.String()))
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			attr.Value = slog.StringValue(a.redact(x.Error()))
		case fmt.Stringer:
			attr.Value = slog.StringValue(a.redact(x.String()))
		}
	}
	return attr
}

func (a *app) close() {
	if a.host != nil {
		a.host.StopAll()
	}
	if a.store != nil {
		_ = a.store.Close()
	}
	if a.lock != nil {
		_ = a.lock.Close()
	}
}
