package config

import (
	"github.com/cxhub/cxhub/core/state/postgres"
	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// Secrets returns the values, after interpolation, of every config property
// that a connection's connector marks secret (see sdk.Spec.SecretFields),
// without repeats or values shorter than minSecretLen, so that the caller
// can redact them from anything it prints or stores. Connections whose connector is not in
// installed contribute nothing. The server's API tokens, the alert
// receivers' secrets and the password of the state's DSN (as written and
// as meant) are secrets too.
func (c *Config) Secrets(installed map[string]sdk.Spec) []string {
	var out []string
	seen := map[string]bool{}
	add := func(v string) {
		if len(v) >= minSecretLen && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	// The server's API tokens, the alert receivers' signing secrets, the
	// state DSN's password.
	for _, t := range c.Server.Tokens {
		add(t.Token)
	}
	for _, r := range c.Monitor.Receivers {
		add(r.Secret)
	}
	for _, v := range postgres.Secrets(c.State.DSN) {
		add(v)
	}
	for _, name := range connectionNames(c) {
		conn := c.Connections[name]
		spec, ok := installed[conn.Connector]
		if !ok {
			continue
		}
		for _, path := range spec.SecretFields() {
			secretValues(gjson.GetBytes(conn.Config, path), add)
		}
	}
	return out
}

// secretValues calls add with every value r holds: a string as it is, the
// elements of an array or object (a path through an array or a map, or a
// secret object) one by one, anything else as written.
func secretValues(r gjson.Result, add func(string)) {
	switch {
	case !r.Exists() || r.Type == gjson.Null:
	case r.Type == gjson.String:
		add(r.Str)
	case r.IsArray() || r.IsObject():
		r.ForEach(func(_, v gjson.Result) bool {
			secretValues(v, add)
			return true
		})
	default:
		add(r.Raw)
	}
}

// minSecretLen is the shortest value redacted: replacing every "x" or "1"
// in a message would garble it and protect nothing, since a one- to
// three-character value is no secret.
const minSecretLen = 4
