package sdk

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/tidwall/gjson"
)

// SystemKind is the kind of system a connector talks to.
type SystemKind string

// The kinds of system.
const (
	CRM         SystemKind = "crm"
	Ticketing   SystemKind = "ticketing"
	Survey      SystemKind = "survey"
	SupplyChain SystemKind = "supply_chain"
	Generic     SystemKind = "generic"
)

// CanonicalKind says what a stream's records are in the customer 360 model.
type CanonicalKind string

// The canonical kinds of stream.
const (
	// CanonicalCustomer streams hold people or organisations (contacts, users, customers).
	CanonicalCustomer CanonicalKind = "customer"
	// CanonicalInteraction streams hold events with a customer (tickets, comments, responses, orders).
	CanonicalInteraction CanonicalKind = "interaction"
	// CanonicalOther streams are neither.
	CanonicalOther CanonicalKind = "other"
)

// Spec describes a connector. It needs no configuration to produce.
type Spec struct {
	// Name is the connector's name as written in a config's `connector:` key.
	Name string
	// Version is the connector's own version (semver).
	Version     string
	Kind        SystemKind
	Description string
	// ConfigSchema is a JSON Schema (draft 2020-12) of the connection's
	// config. Properties that hold credentials carry "secret": true; the core
	// redacts them everywhere it prints or stores anything.
	ConfigSchema string
	// Streams are the streams the connector offers.
	Streams []StreamSpec
}

// StreamSpec describes one stream.
type StreamSpec struct {
	Name        string        `json:"name"`
	Description string        `json:"description,omitempty"`
	Canonical   CanonicalKind `json:"canonical_kind"`
	// InteractionKind, for interaction streams: ticket, comment, survey_response, order, fulfilment, note, message...
	InteractionKind string `json:"interaction_kind,omitempty"`
	// PrimaryKey lists the gjson paths whose values identify a record.
	PrimaryKey []string `json:"primary_key"`
	// CursorField is the gjson path of the field incremental reads follow.
	CursorField  string       `json:"cursor_field,omitempty"`
	Capabilities Capabilities `json:"capabilities"`
	// Schema is a JSON Schema of one record; optional.
	Schema string `json:"schema,omitempty"`
	// CanonicalFields maps canonical fields (email, phone, name, company,
	// occurred_at, subject, status, score, amount...) to gjson paths in the record.
	CanonicalFields map[string]string `json:"canonical_fields,omitempty"`
}

// Capabilities says what a stream supports.
type Capabilities struct {
	Read            bool `json:"read"`
	IncrementalRead bool `json:"incremental_read"`
	Write           bool `json:"write"`
	Delete          bool `json:"delete"`
	Webhook         bool `json:"webhook"`
}

// Stream returns the stream named name, or false.
func (s Spec) Stream(name string) (StreamSpec, bool) {
	for _, st := range s.Streams {
		if st.Name == name {
			return st, true
		}
	}
	return StreamSpec{}, false
}

// StreamNames returns the names of the spec's streams, in order.
func (s Spec) StreamNames() []string {
	names := make([]string, len(s.Streams))
	for i, st := range s.Streams {
		names[i] = st.Name
	}
	return names
}

// SecretFields returns the gjson paths, in the config, of every property the
// config schema marks "secret": true, sorted. It follows nested objects
// ("properties"), arrays ("items": a path with #, such as
// "accounts.#.api_key"), maps ("additionalProperties" and
// "patternProperties": a path with @values, such as "streams.@values.#.token"),
// local references ("$ref": "#/$defs/..."), and allOf, anyOf and oneOf. A
// path through an array or a map gives a gjson array of the values it
// names; a secret array gives the array.
func (s Spec) SecretFields() []string {
	root := gjson.Parse(s.ConfigSchema)
	seen := map[string]bool{}
	collectSecrets(root, root, "", "", seen, 0)
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// maxSchemaDepth bounds how deep collectSecrets follows a schema, so that
// a recursive $ref ends.
const maxSchemaDepth = 32

// collectSecrets adds the secrets of schema to out. leaf is the path of
// the value the schema describes; prefix is what its properties' paths
// start with: the same for an object ("a" → "a.b"), but "a.#" for the
// elements of an array and "a.@values.#" for the values of a map, since a
// property of many elements is read as "a.#.b".
func collectSecrets(root, schema gjson.Result, leaf, prefix string, out map[string]bool, depth int) {
	if depth > maxSchemaDepth || !schema.IsObject() {
		return
	}
	if schema.Get("secret").Bool() && leaf != "" {
		out[leaf] = true
	}
	join := func(base, part string) string {
		if base == "" {
			return part
		}
		return base + "." + part
	}
	schema.Get("properties").ForEach(func(name, prop gjson.Result) bool {
		p := join(prefix, escapePathPart(name.String()))
		collectSecrets(root, prop, p, p, out, depth+1)
		return true
	})
	if leaf != "" {
		// An array's elements: the array itself holds the values.
		collectSecrets(root, schema.Get("items"), leaf, join(prefix, "#"), out, depth+1)
		// A map's values.
		values := join(leaf, "@values")
		collectSecrets(root, schema.Get("additionalProperties"), values, join(values, "#"), out, depth+1)
		schema.Get("patternProperties").ForEach(func(_, prop gjson.Result) bool {
			collectSecrets(root, prop, values, join(values, "#"), out, depth+1)
			return true
		})
	}
	for _, key := range []string{"allOf", "anyOf", "oneOf"} {
		schema.Get(key).ForEach(func(_, sub gjson.Result) bool {
			collectSecrets(root, sub, leaf, prefix, out, depth+1)
			return true
		})
	}
	if ref := schema.Get("$ref").String(); strings.HasPrefix(ref, "#/") {
		collectSecrets(root, root.Get(pointerToPath(ref[2:])), leaf, prefix, out, depth+1)
	}
}

// escapePathPart escapes the characters gjson gives a meaning to in a
// property name.
func escapePathPart(name string) string {
	var b strings.Builder
	for _, r := range name {
		if strings.ContainsRune(`.*?|#@\!=<>%"`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// pointerToPath turns the JSON pointer of a local $ref ("$defs/account")
// into a gjson path.
func pointerToPath(pointer string) string {
	parts := strings.Split(pointer, "/")
	for i, p := range parts {
		p = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
		parts[i] = escapePathPart(p)
	}
	return strings.Join(parts, ".")
}

// Validate reports the first structural problem of the spec: a missing name
// or version, a config schema that is not a JSON object, a stream without a
// name or declared twice. It does not compile the schema.
func (s Spec) Validate() error {
	if s.Name == "" {
		return fmt.Errorf("spec: name is empty")
	}
	if s.Version == "" {
		return fmt.Errorf("spec %s: version is empty", s.Name)
	}
	if s.ConfigSchema != "" {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(s.ConfigSchema), &obj); err != nil {
			return fmt.Errorf("spec %s: config schema is not a JSON object: %w", s.Name, err)
		}
	}
	seen := map[string]bool{}
	for i, st := range s.Streams {
		if st.Name == "" {
			return fmt.Errorf("spec %s: stream %d has no name", s.Name, i)
		}
		if seen[st.Name] {
			return fmt.Errorf("spec %s: stream %q is declared twice", s.Name, st.Name)
		}
		seen[st.Name] = true
	}
	return nil
}
