package sdk

import (
	"encoding/json"
	"fmt"
	"sort"

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
// config schema marks "secret": true, sorted. Nested objects are followed.
func (s Spec) SecretFields() []string {
	var out []string
	collectSecrets(gjson.Parse(s.ConfigSchema), "", &out)
	sort.Strings(out)
	return out
}

func collectSecrets(schema gjson.Result, prefix string, out *[]string) {
	schema.Get("properties").ForEach(func(name, prop gjson.Result) bool {
		path := name.String()
		if prefix != "" {
			path = prefix + "." + path
		}
		if prop.Get("secret").Bool() {
			*out = append(*out, path)
		}
		collectSecrets(prop, path, out)
		return true
	})
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
