package config

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The built-in profile store (see package identity) as a pipeline's
// destination: `to: {profiles: true}`. Such a pipeline writes nowhere but
// the customer index, which indexes every record of a canonical stream that
// any pipeline reads: it backfills the index from a source.
const (
	// ProfilesConnection is the connection name `to: {profiles: true}`
	// stands for. It cannot be written as a connection's name.
	ProfilesConnection = "@profiles"
	// ProfilesConnector is the connector name of that connection.
	ProfilesConnector = "cxhub-profiles"
	// ProfilesStream is the stream the profile store takes records on.
	ProfilesStream = "records"
)

// profilesEndpoint decodes `profiles: true` in a to mapping (v is its
// pair), which stands alone, and adds the built-in connection to c.
func (d *decoder) profilesEndpoint(n *yaml.Node, v pair, path string, f map[string]pair, c *Config) Endpoint {
	ppath := keyPath(path, "profiles")
	if !strings.HasSuffix(path, ".to") {
		d.errs.at(v.key, ppath, "the profile store can only be a pipeline's destination (to), not its source")
		return Endpoint{}
	}
	for _, k := range []string{"connection", "stream"} {
		if o, ok := f[k]; ok {
			d.errs.at(o.key, keyPath(path, k), "not allowed beside profiles: true (the profile store is the destination)")
		}
	}
	s := d.scalar(v.val, ppath, "true", tagBool)
	if s == nil {
		return Endpoint{}
	}
	if s.Value != "true" {
		d.errs.at(s, ppath, fmt.Sprintf("expected true (or leave the key out and name a connection and stream), got %s", describe(s)))
		return Endpoint{}
	}
	if _, ok := c.Connections[ProfilesConnection]; !ok {
		c.Connections[ProfilesConnection] = &Connection{Name: ProfilesConnection, Connector: ProfilesConnector,
			Config: []byte("{}"), Pos: Pos{resolve(n).Line, resolve(n).Column}, Builtin: true}
		c.nodes.conns[ProfilesConnection] = connNodes{key: v.key}
	}
	return Endpoint{Connection: ProfilesConnection, Stream: ProfilesStream}
}
