package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/hub"
	"github.com/cxhub/cxhub/core/plugins"
	"github.com/cxhub/cxhub/sdk"
	"github.com/spf13/cobra"
)

func newValidateCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "validate",
		Short: "Check the config file and each connection's settings against its connector",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				// The usual intent: validate that file.
				return fmt.Errorf("validate takes no arguments: it checks the config file given with -c; to check %s, run: %s",
					args[0], cxhubCommand(args[0], "validate"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.h().CheckedConfig(cmd.Context())
			if err != nil {
				return a.reportConfigError(err)
			}
			conns := configuredConnections(cfg)
			if a.json() {
				return printJSON(a.opts.stdout, map[string]any{"valid": true, "file": cfg.File,
					"connections": conns, "pipelines": len(cfg.Pipelines)})
			}
			fmt.Fprintf(a.opts.stdout, "%s is valid: %d connections, %d pipelines\n", cfg.File, conns, len(cfg.Pipelines))
			return nil
		},
	}
}

// configuredConnections counts the connections the file defines, leaving
// out the built-in ones (the profile store of `to: {profiles: true}`).
func configuredConnections(cfg *config.Config) int {
	n := 0
	for _, c := range cfg.Connections {
		if !c.Builtin {
			n++
		}
	}
	return n
}

// reportConfigError prints config errors (one per line, or as JSON) and
// returns errReported; other errors pass through.
func (a *app) reportConfigError(err error) error {
	var errs config.Errors
	var one *config.Error
	switch {
	case errors.As(err, &errs):
	case errors.As(err, &one):
		errs = config.Errors{one}
	default:
		return err
	}
	if a.json() {
		out := make([]map[string]any, len(errs))
		for i, e := range errs {
			out[i] = map[string]any{"file": e.File, "line": e.Line, "column": e.Column, "key": e.Key, "message": a.redact(e.Msg)}
			if e.Context != "" {
				out[i]["context"] = a.redact(e.Context)
			}
		}
		_ = printJSON(a.opts.stdout, map[string]any{"valid": false, "errors": out})
		return errReported
	}
	for _, e := range errs {
		fmt.Fprintln(a.opts.stderr, a.redact(e.Error()))
		if e.Context != "" {
			for _, line := range strings.Split(a.redact(e.Context), "\n") {
				fmt.Fprintln(a.opts.stderr, "    "+line)
			}
		}
	}
	fmt.Fprintf(a.opts.stderr, "%d error(s) in config\n", len(errs))
	return errReported
}

func newPluginsCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "plugins", Short: "List installed connector plugins, or lock their checksums"}
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the connector plugins in the plugins directory with their specs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			host, err := a.h().Plugins()
			if err != nil {
				return err
			}
			specs, failed, err := a.h().InstalledSpecs(cmd.Context())
			if err != nil {
				return err
			}
			names := make([]string, 0, len(specs)+len(failed))
			for n := range specs {
				names = append(names, n)
			}
			for n := range failed {
				names = append(names, n)
			}
			sort.Strings(names)
			if a.json() {
				out := make([]map[string]any, len(names))
				for i, n := range names {
					s := specs[n]
					out[i] = map[string]any{"name": n, "version": s.Version, "kind": s.Kind, "description": s.Description,
						"streams": s.StreamNames(), "path": host.Path(n)}
					if ferr := failed[n]; ferr != nil {
						out[i]["error"] = ferr.Error()
					}
				}
				return printJSON(a.opts.stdout, out)
			}
			locked := a.lockedConnectors()
			t := newTable(a.opts.stdout, "NAME", "VERSION", "KIND", "LOCK", "STREAMS", "PATH")
			broken := 0
			for _, n := range names {
				if ferr := failed[n]; ferr != nil {
					if notLocked(ferr) {
						// Installed, not in the lockfile: not started, and
						// harmless until a connection uses it.
						t.row(n, "-", "-", "NOT LOCKED", "(not started: cxhub plugins lock --all trusts it)", host.Path(n))
						continue
					}
					broken++
					lock := locked(n)
					var mismatch *plugins.MismatchError
					if errors.As(ferr, &mismatch) && mismatch.Locked != "" {
						lock = "CHANGED" // the binary is not the one the lockfile records
					}
					t.row(n, "-", "-", lock, "BROKEN: "+truncate(ferr.Error(), 70), host.Path(n))
					continue
				}
				s := specs[n]
				streams := strings.Join(s.StreamNames(), ",")
				if streams == "" {
					streams = "(discovered at run time)"
				}
				t.row(n, s.Version, string(s.Kind), locked(n), streams, host.Path(n))
			}
			t.flush()
			if broken > 0 {
				return fmt.Errorf("%d installed connector(s) do not start", broken)
			}
			return nil
		},
	})
	return cmd
}

