// Package cli is cxhub's command line: the cobra commands and their output
// (tables for people, -o json for scripts). It is a thin front end: every
// command parses its flags, calls the hub runtime (core/hub), which owns
// the config, plugins, state and redaction, and prints the outcome.
//
// Every command that starts plugins stops them on every exit path (the hub
// is closed), including SIGINT and SIGTERM, so no plugin process outlives
// cxhub.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/cxhub/cxhub/core/hub"
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
	wide       bool
	stdout     io.Writer
	stderr     io.Writer
}

// app is what a command works with: its flags and the hub, built on first
// use from them and closed when the command ends.
type app struct {
	opts *options
	hub  *hub.Hub
}

// h returns the hub for the command's flags.
func (a *app) h() *hub.Hub {
	if a.hub == nil {
		a.hub = hub.New(hub.Options{ConfigPath: a.opts.configPath, LogLevel: strings.ToLower(a.opts.logLevel), LogOutput: a.opts.stderr})
	}
	return a.hub
}

func (a *app) redact(text string) string { return a.h().Redact(text) }

func (a *app) logger() *slog.Logger { return a.h().Logger() }

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
	root.SetVersionTemplate(fmt.Sprintf("cxhub {{.Version}} (connector protocol %d)\n", sdk.ProtocolVersion))
	f := root.PersistentFlags()
	f.StringVarP(&a.opts.configPath, "config", "c", defaultConfig, "the pipeline config file (env CXHUB_CONFIG)")
	f.StringVar(&a.opts.logLevel, "log-level", "", "log level: trace, debug, info, warn or error (default warn, or log.level in the config)")
	f.StringVarP(&a.opts.output, "output", "o", "text", "output format: text or json")
	f.BoolVarP(&a.opts.wide, "wide", "w", false, "tables show long cells (errors, checkpoints, keys) whole instead of cut")
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
		newSyncCmd(a), newRunCmd(a), newServeCmd(a), newRunsCmd(a), newDLQCmd(a), newStateCmd(a),
		newCustomersCmd(a), newPauseCmd(a, true), newPauseCmd(a, false),
	)
	root.AddCommand(newConnectorCmd(a))
	root.AddCommand(newConflictsCmd(a))
	root.AddCommand(&cobra.Command{
		Use:   "version",
		Short: "Print cxhub's version and its connector protocol version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			if a.json() {
				_ = printJSON(a.opts.stdout, map[string]any{"version": Version, "protocol": sdk.ProtocolVersion})
				return
			}
			fmt.Fprintf(a.opts.stdout, "cxhub %s (connector protocol %d)\n", Version, sdk.ProtocolVersion)
		},
	})
	return root
}

func (a *app) json() bool { return a.opts.output == "json" }

func (a *app) close() {
	if a.hub != nil {
		if err := a.hub.Close(); err != nil {
			fmt.Fprintln(a.opts.stderr, "error:", err)
		}
	}
}
