package null

import "github.com/cxhub/cxhub/sdk"

// Version is the connector's own version.
const Version = "0.1.0"

// configSchema is the JSON Schema of the connection's config.
const configSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "null connector",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "streams": {
      "type": "array",
      "minItems": 1,
      "uniqueItems": true,
      "items": {"type": "string", "minLength": 1, "pattern": "^[^/\\\\]+$"},
      "default": ["customers", "interactions"],
      "description": "The streams a pipeline may write to."
    },
    "return_ids": {
      "type": "boolean",
      "default": false,
      "description": "Answer each record with the id null-<key>, so that the core keeps a link per record (as for a real destination). Off: no id, no link."
    },
    "stats_file": {
      "type": "string",
      "minLength": 1,
      "description": "A JSON file each writer replaces when it closes with what it received: {\"stream\":...,\"records\":N,\"deletes\":D,\"bytes\":B}. {stream} in it is replaced by the stream's name. A relative path is relative to the plugin process's working directory."
    }
  }
}`

// Spec describes the connector. Its streams are those of the config, so
// it lists none: Discover gives them, and a pipeline may name any stream
// (OpenWriter refuses one the config does not list).
func (c *Connector) Spec() sdk.Spec {
	return sdk.Spec{
		Name:    "null",
		Version: Version,
		Kind:    sdk.Generic,
		Description: "A destination that drops every record it is given and answers each as written: " +
			"for load tests and pipeline dry runs. It counts what it received and can write the totals to a file.",
		ConfigSchema: configSchema,
	}
}

// streamSpec describes an accepted stream.
func streamSpec(name string) sdk.StreamSpec {
	return sdk.StreamSpec{
		Name:        name,
		Description: "Accepts upserts and deletes, and drops them.",
		Canonical:   sdk.CanonicalOther,
		// Records are never decoded: the path is the usual one, declared
		// because every stream names its key.
		PrimaryKey:   []string{"id"},
		Capabilities: sdk.Capabilities{Write: true, Delete: true},
	}
}
