// Package configschema compiles a connector's config JSON Schema exactly as
// the core does: JSON Schema draft 2020-12 unless the schema names another
// draft with "$schema", and no external "$ref" (a connector's schemas must
// be self-contained, so nothing is ever fetched). The core checks
// connections' configs with it, and sdktest checks connectors' specs with
// it, so that a schema the suite accepts is one the core accepts.
//
// It is not a validator with messages of its own: callers validate with the
// compiled *jsonschema.Schema and word the violations for their readers
// (the core points at YAML lines, the suite writes one line per problem).
package configschema
