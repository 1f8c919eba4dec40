// Package host runs cxhub connectors: it is the host side of the connector
// protocol, for programs that start connectors and call them — the cxhub
// core, test harnesses such as sdk/sdktest, benchmarks. It is not for
// connector authors, who write against package sdk and never need this one.
//
// [Launch] starts a connector binary as a plugin process (go-plugin over
// gRPC with mutual TLS, a minimal environment, optionally only a binary with
// a known SHA-256) and [LaunchInProcess] serves a connector value inside the
// calling process over the same protocol, for debuggable tests. Both return
// a [Plugin], which implements the very interfaces a connector implements
// (sdk.Source, sdk.Destination, sdk.Discoverer, sdk.WebhookHandler) by
// calling the connector. Kill every Plugin: it is how its process is reaped.
//
// The protocol's client is implemented in package sdk, beside the
// conversions it shares with sdk.Serve, and handed to this package through
// sdk/internal/hostlink; this package adds the defaults, the checksum check
// and the documented API.
package host
