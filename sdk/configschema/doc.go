// Package configschema compiles a connector's config JSON Schema exactly as
// the core does: JSON Schema draft 2020-12 unless the schema names another
// draft with "$schema", and no external "$ref" (a connector's schemas must
// be self-contained, so nothing is ever fetched). The core checks
// connections' configs with it, and sdktest checks connectors' specs with
// it, so that a schema the suite accepts is one the core accepts.
//
// It also derives a config schema, and its defaults, from one annotated Go
// struct ([Reflect]), which sdk.ConfigSchemaOf and sdk.DecodeConfig build
// on, and words validation errors for a connector ([Violations]). Reflect
// is a small reflection of our own rather than a general generator such as
// github.com/invopop/jsonschema: a config's vocabulary is small, and ours
// writes "secret": true as the core's redaction reads it (invopop's extras
// are strings), puts item constraints (minLength, pattern, enum of a
// []string) on the items, takes prose descriptions with commas in a tag of
// their own, refuses a tag that does not fit its field, and gives the
// defaults as a JSON object to decode under a config, with no $ref to
// resolve and no new dependency.
//
// It is not the core's validator: the core words violations for YAML
// (file, line and column), sdktest for its report.
package configschema
