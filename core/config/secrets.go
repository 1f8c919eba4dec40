package config

import (
	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// Secrets returns the values, after interpolation, of every config property
// that a connection's connector marks secret (see sdk.Spec.SecretFields),
// without empty values or repeats, so that the caller can redact them from
// anything it prints or stores. Connections whose connector is not in
// installed contribute nothing.
func (c *Config) Secrets(installed map[string]sdk.Spec) []string {
	var out []string
	seen := map[string]bool{}
	for _, name := range connectionNames(c) {
		conn := c.Connections[name]
		spec, ok := installed[conn.Connector]
		if !ok {
			continue
		}
		for _, path := range spec.SecretFields() {
			r := gjson.GetBytes(conn.Config, path)
			var s string
			switch {
			case !r.Exists() || r.Type == gjson.Null:
				continue
			case r.Type == gjson.String:
				s = r.Str
			default:
				s = r.Raw
			}
			if s != "" && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}
