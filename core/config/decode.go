package config

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// decoder turns the YAML node tree of one file into a Config, checking every
// key and value on the way and collecting every error with its position.
type decoder struct {
	errs      errorList
	bad       map[*yaml.Node]bool // values whose interpolation failed, already reported
	lookupEnv func(string) (string, bool)
	dir       string   // absolute directory of the config file
	lines     []string // the file's lines, to place errors inside expressions
	// stateNodes places the state section's errors found after viper:
	// its keys' nodes by key, and the section's own node as "".
	stateNodes map[string]*yaml.Node
	// pluginsDirNode is plugins.dir's value in the file, if set there.
	pluginsDirNode *yaml.Node
}

// Keys allowed at each level of the file, in the order the errors list them.
var (
	topKeys   = []string{"version", "state", "plugins", "log", "server", "monitor", "connections", "pipelines", "syncs", "customers"}
	stateKeys = []string{"path", "driver", "dsn"}
	// stateDrivers are the state backends this cxhub has.
	stateDrivers   = []string{"sqlite", "postgres"}
	pluginsKeys    = []string{"dir"}
	logKeys        = []string{"level"}
	connectionKeys = []string{"connector", "config", "check_interval"}
	pipelineKeys   = []string{"name", "from", "to", "map", "where", "schedule", "jitter", "on_error", "batch_size", "retry", "monitor"}
	endpointKeys   = []string{"connection", "stream", "profiles"}
	retryKeys      = []string{"initial_interval", "max_interval", "max_elapsed"}
	constKeys      = []string{"value"}
	logLevels      = []string{"trace", "debug", "info", "warn", "error"}
	onErrorValues  = []string{OnErrorDeadLetter, OnErrorStop}
)

// namePattern is what connection and pipeline names are made of.
var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

const nameRule = `expected lower-case letters, digits, "_" and "-", starting with a letter or digit`

// fields checks that n is a mapping whose keys are all in allowed and
// returns its pairs by key. It reports unknown keys, with a did-you-mean,
// and returns false if n is not a mapping.
func (d *decoder) fields(n *yaml.Node, path string, allowed []string) (map[string]pair, bool) {
	n = resolve(n)
	if d.bad[n] {
		return nil, false
	}
	if n == nil || n.Kind != yaml.MappingNode {
		d.errs.at(n, path, fmt.Sprintf("expected a mapping with keys %s, got %s", strings.Join(allowed, ", "), describe(n)))
		return nil, false
	}
	out := map[string]pair{}
	for _, p := range d.pairs(n, path, "key") {
		if !slices.Contains(allowed, p.key.Value) {
			d.errs.at(p.key, keyPath(path, p.key.Value), "unknown key "+listHint(p.key.Value, "expected one of", allowed))
			continue
		}
		out[p.key.Value] = p
	}
	return out, true
}

// require reports each of keys missing from f (or null there) at the
// position of the mapping m that should hold it.
func (d *decoder) require(m *yaml.Node, path string, f map[string]pair, keys ...string) bool {
	ok := true
	for _, k := range keys {
		if p, found := f[k]; !found || isNull(p.val) && !d.bad[resolve(p.val)] {
			d.errs.at(resolve(m), keyPath(path, k), "missing required key")
			ok = false
		}
	}
	return ok
}

// scalar returns n as a scalar of one of the given tags, or reports that it
// expected what, and returns nil. Values already reported bad give nil
// without a second error.
func (d *decoder) scalar(n *yaml.Node, path, what string, tags ...string) *yaml.Node {
	n = resolve(n)
	if d.bad[n] {
		return nil
	}
	if n == nil || n.Kind != yaml.ScalarNode || !slices.Contains(tags, n.ShortTag()) {
		d.errs.at(n, path, fmt.Sprintf("expected %s, got %s", what, describe(n)))
		return nil
	}
	return n
}

// str returns a string value.
func (d *decoder) str(n *yaml.Node, path, what string) (string, bool) {
	s := d.scalar(n, path, what, tagStr)
	if s == nil {
		return "", false
	}
	return s.Value, true
}

// nonEmpty returns a string value that must not be empty.
func (d *decoder) nonEmpty(n *yaml.Node, path, what string) (string, bool) {
	s, ok := d.str(n, path, what)
	if ok && s == "" {
		d.errs.at(resolve(n), path, fmt.Sprintf("expected %s, got an empty string", what))
		return "", false
	}
	return s, ok
}

