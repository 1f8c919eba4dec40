package file

import "github.com/cxhub/cxhub/sdk"

// Version is the connector's own version.
const Version = "0.2.0" // 0.2.0: append-only writes with a key index (README.md)

// configSchema is the JSON Schema of the connection's config.
const configSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "file connector",
  "type": "object",
  "additionalProperties": false,
  "required": ["dir"],
  "properties": {
    "dir": {
      "type": "string",
      "minLength": 1,
      "description": "Directory holding one file per stream: <stream>.jsonl, <stream>.ndjson or <stream>.csv. A relative path is relative to the plugin process's working directory."
    },
    "format": {
      "type": "string",
      "enum": ["jsonl", "csv"],
      "default": "jsonl",
      "description": "Format of the files the connector creates when writing. An existing file keeps its own format."
    },
    "create_dir": {
      "type": "boolean",
      "default": true,
      "description": "Create dir on the first write if it does not exist."
    },
    "streams": {
      "type": "object",
      "description": "Per-stream settings, by stream name. A stream declared here may have no file yet.",
      "propertyNames": {"pattern": "^[^./\\\\][^/\\\\]*$"},
      "additionalProperties": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "key": {
            "type": "string",
            "minLength": 1,
            "default": "id",
            "description": "gjson path of the record's key. Written records are upserted and deleted by it; for CSV files it must be a top-level column."
          },
          "cursor": {
            "type": "string",
            "minLength": 1,
            "description": "gjson path of a field that grows when a record changes (updated_at): read incrementally by it instead of by file offset."
          }
        }
      }
    }
  }
}`

// Spec describes the connector. Its streams depend on the directory's
// files, so it lists none: Discover finds them.
func (c *Connector) Spec() sdk.Spec {
	return sdk.Spec{
		Name:    "file",
		Version: Version,
		Kind:    sdk.Generic,
		Description: "Reads and writes CSV and JSON Lines files, one file per stream in a directory. " +
			"Reads are incremental by file offset, or by a cursor field; writes upsert and delete by key, " +
			"idempotently and durably. The streams are the files found in the configured directory, " +
			"so this spec lists none: discover them with a configuration.",
		ConfigSchema: configSchema,
	}
}