// lockedConnectors returns a function that says a connector's lock
// status: locked (the lockfile records it), no lockfile, or NOT LOCKED.
func (a *app) lockedConnectors() func(name string) string {
	cfg, err := a.h().Config()
	if err != nil {
		return func(string) string { return "?" }
	}
	lf, err := plugins.ReadLockfile(plugins.LockfilePath(cfg.File))
	return func(name string) string {
		switch {
		case errors.Is(err, os.ErrNotExist):
			return "no lockfile"
		case err != nil:
			return "BAD LOCKFILE"
		}
		if _, ok := lf.Connectors[name]; ok {
			return "locked"
		}
		return "NOT LOCKED"
	}
}

// notLocked reports whether err refuses a connector only because the
// lockfile does not list it.
func notLocked(err error) bool {
	var mismatch *plugins.MismatchError
	return errors.As(err, &mismatch) && mismatch.Locked == ""
}

// connectionError reports a config error, or names the failed call.
func (a *app) connectionError(err error) error {
	if rerr := a.reportConfigError(err); rerr != err {
		return rerr
	}
	return err
}

func newCheckCmd(a *app) *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "check <connection>",
		Short: "Ask a connection's connector whether its system is reachable with the configured settings",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if timeout <= 0 {
				return fmt.Errorf("--timeout: expected a positive duration such as 30s or 2m, got %s", cmd.Flag("timeout").Value)
			}
			conn, err := a.h().Connection(cmd.Context(), args[0])
			if err != nil {
				return a.connectionError(err)
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			resp, err := a.h().Check(ctx, conn.Name)
			err = timedOut(cmd.Context(), ctx, err, timeout)
			if a.json() {
				out := map[string]any{"connection": conn.Name, "ok": err == nil, "message": resp.Message}
				if err != nil {
					out["error"], out["kind"] = a.redact(err.Error()), sdk.KindOf(err).String()
				}
				_ = printJSON(a.opts.stdout, out)
				if err != nil {
					return errReported
				}
				return nil
			}
			if err != nil {
				return fmt.Errorf("check %s failed (%s): %w", conn.Name, sdk.KindOf(err), err)
			}
			fmt.Fprintf(a.opts.stdout, "%s: ok %s\n", conn.Name, resp.Message)
			return nil
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", hub.DefaultCheckTimeout, "give up on a connector that has not answered (started and checked) within this long")
	return cmd
}

func newDiscoverCmd(a *app) *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "discover <connection>",
		Short: "List the streams a connection reaches, with their keys, cursors and capabilities",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if timeout <= 0 {
				return fmt.Errorf("--timeout: expected a positive duration such as 30s or 2m, got %s", cmd.Flag("timeout").Value)
			}
			conn, err := a.h().Connection(cmd.Context(), args[0])
			if err != nil {
				return a.connectionError(err)
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			resp, err := a.h().Discover(ctx, conn.Name)
			err = timedOut(cmd.Context(), ctx, err, timeout)
			if err != nil {
				return fmt.Errorf("discover %s: %w", conn.Name, err)
			}
			if a.json() {
				return printJSON(a.opts.stdout, resp.Streams)
			}
			t := newTable(a.opts.stdout, "STREAM", "KIND", "KEY", "CURSOR", "CAPABILITIES")
			for _, s := range resp.Streams {
				t.row(s.Name, string(s.Canonical), strings.Join(s.PrimaryKey, ","), dash(s.CursorField), capabilities(s.Capabilities))
			}
			t.flush()
			return nil
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", hub.DefaultDiscoverTimeout, "give up on a connector that has not answered (started and listed its streams) within this long")
	return cmd
}

// timedOut replaces err, when ctx (the command's context bounded by
// --timeout) ran out of time and parent did not end, by an error naming the
// timeout given: the connector's own error then speaks of its internal
// bounds (the 30s a start may take), not of the --timeout that fired.
func timedOut(parent, ctx context.Context, err error, timeout time.Duration) error {
	if err == nil || parent.Err() != nil || !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return err
	}
	return sdk.Transient(fmt.Errorf("the connector did not answer within %s (--timeout %s); if its system is slow to answer, give a longer --timeout", timeout, timeout))
}

func capabilities(c sdk.Capabilities) string {
	var out []string
	for _, f := range []struct {
		on   bool
		name string
	}{{c.Read, "read"}, {c.IncrementalRead, "incremental"}, {c.Write, "write"}, {c.Delete, "delete"}, {c.Webhook, "webhook"}} {
		if f.on {
			out = append(out, f.name)
		}
	}
	return strings.Join(out, ",")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