// name returns a connection or pipeline name.
func (d *decoder) name(n *yaml.Node, path, what string) (string, bool) {
	s, ok := d.str(n, path, "a "+what+" name")
	if ok && !namePattern.MatchString(s) {
		d.errs.at(resolve(n), path, fmt.Sprintf("invalid %s name %q (%s)", what, s, nameRule))
		return s, false
	}
	return s, ok
}

// integer returns an integer value from lo to hi.
func (d *decoder) integer(n *yaml.Node, path string, lo, hi int) (int, bool) {
	what := fmt.Sprintf("an integer from %d to %d", lo, hi)
	s := d.scalar(n, path, what, tagInt)
	if s == nil {
		return 0, false
	}
	var v int
	if err := s.Decode(&v); err != nil || v < lo || v > hi {
		d.errs.at(s, path, fmt.Sprintf("expected %s, got %s", what, describe(s)))
		return 0, false
	}
	return v, true
}

// oneOf returns a string value that must be one of allowed.
func (d *decoder) oneOf(n *yaml.Node, path string, allowed []string) (string, bool) {
	what := alternatives(allowed)
	s := d.scalar(n, path, what, tagStr)
	if s == nil {
		return "", false
	}
	if !slices.Contains(allowed, s.Value) {
		msg := fmt.Sprintf("expected %s, got %s", what, describe(s))
		if hint := didYouMean(s.Value, allowed); hint != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", hint)
		}
		d.errs.at(s, path, msg)
		return "", false
	}
	return s.Value, true
}

// duration returns a Go duration (like "5m" or "1h30m") of at least lo.
func (d *decoder) duration(n *yaml.Node, path string, lo time.Duration) (time.Duration, bool) {
	examples := `"30s", "5m" or "1h30m"`
	if lo < 500*time.Millisecond {
		examples = `"500ms", ` + examples
	}
	what := fmt.Sprintf(`a duration of at least %s, like %s`, lo, examples)
	s := d.scalar(n, path, what, tagStr, tagInt, tagFloat)
	if s == nil {
		return 0, false
	}
	v, err := time.ParseDuration(s.Value)
	if err != nil || v < lo {
		msg := fmt.Sprintf("expected %s, got %s", what, describe(s))
		if err != nil {
			if h := durationHint(s.Value); h != "" {
				msg += " (" + h + ")"
			}
		}
		d.errs.at(s, path, msg)
		return 0, false
	}
	return v, true
}

// durationWords are the spelled-out units people write for Go's.
var durationWords = regexp.MustCompile(`^(\d+(?:\.\d+)?)\s*(ms|msecs?|millis|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?)$`)

// durationHint says what is wrong with text that is almost a Go duration:
// a number without a unit, a "d" unit, a unit spelled out ("10 mins"). It
// returns "" for anything else.
func durationHint(text string) string {
	t := strings.TrimSpace(text)
	if _, err := strconv.ParseFloat(t, 64); err == nil {
		return fmt.Sprintf("a duration needs a unit: %q or %q?", t+"s", t+"m")
	}
	m := durationWords.FindStringSubmatch(strings.ToLower(t))
	if m == nil {
		return ""
	}
	switch unit := m[2]; {
	case unit == "d" || strings.HasPrefix(unit, "day"):
		if n, err := strconv.Atoi(m[1]); err == nil {
			return fmt.Sprintf("there is no %q unit: write %q", "d", fmt.Sprintf("%dh", 24*n))
		}
		return `there is no "d" unit: write hours, such as "24h"`
	case strings.HasPrefix(unit, "ms") || strings.HasPrefix(unit, "milli"):
		return fmt.Sprintf("did you mean %q?", m[1]+"ms")
	case strings.HasPrefix(unit, "s"):
		return fmt.Sprintf("did you mean %q?", m[1]+"s")
	case strings.HasPrefix(unit, "m"):
		return fmt.Sprintf("did you mean %q?", m[1]+"m")
	default:
		return fmt.Sprintf("did you mean %q?", m[1]+"h")
	}
}

// durationWithin returns a duration between lo and hi; why says, in the
// error, what a longer one would mean.
func (d *decoder) durationWithin(n *yaml.Node, path string, lo, hi time.Duration, why string) (time.Duration, bool) {
	v, ok := d.duration(n, path, lo)
	if ok && v > hi {
		d.errs.at(resolve(n), path, fmt.Sprintf("expected at most %s (%s), got %v", shortDuration(hi), why, v))
		return 0, false
	}
	return v, ok
}

// shortDuration writes a whole number of minutes or seconds as "5m", "30s".
func shortDuration(t time.Duration) string {
	switch {
	case t%time.Minute == 0:
		return fmt.Sprintf("%dm", t/time.Minute)
	case t%time.Second == 0:
		return fmt.Sprintf("%ds", t/time.Second)
	}
	return t.String()
}

