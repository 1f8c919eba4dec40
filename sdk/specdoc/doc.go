// Package specdoc writes a connector's reference page from its spec: the
// config's keys (type, default, required, secret, description, bounds) as
// the config schema declares them, and the streams with their
// capabilities, canonical kind and canonical fields. One declaration, the
// spec (whose schema sdk.ConfigSchemaOf derives from the config struct),
// drives validation, defaults, redaction and this page.
//
// [Compare] keeps a checked-in page equal to what the spec gives: the
// repository's pages, docs/connectors/<name>.md, are compared by a test
// that fails when one is stale, and rewritten by `make docs`.
//
// It is not a general JSON Schema documenter: it reads the keywords
// connector configs use (sdk/configschema.Reflect writes them).
package specdoc
