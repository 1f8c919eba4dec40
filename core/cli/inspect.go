package cli

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/plugins"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/host"
	"github.com/spf13/cobra"
)

func newValidateCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "validate",
		Short: "Check the config file and each connection's settings against its connector",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.checkedConfig(cmd.Context())
			if err != nil {
				return a.reportConfigError(err)
			}
			if a.json() {
				return printJSON(a.opts.stdout, map[string]any{"valid": true, "file": cfg.File,
					"connections": len(cfg.Connections), "pipelines": len(cfg.Pipelines)})
			}
			fmt.Fprintf(a.opts.stdout, "%s is valid: %d connections, %d pipelines\n", cfg.File, len(cfg.Connections), len(cfg.Pipelines))
			return nil
		},
	}
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
		}
		_ = printJSON(a.opts.stdout, map[string]any{"valid": false, "errors": out})
		return errReported
	}
	for _, e := range errs {
		fmt.Fprintln(a.opts.stderr, a.redact(e.Error()))
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
			host, err := a.plugins()
			if err != nil {
				return err
			}
			specs, failed, err := a.installedSpecs(cmd.Context(), host)
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
			t := newTable(a.opts.stdout, "NAME", "VERSION", "KIND", "STREAMS", "PATH")
			broken := 0
			for _, n := range names {
				if ferr := failed[n]; ferr != nil {
					if notLocked(ferr) {
						// Installed, not in the lockfile: not started, and
						// harmless until a connection uses it.
						t.row(n, "-", "-", "NOT LOCKED (not started; cxhub plugins lock --all trusts it)", host.Path(n))
						continue
					}
					broken++
					t.row(n, "-", "-", "BROKEN: "+truncate(ferr.Error(), 70), host.Path(n))
					continue
				}
				s := specs[n]
				streams := strings.Join(s.StreamNames(), ",")
				if streams == "" {
					streams = "(discovered)"
				}
				t.row(n, s.Version, string(s.Kind), streams, host.Path(n))
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

// notLocked reports whether err refuses a connector only because the
// lockfile does not list it.
func notLocked(err error) bool {
	var mismatch *plugins.MismatchError
	return errors.As(err, &mismatch) && mismatch.Locked == ""
}

// connectionPlugin validates the config and starts the connection's connector.
func (a *app) connectionPlugin(cmd *cobra.Command, name string) (*host.Plugin, *config.Connection, error) {
	cfg, err := a.checkedConfig(cmd.Context())
	if err != nil {
		return nil, nil, a.reportConfigError(err)
	}
	conn, ok := cfg.Connections[name]
	if !ok {
		known := make([]string, 0, len(cfg.Connections))
		for n := range cfg.Connections {
			known = append(known, n)
		}
		sort.Strings(known)
		return nil, nil, fmt.Errorf("no connection named %q in %s (connections: %s)", name, cfg.File, strings.Join(known, ", "))
	}
	p, err := a.host.Start(cmd.Context(), conn.Connector)
	if err != nil {
		return nil, nil, err
	}
	return p, conn, nil
}

func newCheckCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "check <connection>",
		Short: "Ask a connection's connector whether its system is reachable with the configured settings",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, conn, err := a.connectionPlugin(cmd, args[0])
			if err != nil {
				return err
			}
			resp, err := p.Check(cmd.Context(), sdk.CheckRequest{Config: sdk.Config(conn.Config)})
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
}

func newDiscoverCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "discover <connection>",
		Short: "List the streams a connection reaches, with their keys, cursors and capabilities",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, conn, err := a.connectionPlugin(cmd, args[0])
			if err != nil {
				return err
			}
			resp, err := p.Discover(cmd.Context(), sdk.DiscoverRequest{Config: sdk.Config(conn.Config)})
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
