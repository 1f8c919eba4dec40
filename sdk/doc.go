// Package sdk is what a cxhub connector is written against.
//
// A connector is a separate program that the cxhub core starts as a plugin
// process. Its main function builds a value that implements [Connector] and at
// least one of [Source] and [Destination], and hands it to [Serve]:
//
//	func main() { sdk.Serve(&myConnector{}) }
//
// Optional capabilities are extra interfaces detected by type assertion:
// [Discoverer] (streams that depend on the configuration) and
// [WebhookHandler] (verifying and decoding webhook deliveries).
//
// Every call takes a context first and a request struct, so that later
// versions can add fields without breaking a connector. Errors carry a kind
// the core acts on: see [Transient], [RateLimited], [BadRecord],
// [ConfigError] and [AuthError].
//
// A connection's config is declared once, as a struct whose tags say each
// key's type, default, bounds, whether it is required or secret, and its
// description: [ConfigSchemaOf] derives the spec's ConfigSchema from it,
// [DecodeConfig] validates, defaults and decodes a config into it, and
// sdk/specdoc writes the connector's reference page from the spec.
//
// Records travel as raw JSON bytes ([Record.Data]); read fields with gjson and
// never decode a whole document you do not need to.
//
// The wire protocol (gRPC over hashicorp/go-plugin, defined in sdk/proto)
// is an implementation detail of this package. Its host side, which starts
// connector binaries and calls them, is package sdk/host: the cxhub core,
// the conformance kit (sdk/sdktest) and a connector's own protocol tests use
// it; a connector does not.
package sdk
