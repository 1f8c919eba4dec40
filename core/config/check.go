package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cxhub/cxhub/sdk"
	"go.yaml.in/yaml/v3"
)

// Check validates what needs the installed connectors, given by name: that
// each connection's connector is installed, that its config satisfies the
// connector's config schema, and that each pipeline reads a stream its
// source connector can read and writes one its destination can write. A
// connector whose spec lists no streams (its streams come from Discover) is
// not checked for streams. The error is Errors, or nil; it never contains a
// secret value.
func (c *Config) Check(installed map[string]sdk.Spec) error {
	errs := errorList{file: c.File}
	known := make([]string, 0, len(installed))
	for name := range installed {
		if name != ProfilesConnector { // built in: no connection names it
			known = append(known, name)
		}
	}
	slices.Sort(known)

	schemas := map[string]*configSchema{} // by connector, compiled once
	for _, name := range connectionNames(c) {
		conn := c.Connections[name]
		nodes := c.nodes.conns[name]
		path := keyPath("connections", name)
		spec, ok := installed[conn.Connector]
		if !ok {
			at := nodes.connector
			if at == nil {
				at = nodes.key
			}
			errs.at(at, keyPath(path, "connector"), fmt.Sprintf("unknown connector %q %s", conn.Connector, listHint(conn.Connector, "installed", known)))
			continue
		}
		sch, ok := schemas[conn.Connector]
		if !ok {
			var err error
			sch, err = compileConfigSchema(spec)
			if err != nil {
				errs.at(nodes.connector, keyPath(path, "connector"), fmt.Sprintf("connector %q has an invalid config schema (a bug in the connector): %s", conn.Connector, oneLine(err.Error())))
			}
			schemas[conn.Connector] = sch
		}
		if sch != nil {
			sch.validate(&errs, conn, nodes, path)
		}
	}

	for i, p := range c.Pipelines {
		var nodes pipeNodes
		if i < len(c.nodes.pipes) {
			nodes = c.nodes.pipes[i]
		}
		path := indexPath("pipelines", i)
		fromPath, toPath := keyPath(path, "from.stream"), keyPath(path, "to.stream")
		if nodes.fromPath != "" {
			fromPath, toPath = nodes.fromPath, nodes.toPath
		}
		c.checkStream(&errs, installed, p.From, nodes.fromStream, fromPath, false)
		c.checkStream(&errs, installed, p.To, nodes.toStream, toPath, true)
	}

	redact(errs.errs, c.Secrets(installed))
	return errs.result()
}

// checkStream checks that e's stream exists in its connector's spec and can
// be read (or written, when write is set).
func (c *Config) checkStream(errs *errorList, installed map[string]sdk.Spec, e Endpoint, at *yaml.Node, path string, write bool) {
	conn, ok := c.Connections[e.Connection]
	if !ok || e.Stream == "" {
		return // Load reported it
	}
	spec, ok := installed[conn.Connector]
	if !ok || len(spec.Streams) == 0 {
		return // reported as an unknown connector, or streams come from Discover
	}
	st, ok := spec.Stream(e.Stream)
	if !ok {
		errs.at(at, path, fmt.Sprintf("connector %q has no stream %q %s", conn.Connector, e.Stream, listHint(e.Stream, "streams", spec.StreamNames())))
		return
	}
	can, verb, adj := st.Capabilities.Read, "read", "readable"
	if write {
		can, verb, adj = st.Capabilities.Write, "written", "writable"
	}
	if can {
		return
	}
	var able []string
	for _, s := range spec.Streams {
		if write && s.Capabilities.Write || !write && s.Capabilities.Read {
			able = append(able, s.Name)
		}
	}
	list := "none"
	if len(able) > 0 {
		list = strings.Join(able, ", ")
	}
	errs.at(at, path, fmt.Sprintf("stream %q of connector %q cannot be %s (%s streams: %s)", e.Stream, conn.Connector, verb, adj, list))
}

// redact replaces every secret value in the messages, as a last line of
// defence: the messages are written not to quote config values at all.
func redact(errs Errors, secrets []string) {
	// Longest first, so that a secret containing another goes whole.
	secrets = slices.Clone(secrets)
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	for _, e := range errs {
		for _, s := range secrets {
			e.Msg = strings.ReplaceAll(e.Msg, s, "[redacted]")
		}
	}
}

// oneLine folds a multi-line message onto one line.
func oneLine(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(lines, "; ")
}