// document decodes the whole file. It also returns the file's values of
// the settings the environment may override, for settings to finish.
func (d *decoder) document(doc *yaml.Node) (*Config, map[string]string) {
	c := &Config{
		Connections: map[string]*Connection{},
		nodes:       positions{conns: map[string]connNodes{}},
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		d.errs.atPos(0, 0, "", "the file is empty (expected a mapping with keys "+strings.Join(topKeys, ", ")+")")
		return c, nil
	}
	root := doc.Content[0]
	top, ok := d.fields(root, "", topKeys)
	if !ok {
		return c, nil
	}
	if d.require(root, "", top, "version") {
		if n := d.scalar(top["version"].val, "version", "1", tagInt); n != nil {
			if n.Value != "1" {
				d.errs.at(n, "version", fmt.Sprintf("expected 1 (the only version of the file format), got %s", describe(n)))
			} else {
				c.Version = 1
			}
		}
	}
	settings := d.fileSettings(top)
	d.server(top["server"].val, c)
	d.monitor(top["monitor"].val, c)
	if p, ok := top["connections"]; ok {
		d.connections(p.val, c)
	}
	if p, ok := top["pipelines"]; ok {
		d.pipelines(p.val, c)
	}
	if p, ok := top["syncs"]; ok {
		d.syncs(p.val, c)
	}
	if p, ok := top["customers"]; ok && !isNull(p.val) {
		c.Customers = resolve(p.val) // decoded by core/identity, which reports its errors the same way
	}
	return c, settings
}

// connections decodes the connections mapping into c.
func (d *decoder) connections(n *yaml.Node, c *Config) {
	const path = "connections"
	n = resolve(n)
	if isNull(n) || d.bad[n] {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errs.at(n, path, fmt.Sprintf("expected a mapping of connection names to connections, got %s", describe(n)))
		return
	}
	for _, p := range d.pairs(n, path, "connection name") {
		name := p.key.Value
		cpath := keyPath(path, name)
		if !namePattern.MatchString(name) {
			d.errs.at(p.key, cpath, fmt.Sprintf("invalid connection name %q (%s)", name, nameRule))
		}
		conn := &Connection{Name: name, Config: []byte("{}"), Pos: Pos{p.key.Line, p.key.Column}}
		nodes := connNodes{key: p.key}
		c.Connections[name] = conn // even when invalid, so pipelines naming it get no second error
		f, ok := d.fields(p.val, cpath, connectionKeys)
		if !ok {
			c.nodes.conns[name] = nodes
			continue
		}
		if cn, ok := f["connector"]; ok {
			nullConnectorName(cn.val)
		}
		if d.require(p.val, cpath, f, "connector") {
			nodes.connector = resolve(f["connector"].val)
			conn.Connector, _ = d.nonEmpty(f["connector"].val, keyPath(cpath, "connector"), "a connector name")
			if conn.Connector == ProfilesConnector {
				d.errs.at(nodes.connector, keyPath(cpath, "connector"), fmt.Sprintf("%q is the built-in profile store, not a connector a connection can use: "+
					"expected an installed connector (see cxhub plugins list); to feed the profile store, write to: {profiles: true} in the pipeline", ProfilesConnector))
			}
		}
		if cf, ok := f["config"]; ok {
			nodes.configKey = cf.key
			if !isNull(cf.val) {
				nodes.config = resolve(cf.val)
				if raw, ok := d.configJSON(cf.val, keyPath(cpath, "config")); ok {
					conn.Config = raw
				}
			}
		}
		if v, ok := f["check_interval"]; ok && !isNull(v.val) {
			conn.CheckInterval, _ = d.duration(v.val, keyPath(cpath, "check_interval"), time.Second)
		}
		c.nodes.conns[name] = nodes
	}
}

// connectionNames returns the names of c's connections, sorted.
func connectionNames(c *Config) []string {
	names := make([]string, 0, len(c.Connections))
	for name := range c.Connections {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// nullConnectorName reads `connector: null`, which YAML takes for an empty
// value, as the name of the null connector: a connector name is required,
// so the word can mean nothing else. Only the lower-case word, unquoted,
// is read so; `~` and an empty value stay empty.
func nullConnectorName(n *yaml.Node) {
	n = resolve(n)
	if n != nil && n.Kind == yaml.ScalarNode && n.Style == 0 && n.Value == "null" && n.ShortTag() == "!!null" {
		n.Tag = tagStr
	}
}
