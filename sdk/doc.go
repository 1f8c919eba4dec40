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
// Records travel as raw JSON bytes ([Record.Data]); read fields with gjson and
// never decode a whole document you do not need to.
//
// The host side of the protocol, [Launch] and [Plugin], is what the cxhub core
// and the conformance kit use to run a connector binary. Connector authors do
// not need it. The wire protocol itself (gRPC over hashicorp/go-plugin,
// defined in sdk/proto) is an implementation detail of this package.
package sdk
