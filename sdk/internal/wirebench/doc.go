// Package wirebench measures the physical ceiling of one hop of the
// connector protocol: a go-plugin gRPC stream of record batches from a
// plugin process to its host, with no work on either side beyond the
// protocol's own encoding and decoding.
//
// `make bench` compares the engine with it: a pipeline carries every record
// over two such hops (source plugin to core, core to destination plugin) and
// does real work in between, so the ratio of the pipeline's rate to this one
// says how much of the hardware the engine uses. The plugin speaks the same
// gRPC service, message types, transport (AutoMTLS over a local socket) and
// message size limits as a connector, with its own handshake cookie so it is
// never mistaken for one.
//
// It is a measuring instrument, not part of the hub: connectors never use
// it, and it is not published. It lives inside the SDK's internal tree
// because it must use the protocol's own generated code and transport
// options (sdk/internal/connectorpb, sdk/internal/wireopts), which nothing
// outside sdk/ may import. The core's benchmark runs it as a program,
// cmd/cxhub-wirebench, which is both the measuring host and, started by
// itself, the plugin; it prints its Result as JSON.
package wirebench
