package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"sync"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/plugins"
	"github.com/cxhub/cxhub/sdk"
	"github.com/spf13/cobra"
)

func newPluginsLockCmd(a *app) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "lock",
		Short: "Record each connector binary's SHA-256 and version in the lockfile beside the config",
		Long: "Record the SHA-256 and version of the connector binaries the config's connections use (with --all,\n" +
			"of every installed one) in the lockfile beside the config: configs/demo.yaml -> configs/demo.lock.\n" +
			"While that file exists, cxhub refuses to start a connector whose binary is not recorded as it is now.\n" +
			"Run it again after installing or upgrading a connector on purpose; with the same binaries it changes nothing.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.lockPlugins(cmd.Context(), all)
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "lock every installed connector, not only those the config's connections use")
	return cmd
}

// lockChange is what locking did to one connector's entry.
type lockChange struct {
	Name     string          `json:"name"`
	Change   string          `json:"change"` // added, unchanged, changed or removed
	Locked   *plugins.Locked `json:"locked,omitempty"`
	Previous *plugins.Locked `json:"previous,omitempty"`
}

// lockPlugins fingerprints the connectors to lock, writes the lockfile if
// that changes it, and prints each entry's change.
func (a *app) lockPlugins(ctx context.Context, all bool) error {
	cfg, err := a.h().Config()
	if err != nil {
		return err
	}
	host, err := a.h().Plugins()
	if err != nil {
		return err
	}
	names, err := connectorsToLock(cfg.File, cfg.Connections, host, all)
	if err != nil {
		return err
	}
	locked, err := fingerprintAll(ctx, host, names)
	if err != nil {
		return err
	}
	path := plugins.LockfilePath(cfg.File)
	old, err := plugins.ReadLockfile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		old = &plugins.Lockfile{}
	case err != nil:
		a.logger().Warn("replacing an unreadable plugin lockfile", "error", err)
		old = &plugins.Lockfile{}
	}
	next := &plugins.Lockfile{Connectors: locked}
	written, err := writeIfChanged(path, next)
	if err != nil {
		return err
	}
	changes := lockChanges(old, next)
	if a.json() {
		return printJSON(a.opts.stdout, map[string]any{"lockfile": path, "written": written, "connectors": changes})
	}
	t := newTable(a.opts.stdout, "NAME", "VERSION", "SHA256", "CHANGE")
	for _, c := range changes {
		switch c.Change {
		case "removed":
			t.row(c.Name, dash(c.Previous.Version), plugins.ShortHash(c.Previous.SHA256), "removed")
		case "changed":
			t.row(c.Name, dash(c.Locked.Version), plugins.ShortHash(c.Locked.SHA256),
				fmt.Sprintf("changed: %s %s -> %s %s", dash(c.Previous.Version), plugins.ShortHash(c.Previous.SHA256),
					dash(c.Locked.Version), plugins.ShortHash(c.Locked.SHA256)))
		default:
			t.row(c.Name, dash(c.Locked.Version), plugins.ShortHash(c.Locked.SHA256), c.Change)
		}
	}
	t.flush()
	if written {
		fmt.Fprintf(a.opts.stdout, "wrote %s: %d connector(s) locked\n", path, len(locked))
	} else {
		fmt.Fprintf(a.opts.stdout, "%s is up to date: %d connector(s) locked\n", path, len(locked))
	}
	return nil
}

// connectorsToLock returns the connector names to lock, sorted: every
// installed one with all, else those the connections use, each of which
// must be installed.
func connectorsToLock(file string, connections map[string]*config.Connection, host *plugins.Host, all bool) ([]string, error) {
	if all {
		bins, err := host.Installed()
		if err != nil {
			return nil, err
		}
		if len(bins) == 0 {
			return nil, sdk.ConfigError(fmt.Errorf("no connector binaries in %s: nothing to lock", host.Dir()))
		}
		names := make([]string, len(bins))
		for i, b := range bins {
			names[i] = b.Name
		}
		return names, nil
	}
	connNames := make([]string, 0, len(connections))
	for n := range connections {
		connNames = append(connNames, n)
	}
	sort.Strings(connNames)
	var (
		names   []string
		missing []error
		seen    = map[string]bool{}
	)
	for _, n := range connNames {
		if connections[n].Builtin {
			continue // served in the core (the profile store): no binary to lock
		}
		connector := connections[n].Connector
		if seen[connector] {
			continue
		}
		seen[connector] = true
		if _, err := os.Stat(host.Path(connector)); err != nil {
			missing = append(missing, fmt.Errorf("connection %q uses connector %q, which is not installed: no %s in %s",
				n, connector, plugins.BinaryPrefix+connector, host.Dir()))
			continue
		}
		names = append(names, connector)
	}
	if len(missing) > 0 {
		return nil, sdk.ConfigError(fmt.Errorf("lock plugins: %w", errors.Join(missing...)))
	}
	if len(names) == 0 {
		return nil, sdk.ConfigError(fmt.Errorf("no connection in %s uses a connector: nothing to lock (--all locks every installed one)", file))
	}
	sort.Strings(names)
	return names, nil
}

// fingerprintAll fingerprints the connectors side by side; any failure
// fails the whole lock, naming each connector that failed.
func fingerprintAll(ctx context.Context, host *plugins.Host, names []string) (map[string]plugins.Locked, error) {
	var (
		mu     sync.Mutex
		wg     sync.WaitGroup
		locked = map[string]plugins.Locked{}
		errs   = make([]error, len(names))
	)
	for i, name := range names {
		wg.Go(func() {
			l, err := host.Fingerprint(ctx, name)
			if err != nil {
				errs[i] = err
				return
			}
			mu.Lock()
			locked[name] = l
			mu.Unlock()
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("lock plugins (lockfile not written): %w", err)
	}
	return locked, nil
}

// writeIfChanged writes l to path unless the file already holds exactly
// that, and reports whether it wrote.
func writeIfChanged(path string, l *plugins.Lockfile) (bool, error) {
	want, err := l.Marshal()
	if err != nil {
		return false, err
	}
	if have, err := os.ReadFile(path); err == nil && bytes.Equal(have, want) {
		return false, nil
	}
	if err := plugins.WriteLockfile(path, l); err != nil {
		return false, err
	}
	return true, nil
}

// lockChanges compares the old lockfile with the new one, by name.
func lockChanges(old, next *plugins.Lockfile) []lockChange {
	names := next.Names()
	for _, n := range old.Names() {
		if _, ok := next.Connectors[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	out := make([]lockChange, 0, len(names))
	for _, n := range names {
		was, hadOld := old.Connectors[n]
		now, hasNew := next.Connectors[n]
		c := lockChange{Name: n}
		switch {
		case !hasNew:
			c.Change, c.Previous = "removed", &was
		case !hadOld:
			c.Change, c.Locked = "added", &now
		case was == now:
			c.Change, c.Locked = "unchanged", &now
		default:
			c.Change, c.Locked, c.Previous = "changed", &now, &was
		}
		out = append(out, c)
	}
	return out
}
