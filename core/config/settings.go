package config

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cxhub/cxhub/core/state/postgres"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// The settings the environment may override (CXHUB_ + the key in upper
// case, "." as "_"), and the default state file name.
const (
	keyStatePath   = "state.path"
	keyStateDriver = "state.driver"
	keyStateDSN    = "state.dsn"
	keyPluginsDir  = "plugins.dir"
	keyLogLevel    = "log.level"
	envPrefix      = "CXHUB"
	defaultStateDB = "cxhub.db"
)

// fileSettings checks the state, plugins and log sections of the file and
// returns their interpolated values by key, for the keys set and valid.
func (d *decoder) fileSettings(top map[string]pair) map[string]string {
	out := map[string]string{}
	type getter func(n *yaml.Node, path string) (string, bool)
	section := func(name string, keys []string, gets map[string]getter) {
		p, ok := top[name]
		if !ok || isNull(p.val) {
			return
		}
		f, ok := d.fields(p.val, name, keys)
		if !ok {
			return
		}
		if name == "state" {
			d.stateNodes = map[string]*yaml.Node{"": resolve(p.val)}
			for k, v := range f {
				d.stateNodes[k] = v.key
			}
		}
		for _, k := range keys {
			v, ok := f[k]
			if !ok || isNull(v.val) {
				continue
			}
			key := keyPath(name, k)
			if s, ok := gets[k](v.val, key); ok {
				out[key] = s
			}
		}
	}
	section("state", stateKeys, map[string]getter{
		"path": func(n *yaml.Node, path string) (string, bool) { return d.nonEmpty(n, path, "a file path") },
		"driver": func(n *yaml.Node, path string) (string, bool) {
			return d.oneOf(n, path, stateDrivers)
		},
		// Checked when the driver is known (see checkState); its value is
		// a secret, never quoted in an error.
		"dsn": func(n *yaml.Node, path string) (string, bool) {
			return d.nonEmpty(n, path, "a PostgreSQL connection string")
		},
	})
	section("plugins", pluginsKeys, map[string]getter{
		"dir": func(n *yaml.Node, path string) (string, bool) {
			d.pluginsDirNode = n
			return d.str(n, path, "a directory path")
		},
	})
	section("log", logKeys, map[string]getter{
		"level": func(n *yaml.Node, path string) (string, bool) { return d.oneOf(n, path, logLevels) },
	})
	return out
}

// settings sets c's state path, plugins dir and log level with viper: the
// environment wins over the file. fromFile holds the file's values, already
// interpolated and checked on the node tree.
func (d *decoder) settings(data []byte, fromFile map[string]string, c *Config) {
	v := viper.New()
	v.SetConfigType("yaml")
	if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
		// The node tree saw the same bytes; its errors say it better.
		if len(d.errs.errs) == 0 {
			d.errs.atPos(0, 0, "", fmt.Sprintf("reading settings: %v", err))
		}
		return
	}
	// viper holds the file's values as written; put the interpolated ones
	// over them. The environment still wins over both.
	merged := map[string]any{}
	for key, val := range fromFile {
		section, name, _ := strings.Cut(key, ".")
		m, _ := merged[section].(map[string]any)
		if m == nil {
			m = map[string]any{}
			merged[section] = m
		}
		m[name] = val
	}
	if err := v.MergeConfigMap(merged); err != nil {
		d.errs.atPos(0, 0, "", fmt.Sprintf("reading settings: %v", err))
		return
	}
	v.SetEnvPrefix(envPrefix)
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()

	c.State = State{Driver: v.GetString(keyStateDriver)}
	if c.State.Driver == "" {
		c.State.Driver = "sqlite"
	}
	if env := envVar(keyStateDriver); d.fromEnv(env) && !slices.Contains(stateDrivers, c.State.Driver) {
		d.errs.atPos(0, 0, keyStateDriver, fmt.Sprintf("expected %s, got %q from environment variable %s",
			alternatives(stateDrivers), c.State.Driver, env))
	}
	d.checkState(v.GetString(keyStatePath), v.GetString(keyStateDSN), c)
	if dir := v.GetString(keyPluginsDir); dir != "" {
		c.PluginsDir = d.abs(dir)
		switch env := envVar(keyPluginsDir); {
		case d.fromEnv(env):
			c.PluginsDirAt = "environment variable " + env
		case d.pluginsDirNode != nil:
			n := resolve(d.pluginsDirNode)
			c.PluginsDirAt = fmt.Sprintf("%s:%d:%d", d.errs.file, n.Line, n.Column)
		}
	}
	level := v.GetString(keyLogLevel)
	if env := envVar(keyLogLevel); d.fromEnv(env) && !slices.Contains(logLevels, level) {
		msg := fmt.Sprintf("expected %s, got %q from environment variable %s", alternatives(logLevels), level, env)
		if hint := didYouMean(level, logLevels); hint != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", hint)
		}
		d.errs.atPos(0, 0, keyLogLevel, msg)
	}
	c.LogLevel = level
}

// checkState sets c's state path or DSN, as its driver takes: sqlite a
// path (cxhub.db by default) and no dsn, postgres a dsn and no path.
func (d *decoder) checkState(path, dsn string, c *Config) {
	// where places an error about key: at the key in the file, or naming
	// the environment variable it came from.
	where := func(key string) (*yaml.Node, string) {
		if env := envVar(key); d.fromEnv(env) {
			return nil, " (from environment variable " + env + ")"
		}
		return d.stateNodes[strings.TrimPrefix(key, "state.")], ""
	}
	switch c.State.Driver {
	case "postgres":
		if path != "" {
			n, from := where(keyStatePath)
			d.errs.at(n, keyStatePath, "not used by the postgres driver, whose database is state.dsn"+from)
		}
		if _, reported := d.stateNodes["dsn"]; dsn == "" && reported {
			return // present but invalid: fileSettings said why
		}
		if dsn == "" {
			d.errs.at(d.stateNodes[""], keyStateDSN,
				"missing required key: the postgres driver needs a connection string, such as dsn: ${CXHUB_PG_DSN} (or set CXHUB_STATE_DSN)")
			return
		}
		if err := postgres.CheckDSN(dsn); err != nil {
			n, from := where(keyStateDSN)
			d.errs.at(n, keyStateDSN, err.Error()+from)
			return
		}
		c.State.DSN = dsn
	case "sqlite":
		if dsn != "" {
			n, from := where(keyStateDSN)
			d.errs.at(n, keyStateDSN, "only the postgres driver takes a dsn: the sqlite driver's state is the file state.path"+from)
		}
		if path == "" {
			path = defaultStateDB
		}
		c.StatePath = d.abs(path)
		c.State.Path = c.StatePath
		if info, err := os.Stat(c.StatePath); err == nil && info.IsDir() {
			n, from := where(keyStatePath)
			if n == nil && from == "" {
				n = d.stateNodes[""]
			}
			d.errs.at(n, keyStatePath, fmt.Sprintf("%s is a directory: expected the path of the SQLite state file, such as %s%s",
				c.StatePath, filepath.Join(c.StatePath, defaultStateDB), from))
		}
	}
}

// envVar is the environment variable viper reads for a settings key.
func envVar(key string) string {
	return envPrefix + "_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// fromEnv reports whether viper takes a setting from the environment
// variable env: it does when the variable is set and not empty.
func (d *decoder) fromEnv(env string) bool {
	v, ok := d.lookupEnv(env)
	return ok && v != ""
}

// abs resolves a path against the config file's directory.
func (d *decoder) abs(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(d.dir, p)
}
